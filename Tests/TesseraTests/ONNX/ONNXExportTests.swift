import Foundation
import Testing
@testable import Tessera

/// The ONNX exporter (ONNXExporter, what the differential test hands onnxruntime): opset-20
/// forms of the operands, a round trip through the importer, and the internal ops and
/// attributes it refuses.
@Suite struct ONNXExportTests {
    @Test func operandsTakeTheirOpset20Form() throws {
        var b = ModelBuilder("forms")
        b.input("x", [1, 4, 3, 3])
        let clip = b.node("Clip", ["x"], name: "clip", [("min", .double(-1)), ("max", .double(2))])
        let mean = b.node("ReduceMean", [clip], name: "mean", [("axes", ints([2, 3]))])
        b.node("Split", [mean], name: "split", outputs: ["a", "b"], [("axis", .int(1))])
        let cat = b.node("Concat", ["a", "b"], name: "concat")
        let d = b.node("Dropout", [cat], name: "dropout", [("ratio", .double(0.2))])
        b.output(b.node("Squeeze", [d, b.constant("axes", [2], [2, 3])], name: "squeeze", outputs: ["y"]))
        let model = try ONNXExporter.model(try b.graph())
        #expect(model.opsetImport.map(\.version) == [20])
        let nodes = Dictionary(uniqueKeysWithValues: model.graph.node.map { ($0.name, $0) })
        let initializers = Dictionary(uniqueKeysWithValues: model.graph.initializer.map { ($0.name, $0) })
        func attributes(_ n: String) -> Set<String> { Set(nodes[n]?.attribute.map(\.name) ?? []) }
        // Clip's bounds and Dropout's ratio become scalar inputs; the axes int64 inputs.
        #expect(nodes["clip"]?.input.count == 3 && attributes("clip").isEmpty)
        #expect(initializers[nodes["clip"]!.input[1]]?.dims == [])
        #expect(nodes["dropout"]?.input.count == 2 && attributes("dropout").isEmpty)
        #expect(nodes["mean"]?.input.count == 2 && !attributes("mean").contains("axes"))
        #expect(initializers[nodes["mean"]!.input[1]]?.dataType == Int32(Onnx_TensorProto.DataType.int64.rawValue))
        // The float constant holding Squeeze's axes gets an int64 copy.
        let axes = try #require(initializers[nodes["squeeze"]!.input[1]])
        #expect(axes.dataType == Int32(Onnx_TensorProto.DataType.int64.rawValue) && axes.name != "axes")
        // Split without sizes states num_outputs; Concat's axis is explicit.
        #expect(nodes["split"]?.attribute.first { $0.name == "num_outputs" }?.i == 2)
        #expect(nodes["concat"]?.attribute.first { $0.name == "axis" }?.i == 1)
        // Graph outputs carry their types.
        #expect(model.graph.output.first?.type.tensorType.shape.dim.map(\.dimValue) == [1, 4])
    }

    /// Every synthetic model and every case of the differential sweep, exported and imported
    /// back: the reference interpreter computes the same bits on both graphs.
    @Test func exportedModelsImportBackToTheSameModel() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        var set = DifferentialSweep.cases()
        for name in SyntheticModels.names { set.add("synthetic", SyntheticModels.named(name), name: "synthetic-\(name)") }
        var failures = 0
        for c in set.cases {
            let path = dir + "/\(c.name).onnx"
            try ONNXExporter.write(c.graph, to: path)
            let imported = try ONNXImporter.load(path: path).graph
            let before = try ReferenceInterpreter.run(c.graph, inputs: c.inputs)
            let after = try ReferenceInterpreter.run(imported, inputs: c.inputs)
            for output in c.graph.outputs {
                let same = before[output].map { a in after[output].map { b in a.shape == b.shape && zip(a.data, b.data).allSatisfy { $0.bitPattern == $1.bitPattern } } ?? false } ?? false
                if !same {
                    failures += 1
                    Issue.record("\(c.name) [\(c.summary)]: output \(output) differs after export and import")
                }
            }
        }
        #expect(failures == 0)
        #expect(set.cases.count > 500)
    }

    @Test func internalOpsAndAttributesAreRefused() throws {
        // After the passes: Convert at the FP16 boundary, a fused activation, data_layout.
        let compiled = try Compiler.compile(try SyntheticModels.convReluPool().graph(), options: CompileOptions(precision: .fp16))
        do {
            _ = try ONNXExporter.data(compiled.graph)
            Issue.record("the lowered graph was exported")
        } catch let e as TesseraError {
            guard case let .unsupported(_, message) = e else { Issue.record("\(e)"); return }
            #expect(message.contains("is internal to Tessera") || message.contains("is Tessera's own"), "\(message)")
            #expect(message.contains("export the graph before the passes"))
        }
        // ChannelAffine (an unfused BatchNormalization) and a fused activation, one by one.
        var b = ModelBuilder("bn")
        b.input("x", [1, 2, 3, 3])
        b.output(b.node("BatchNormalization", ["x", b.weight("s", [2]), b.weight("t", [2]), b.weight("m", [2]), b.constant("v", [2], [1, 2])],
                        name: "bn", outputs: ["y"]))
        let lowered = try Compiler.compile(try b.graph()).graph
        #expect(lowered.nodes.contains { $0.op == .channelAffine })
        #expect(throws: TesseraError.self) { _ = try ONNXExporter.data(lowered) }
        var g = try b.graph()
        g.nodes[0].op = .channelAffine
        #expect(throws: TesseraError.unsupported(location: g.nodes[0].location, message: "ChannelAffine is internal to Tessera (passes create it) and has no ONNX form; export the graph before the passes")) {
            _ = try ONNXExporter.data(g)
        }
        var relu = ModelBuilder("fused")
        relu.input("x", [1, 2, 4, 4])
        relu.output(relu.node("Conv", ["x", relu.weight("w", [2, 2, 3, 3])], name: "conv", outputs: ["y"], [("fused_activation", .string("Relu"))]))
        let fused = try relu.graph(irAttributes: true)
        #expect(throws: TesseraError.unsupported(location: fused.nodes[0].location, message: "attribute \"fused_activation\" is Tessera's own (passes set it) and has no ONNX form; export the graph before the passes")) {
            _ = try ONNXExporter.data(fused)
        }
    }
}
