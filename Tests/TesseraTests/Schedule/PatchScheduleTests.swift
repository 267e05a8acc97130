import Foundation
import OrderedCollections
import Testing
@testable import Tessera

/// Stages run patch by patch (`--schedule patch:RxC@NODE`, StageRewrite): the generated C
/// must give the layer-by-layer build's outputs bit for bit (each region node computes
/// the same sums as the whole layer over its region), in the memory checking mode, where
/// a region buffer reused too early fails the run.
@Suite struct PatchScheduleTests {
    static let cases: [(model: String, schedule: String)] = [
        ("conv_relu_pool", "patch:2x2@pool1"),
        ("conv_relu_pool", "patch:3x2@pool2"),  // stride 2, asymmetric pads, an AveragePool counting pads
        ("dw_separable", "patch:2x3@pw"),        // depthwise stride 2 then a 1x1
        ("dw_separable", "patch:3x3@pool"),      // dilation 2, SAME_UPPER, a ceil-mode pool
        ("residual", "patch:2x2@channel_shift"), // a residual block inside the stage
    ]

    static func compile(_ graph: Graph, _ precision: Precision, _ schedule: String) throws -> CompiledModel {
        var options = CompileOptions(target: "host", precision: precision)
        options.schedule = try ScheduleRequest(parsing: schedule)
        return try Compiler.compile(graph, options: options)
    }

    static func outputs(_ model: CompiledModel, _ graph: Graph, seed: UInt64) throws -> OrderedDictionary<String, TensorValue> {
        let inputs = randomInputs(graph, seed: seed)
        return try HostRunner.compileAndRun(model, inputs: OrderedDictionary(uniqueKeysWithValues: graph.inputs.map { ($0.name, inputs[$0.name]!) }),
                                            checkMemory: true)
    }

    static func expectSameBits(_ graph: Graph, _ precision: Precision, _ schedule: String, seed: UInt64 = 5) throws -> (layer: CompiledModel, patched: CompiledModel) {
        let layer = try compile(graph, precision, "layer"), patched = try compile(graph, precision, schedule)
        #expect(patched.graph.nodes.contains { $0.op == .insertRegion }, "\(schedule): no patch was written")
        let a = try outputs(layer, graph, seed: seed), b = try outputs(patched, graph, seed: seed)
        for (name, x) in a {
            let y = try #require(b[name])
            let differ = zip(x.data, y.data).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(x.shape == y.shape && differ == 0, "\(graph.name) \(schedule) at \(precision.rawValue), \(name): \(differ) of \(x.data.count) values differ")
        }
        return (layer, patched)
    }

    @Test(arguments: cases.flatMap { c in [Precision.fp32, .fp16].map { (c.model, c.schedule, $0) } })
    func patchedStagesGiveTheLayerByLayerBits(_ c: (String, String, Precision)) throws {
        try Self.expectSameBits(try SyntheticModels.named(c.0).graph(), c.2, c.1)
    }

    /// MobileNetV2-0.35 at 96: its first four blocks (residual Adds folded into their
    /// projections, the expanded tensors the largest) on a 3x3 grid: the same bits, a
    /// smaller arena, and extra MACs from the recomputed halos.
    @Test func mobileNetV2FirstBlocksByPatches() throws {
        let graph = try MobileNetV2.graph(MobileNetV2.Settings(width: 0.35, resolution: 96, classes: 10, seed: 1))
        let (layer, patched) = try Self.expectSameBits(graph, .fp16, "patch:3x3@features.4.conv.2")
        #expect(patched.plan.arenaBytes * 2 < layer.plan.arenaBytes, "arena \(patched.plan.arenaBytes) B patched, \(layer.plan.arenaBytes) B layer by layer")
        let macs = (layer.summary.macs, patched.summary.macs)
        #expect(macs.1 > macs.0 && Double(macs.1) < 1.3 * Double(macs.0), "MACs \(macs.1) patched, \(macs.0) layer by layer")
    }

    @Test func badSchedulesAreUsageErrors() throws {
        let graph = try SyntheticModels.named("conv_relu_pool").graph()
        for text in ["patch", "patch:0x2@pool1", "patch:2x2", "patch:2by2@pool1", "bands:4@pool1"] {
            #expect(throws: TesseraError.self, "\(text)") { _ = try ScheduleRequest(parsing: text) }
        }
        #expect(throws: TesseraError.self) { _ = try Self.compile(graph, .fp32, "patch:2x2@no_such_node") }
        #expect(throws: TesseraError.self) { _ = try Self.compile(graph, .fp32, "patch:2x2@fc") }  // a Gemm cannot be in a stage
    }
}
