import Foundation
import Testing
@testable import Tessera

/// `--schedule auto` (ScheduleSearch): against a brute force over every single stage the
/// forced syntax can name, each compiled and planned whole; and on MobileNetV2, where the
/// searched schedule must give the layer-by-layer bits at a fraction of the arena.
@Suite struct ScheduleSearchTests {
    static func compile(_ graph: Graph, _ schedule: ScheduleRequest, maxOverhead: Double = 0.15, precision: Precision = .fp32) throws -> CompiledModel {
        var options = CompileOptions(target: "host", precision: precision)
        options.schedule = schedule
        options.maxOverhead = maxOverhead
        return try Compiler.compile(graph, options: options)
    }

    /// Every stage between two cuts of the layer order (beginning where up to three tensors
    /// cross, ending where one does), as bands and small grids, and the layer-by-layer
    /// build: the smallest arena among those within the MAC budget. The search may combine
    /// stages, so it must do at least as well.
    @Test(arguments: ["conv_relu_pool", "dw_separable", "residual"])
    func searchBeatsEverySingleStage(_ name: String) throws {
        let graph = try SyntheticModels.named(name).graph()
        let layer = try Self.compile(graph, .layer)
        let optimised = try Pipeline.run(graph, options: PassOptions(precision: .fp32, io: .float32, inputLayout: .nchw), verify: true, dumpAfter: []) { _, _ in }
        let cuts = try ScheduleSearch.cuts(optimised, maxCrossing: 3), ends = cuts.filter { $0.tensors.count == 1 }
        let budget = Int(0.15 * Double(layer.summary.macs))
        var best = (arena: layer.plan.arenaBytes, schedule: "layer"), tried = 0
        let modes = ["band:1", "band:2", "patch:2x2", "patch:3x2"]
        for start in [nil] + cuts {
            for end in ends where start == nil || end.node > start!.node {
                for mode in modes {
                    let text = "\(mode)@\(start.map { $0.tensors.joined(separator: "+") + ".." } ?? "")\(end.tensors[0])"
                    guard let model = try? Self.compile(graph, try ScheduleRequest(parsing: text)) else { continue }
                    tried += 1
                    if model.summary.macs - layer.summary.macs <= budget && model.plan.arenaBytes < best.arena {
                        best = (model.plan.arenaBytes, text)
                    }
                }
            }
        }
        #expect(tried > 0)
        let auto = try Self.compile(graph, .auto)
        #expect(auto.summary.macs - layer.summary.macs <= budget, "\(name): auto \(auto.schedule.request) costs \(auto.summary.macs - layer.summary.macs) MACs over \(budget)")
        #expect(auto.plan.arenaBytes <= best.arena,
                "\(name): auto \(auto.schedule.request) plans \(auto.plan.arenaBytes) B, the best of \(tried) single stages \(best.schedule) \(best.arena) B")
    }

    /// x -> conv0 -> a -> conv1 -> b -> conv2 -> c, d = c + a, conv3 -> y: inside the
    /// residual block two tensors cross (a and b). Hand-worked cuts; a stage
    /// beginning at {a, b} runs (patches, bit for bit with layer by layer), and the search
    /// over these starts is no worse than the best single stage the syntax can name.
    @Test func stagesMayBeginInsideAResidualBlock() throws {
        var b = ModelBuilder("skip_cuts", seed: 5)
        b.input("x", [1, 4, 12, 12])
        func conv(_ x: String, _ name: String, _ out: String) -> String {
            b.node("Conv", [x, b.weight("\(name)w", [4, 4, 3, 3], scale: 0.3)], name: name, outputs: [out], [("pads", ints([1, 1, 1, 1]))])
        }
        let a = conv("x", "conv0", "a"), bb = conv(a, "conv1", "b"), c = conv(bb, "conv2", "c")
        let d = b.node("Add", [c, a], name: "add", outputs: ["d"])
        b.output(conv(d, "conv3", "y"))
        let graph = try b.graph()
        let optimised = try Pipeline.run(graph, options: PassOptions(precision: .fp32, io: .float32, inputLayout: .nchw), verify: true, dumpAfter: []) { _, _ in }
        // The Add folds into conv2 (ResidualFusion), which writes d; the layout pass
        // converts x to NHWC first and y back to NCHW last.
        let cuts = try ScheduleSearch.cuts(optimised, maxCrossing: 3).map { $0.tensors }
        #expect(cuts == [["x__nhwc"], ["a"], ["a", "b"], ["d"], ["y__nhwc"], ["y"]], "cuts \(cuts)")
        #expect(try ScheduleSearch.cuts(optimised).map { $0.tensors } == [["x__nhwc"], ["a"], ["d"], ["y__nhwc"], ["y"]])
        _ = try PatchScheduleTests.expectSameBits(graph, .fp32, "patch:2x2@a+b..d")
        let layer = try Self.compile(graph, .layer), auto = try Self.compile(graph, .auto)
        var best = layer.plan.arenaBytes
        for text in ["patch:2x2@a+b..d", "patch:2x2@a+b..y", "band:1@a+b..y", "band:1@d", "band:1@y", "patch:2x2@y", "band:1@a..y"] {
            guard let m = try? Self.compile(graph, try ScheduleRequest(parsing: text)), m.summary.macs - layer.summary.macs <= Int(0.15 * Double(layer.summary.macs)) else { continue }
            best = min(best, m.plan.arenaBytes)
        }
        #expect(auto.plan.arenaBytes <= best, "auto \(auto.schedule.request): \(auto.plan.arenaBytes) B, best forced \(best) B")
    }

    /// A budget of no extra MACs: row bands, or patches without halos (1x1 layers), only.
    @Test func zeroBudgetAddsNoMACs() throws {
        let graph = try SyntheticModels.named("conv_relu_pool").graph()
        let auto = try Self.compile(graph, .auto, maxOverhead: 0), layer = try Self.compile(graph, .layer)
        #expect(auto.summary.macs == layer.summary.macs, "\(auto.schedule.request)")
        #expect(auto.plan.arenaBytes < layer.plan.arenaBytes)
    }

    /// MobileNetV2-0.35 at 96 searched: the layer-by-layer bits in fp16, in the memory
    /// checking mode, at under a fifth of the arena and within the MAC budget; the report
    /// names the stages.
    @Test func mobileNetV2Searched() throws {
        let graph = try MobileNetV2.graph(MobileNetV2.Settings(width: 0.35, resolution: 96, classes: 10, seed: 1))
        let (layer, auto) = try PatchScheduleTests.expectSameBits(graph, .fp16, "auto")
        #expect(auto.plan.arenaBytes * 5 < layer.plan.arenaBytes, "arena \(auto.plan.arenaBytes) B searched (\(auto.schedule.request)), \(layer.plan.arenaBytes) B layer by layer")
        #expect(Double(auto.summary.macs) <= 1.15 * Double(layer.summary.macs))
        #expect(auto.schedule.peakLayerByLayer == layer.plan.arenaBytes)
        let report = try JSONParser.parse(try #require(auto.files.first { $0.name == "report.json" }).contents)
        #expect(report["schedule"]?["stages"]?.array?.isEmpty == false)
    }

    @Test func fitNeedsAnMCUAndAuto() throws {
        let graph = try SyntheticModels.named("conv_relu_pool").graph()
        var options = CompileOptions(target: "host", precision: .fp32)
        options.schedule = .auto
        options.fit = true
        #expect(throws: TesseraError.self) { _ = try Compiler.compile(graph, options: options) }
    }

    /// `tessera inspect --schedules`: the Pareto table, layer by layer first, each later
    /// schedule with a smaller planned arena, and the SVG written; the compile CLI prints
    /// the searched schedule.
    @Test func inspectSchedulesPrintsTheParetoSetAndItsSVG() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let model = TestEnvironment.repositoryRoot.path + "/Examples/digits_cnn.json"
        let r = try TestEnvironment.cli(["inspect", model, "--schedules", "--svg", "\(dir)/s.svg"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") && $0.contains(" %") }
        #expect(rows.count >= 2 && rows.first?.hasSuffix("layer") == true, "\(r.stdout)")
        let arenas = rows.map { Int($0.split(separator: " ", omittingEmptySubsequences: true)[1].replacingOccurrences(of: ",", with: ""))! }
        #expect(arenas.dropFirst().allSatisfy { $0 < arenas[0] }, "\(arenas)")
        let svg = try String(contentsOfFile: "\(dir)/s.svg", encoding: .utf8)
        #expect(svg.contains("<svg") && svg.components(separatedBy: "<circle").count - 1 == rows.count)
        let c = try TestEnvironment.cli(["compile", model, "--schedule", "auto", "-o", "\(dir)/out"])
        #expect(c.status == 0 && c.stdout.contains("schedule ") && c.stdout.contains("layer by layer"), "\(c.stdout)\(c.stderr)")
        let bad = try TestEnvironment.cli(["compile", model, "--fit", "-o", "\(dir)/bad"])
        #expect(bad.status == 2 && bad.stderr.contains("--fit needs --schedule auto"), "\(bad.stderr)")
    }
}
