import Foundation
import OrderedCollections
import Testing
@testable import Tessera

/// Every target: a synthetic conv model compiled for it, linked against its memory map,
/// run on its emulated core (or the host harness) and compared with the reference.
@Suite struct EmulatedTargetTests {
    static let targets = ["stm32h743", "stm32f746", "stm32f769", "stm32f469", "stm32u585", "stm32h573", "stm32l4r5",
                          "corstone300", "rv32zfh", "host"]

    /// Conv, depthwise conv, pooling, residual Add, Gemm: what a small vision model does.
    static func convModel() -> ModelBuilder {
        var b = ModelBuilder("target_conv", seed: 21)
        b.input("image", [1, 3, 16, 16])
        let c1 = b.node("Conv", ["image", b.weight("c1w", [8, 3, 3, 3]), b.weight("c1b", [8])], name: "conv1",
                        [("pads", ints([1, 1, 1, 1])), ("strides", ints([2, 2]))])
        let r1 = b.node("Relu", [c1], name: "relu1")
        let dw = b.node("Conv", [r1, b.weight("dww", [8, 1, 3, 3])], name: "dw", [("group", .int(8)), ("pads", ints([1, 1, 1, 1]))])
        let sum = b.node("Add", [dw, r1], name: "residual")
        let p = b.node("MaxPool", [sum], name: "pool", [("kernel_shape", ints([2, 2])), ("strides", ints([2, 2]))])
        let g = b.node("GlobalAveragePool", [p], name: "gap")
        let f = b.node("Flatten", [g], name: "flat")
        b.output(b.node("Gemm", [f, b.weight("fw", [4, 8]), b.weight("fb", [4])], name: "fc", outputs: ["scores"], [("transB", .int(1))]))
        return b
    }

    static func run(_ graph: Graph, _ target: String, inputs: [String: TensorValue], compareLayers: Bool = false,
                    precision: Precision = .fp32) throws -> RunDriver.Result {
        let ordered = OrderedDictionary(uniqueKeysWithValues: graph.inputs.map { ($0.name, inputs[$0.name]!) })
        return try RunDriver.run(graph, inputs: ordered, options: .init(compile: CompileOptions(target: target, precision: precision), compareLayers: compareLayers))
    }

    @Test(arguments: targets)
    func syntheticConvModelMatchesTheReference(_ target: String) throws {
        let graph = try Self.convModel().graph()
        let inputs = randomInputs(graph, seed: 3)
        let result = try Self.run(graph, target, inputs: inputs)
        let expected = try ReferenceInterpreter.run(graph, inputs: inputs)
        let c = Comparison(try #require(result.outputs["scores"]), try #require(expected["scores"]))
        #expect(c.within(relative: 1e-5), "\(target): \(c)")
        guard target != "host" else { return }
        let report = try #require(result.report)
        for key in ["instructions", "stack_bytes", "flash_bytes", "static_ram_bytes", "arena_bytes"] {
            guard case let .int(v)? = report[key] else { Issue.record("\(target): report has no \(key)"); continue }
            #expect(v > 0, "\(target): \(key) = \(v)")
        }
        #expect(report["target"] == .string(target))
        #expect(report["precision"] == .string("fp32"))
        #expect((report["estimated_ms"]?.number ?? 0) > 0)
        let layers = try #require(report["layers"]?.array)
        #expect(layers.count == result.model.graph.nodes.count)
        #expect(layers.first?["node"] == .string(result.model.graph.nodes[0].name))
        // Per-layer counts add up to the whole inference, up to the inactive hook calls.
        let sum = layers.compactMap { if case let .int(v)? = $0["instructions"] { return v } else { return nil } }.reduce(0, +)
        if case let .int(total)? = report["instructions"] {
            #expect(abs(total - sum) <= 60 * layers.count, "\(target): total \(total), layers \(sum)")
        }
        if case let .int(flash)? = report["flash_bytes"], case let .int(model)? = report["model_flash_bytes"],
           case let .int(weights)? = report["weights_bytes"] {
            #expect(weights <= model && model <= flash)
        }
    }

    @Test func instructionCountsAreIdenticalAcrossRuns() throws {
        let graph = try Self.convModel().graph()
        let inputs = randomInputs(graph, seed: 4)
        for target in ["stm32h743", "rv32zfh"] {
            let a = try #require(try Self.run(graph, target, inputs: inputs).report)
            let b = try #require(try Self.run(graph, target, inputs: inputs).report)
            #expect(a["instructions"] == b["instructions"], "\(target)")
            #expect(a["layers"] == b["layers"], "\(target)")
            #expect(a["stack_bytes"] == b["stack_bytes"], "\(target)")
        }
    }

    /// A model whose arena (1 MB of activations) exceeds the STM32F746's 320 KB of SRAM.
    static func tooLarge() -> ModelBuilder {
        var b = ModelBuilder("too_large", seed: 22)
        b.input("x", [1, 1, 64, 64])
        let c = b.node("Conv", ["x", b.weight("w", [64, 1, 1, 1])], name: "conv")
        b.output(b.node("GlobalAveragePool", [c], name: "gap", outputs: ["y"]))
        return b
    }

    @Test func aModelTooLargeForTheF746FailsToLinkAndTheReportSaysSo() throws {
        let graph = try Self.tooLarge().graph()
        let model = try Compiler.compile(graph, options: CompileOptions(target: "stm32f746"))
        let report = try JSONParser.parse(try #require(model.files.first { $0.name == "report.json" }).contents)
        #expect(report["fits"]?["sram"] == .bool(false))
        #expect(report["fits"]?["flash"] == .bool(true))
        do {
            _ = try Self.run(graph, "stm32f746", inputs: randomInputs(graph))
            Issue.record("expected the link to fail")
        } catch let e as TesseraError {
            guard case let .doesNotFit(target, overflows) = e else { Issue.record("\(e)"); return }
            #expect(target == "stm32f746")
            #expect(overflows.count == 1)
            #expect(overflows.first?.region.contains("SRAM") == true && overflows.first?.region.contains("327680") == true)
            // The arena alone is 1 MB (64 channels of 64x64 floats); the region is 320 KB.
            #expect((overflows.first?.bytes ?? 0) > 1_048_576 - 327_680)
            #expect(e.exitStatus == 2)
        }
        // Through the CLI: exit status 2 and the message.
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        try TestEnvironment.write(Self.tooLarge().text, to: dir + "/big.json")
        try TensorsJSON.write(OrderedDictionary(uniqueKeysWithValues: randomInputs(graph).sorted { $0.key < $1.key }), to: dir + "/in.json")
        let r = try TestEnvironment.cli(["run", dir + "/big.json", "--target", "stm32f746", "--input", dir + "/in.json", "-o", dir + "/out.json"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("the model does not fit stm32f746: region SRAM (SRAM, 327680 bytes) overflowed by"), "\(r.stderr)")
    }

    @Test func stackMeasurementSeesAKnownFrame() throws {
        // The same model twice: once as generated, once with its run() first calling a
        // function that owns a 4096-byte array: the painted-stack peak must grow by that.
        var b = ModelBuilder("stack_probe")
        b.input("x", [1, 8])
        b.output(b.node("Relu", ["x"], name: "relu", outputs: ["y"]))
        let graph = try b.graph()
        let target = try TargetRegistry.named("stm32f469")
        let inputs: OrderedDictionary<String, TensorValue> = ["x": TensorValue(shape: [1, 8], data: (0..<8).map { Float($0) - 4 })]
        let plain = try Compiler.compile(graph, options: CompileOptions(target: "stm32f469"))
        var probed = plain
        let index = try #require(probed.files.firstIndex { $0.name == "stack_probe.c" })
        var source = probed.files[index].contents
        let probe = """
            static void __attribute__((noinline)) stack_probe_touch(void)
            {
                volatile unsigned char frame[4096];
                unsigned i;
                for (i = 0; i < sizeof frame; ++i) frame[i] = (unsigned char)i;
            }

            int stack_probe_run(
            """
        source = source.replacingOccurrences(of: "int stack_probe_run(", with: probe)
        source = source.replacingOccurrences(of: "    (void)a;\n", with: "    (void)a;\n    stack_probe_touch();\n")
        probed.files[index].contents = source
        let base = try EmulatorRunner.run(plain, target: target, inputs: inputs).stackBytes
        let deep = try EmulatorRunner.run(probed, target: target, inputs: inputs).stackBytes
        // deep = the frames down to run() + the probe's frame (4096 bytes and a few more);
        // base = the frames down to run() + the deepest kernel call, so base bounds the rest.
        #expect(base > 0 && base < 1024)
        #expect(deep >= 4096 && deep <= base + 4096 + 32, "stack \(base) -> \(deep)")
    }

    @Test func compareLayersFindsTheFirstWrongLayer() throws {
        let graph = try Self.convModel().graph()
        let inputs = randomInputs(graph, seed: 5)
        let ok = try Self.run(graph, "host", inputs: inputs, compareLayers: true)
        let layers = try #require(ok.layers)
        #expect(layers.firstMismatch == nil)
        #expect(layers.rows.count == ok.model.graph.nodes.count)
        // Break the depthwise convolution's bias-free output by a fused Relu it should not
        // have: the comparison must point at that layer, not earlier or later.
        var model = ok.model
        let index = try #require(model.files.firstIndex { $0.name == "target_conv.c" })
        let source = model.files[index].contents
        let dwComment = try #require(source.range(of: "\"dw\": Conv"))
        let act = try #require(source.range(of: ".act = { .kind = TSR_ACT_NONE }", range: dwComment.upperBound..<source.endIndex))
        model.files[index].contents = source.replacingCharacters(in: act, with: ".act = { .kind = TSR_ACT_RELU }")
        let ordered = OrderedDictionary(uniqueKeysWithValues: graph.inputs.map { ($0.name, inputs[$0.name]!) })
        let (_, dumps) = try HostRunner.runWithLayers(model, inputs: ordered)
        let comparison = try LayerComparison(graph: model.graph, inputs: inputs, dumps: dumps, tolerance: 1e-5)
        let bad = try #require(comparison.firstMismatch)
        #expect(bad.node == "dw")
        #expect(comparison.text(model.graph).contains("first layer that differs: nodes[2] \"dw\" (Conv)"))
        // The same check through QEMU on a Cortex-M55.
        let qemu = try Self.run(graph, "corstone300", inputs: inputs, compareLayers: true)
        #expect(try #require(qemu.layers).firstMismatch == nil)
        #expect(try #require(qemu.layers).rows.count == ok.model.graph.nodes.count)
    }

    @Test func aMissingCrossCompilerNamesItsPackage() throws {
        var target = try TargetRegistry.named("stm32h743")
        target.compiler.cc = "arm-none-eabi-gcc-not-installed"
        let model = try Compiler.compile(try Self.convModel().graph(), options: CompileOptions(target: "stm32h743"))
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        #expect(throws: TesseraError.missingTool(tool: "arm-none-eabi-gcc-not-installed", package: "gcc-arm-none-eabi")) {
            _ = try FirmwareBuild.build(model, target: target, inputs: [:], dumpLayers: false, in: dir)
        }
        #expect(TesseraError.missingTool(tool: "qemu-system-arm", package: "qemu-system-arm").description
            .contains("install the Debian package qemu-system-arm"))
    }

    @Test func targetsCommandListsAllTen() throws {
        let r = try TestEnvironment.cli(["targets"])
        #expect(r.status == 0)
        for t in Self.targets { #expect(r.stdout.contains(t)) }
        #expect(try TargetRegistry.all().count == 10)
        let unknown = try TestEnvironment.cli(["compile", "Examples/tiny_mlp.json", "--target", "stm32nope", "-o", "/tmp/never"],
                                              directory: TestEnvironment.repositoryRoot.path)
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown target \"stm32nope\""))
    }
}
