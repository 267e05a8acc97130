import Foundation
import Testing
@testable import Tessera

/// ONNX import: opset differences, folding, notes and errors, each on a small model.
@Suite struct ONNXImportTests {
    typealias B = ONNXBuilder

    private func run(_ graph: Graph, _ inputs: [String: TensorValue]) throws -> [Float] {
        try #require(try ReferenceInterpreter.run(graph, inputs: inputs)[graph.outputs[0]]).data
    }

    private let x4 = TensorValue(shape: [1, 4], data: [-2, -0.5, 0.5, 3])

    @Test func clipBoundsAsAttributesAndAsInputsMeanTheSame() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        var old = B(opset: 9)
        old.input("x", [1, 4])
        old.node("Clip", ["x"], ["y"], [B.attr("min", Float(-1)), B.attr("max", Float(1))])
        old.output("y")
        var new = B(opset: 13)
        new.input("x", [1, 4])
        new.initializer(B.tensor("lo", [], floats: [-1]))
        new.initializer(B.tensor("hi", [], floats: [1]))
        new.node("Clip", ["x", "lo", "hi"], ["y"])
        new.output("y")
        let a = try run(try old.load(in: dir, file: "old.onnx").graph, ["x": x4])
        let b = try run(try new.load(in: dir, file: "new.onnx").graph, ["x": x4])
        #expect(a == [-1, -0.5, 0.5, 1])
        #expect(a == b)
    }

    @Test func legacySoftmaxNormalisesOverTheFlattenedTrailingAxes() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        var m = B(opset: 11)
        m.input("x", [1, 2, 2])
        m.node("Softmax", ["x"], ["y"], [B.attr("axis", 1)])
        m.output("y")
        let g = try m.load(in: dir).graph
        let y = try run(g, ["x": TensorValue(shape: [1, 2, 2], data: [0, 0, 0, Float(log(5.0))])])
        // One softmax over all four values: e^0 = 1 three times and 5 once, total 8.
        #expect(zip(y, [0.125, 0.125, 0.125, 0.625] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(try g.type(of: "y").shape == [1, 2, 2])
    }

    @Test func shapeGatherConcatChainsFoldAndSymbolicBatchIsOne() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        var m = B(opset: 13)
        m.input("x", [nil, 2, 3])
        m.initializer(B.tensor("zero", [], ints: [0]))
        m.initializer(B.tensor("axes", [1], ints: [0]))
        m.initializer(B.tensor("minus_one", [1], ints: [-1]))
        m.node("Shape", ["x"], ["s"])
        m.node("Gather", ["s", "zero"], ["batch"], [B.attr("axis", 0)])
        m.node("Unsqueeze", ["batch", "axes"], ["batch1"])
        m.node("Concat", ["batch1", "minus_one"], ["target"], [B.attr("axis", 0)])
        m.node("Reshape", ["x", "target"], ["y"])
        m.output("y")
        let result = try m.load(in: dir)
        #expect(result.graph.nodes.map(\.op) == [.reshape])
        #expect(try result.graph.type(of: "y").shape == [1, 6])
        #expect(result.notes.contains { $0.contains("symbolic") && $0.contains("batch dimension set to 1") })
        #expect(result.graph.inputs[0].type.shape == [1, 2, 3])
    }

    @Test func squeezeAndUnsqueezeAxesAsAttributeOrInput() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        var old = B(opset: 11)
        old.input("x", [1, 4])
        old.node("Unsqueeze", ["x"], ["u"], [B.attr("axes", ints: [2])])
        old.node("Squeeze", ["u"], ["y"], [B.attr("axes", ints: [0])])
        old.output("y")
        var new = B(opset: 13)
        new.input("x", [1, 4])
        new.initializer(B.tensor("a2", [1], ints: [2]))
        new.initializer(B.tensor("a0", [1], ints: [0]))
        new.node("Unsqueeze", ["x", "a2"], ["u"])
        new.node("Squeeze", ["u", "a0"], ["y"])
        new.output("y")
        #expect(try old.load(in: dir, file: "a.onnx").graph.types["y"]?.shape == [4, 1])
        #expect(try new.load(in: dir, file: "b.onnx").graph.types["y"]?.shape == [4, 1])
    }

    @Test func legacyBroadcastAlignsAtTheAxis() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        var m = B(opset: 6)
        m.input("x", [1, 2, 1, 2])
        m.initializer(B.tensor("bias", [2], floats: [10, 20]))
        m.node("Add", ["x", "bias"], ["y"], [B.attr("broadcast", 1), B.attr("axis", 1)])
        m.output("y")
        let y = try run(try m.load(in: dir).graph, ["x": TensorValue(shape: [1, 2, 1, 2], data: [1, 2, 3, 4])])
        #expect(y == [11, 12, 23, 24])  // bias per channel (axis 1), not per last axis
    }

    @Test func upsampleAndOldPadAndSliceMapToTheCurrentOps() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        var m = B(opset: 9)
        m.input("x", [1, 1, 2, 2])
        m.initializer(B.tensor("scales", [4], floats: [1, 1, 2, 2]))
        m.node("Upsample", ["x", "scales"], ["u"], [B.attr("mode", string: "nearest")])
        m.node("Pad", ["u"], ["p"], [B.attr("pads", ints: [0, 0, 1, 0, 0, 0, 0, 1]), B.attr("value", Float(9))])
        m.node("Slice", ["p"], ["y"], [B.attr("starts", ints: [1]), B.attr("ends", ints: [3]), B.attr("axes", ints: [2])])
        m.output("y")
        let g = try m.load(in: dir).graph
        #expect(g.nodes.map(\.op) == [.resize, .pad, .slice])
        let y = try run(g, ["x": TensorValue(shape: [1, 1, 2, 2], data: [1, 2, 3, 4])])
        // Upsampled rows 0-1 of [[1,1,2,2],[1,1,2,2],[3,3,4,4],...], padded right with 9.
        #expect(y == [1, 1, 2, 2, 9, 1, 1, 2, 2, 9])
    }

    @Test func constantNodesAndExternalDataLoad() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        var m = B(opset: 13)
        m.input("x", [1, 4])
        m.initializer(B.external("w", [4], file: "weights.bin"))
        var raw = Data()
        for v: Float in [1, 2, 3, 4] { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
        try raw.write(to: URL(fileURLWithPath: dir + "/weights.bin"))
        m.node("Constant", [], ["c"], [B.attr("value", tensor: B.tensor("c", [1], floats: [100]))])
        m.node("Mul", ["x", "w"], ["m"])
        m.node("Add", ["m", "c"], ["y"])
        m.output("y")
        let result = try m.load(in: dir)
        #expect(result.notes.contains { $0.contains("external data loaded from weights.bin") })
        #expect(try run(result.graph, ["x": x4]) == [98, 99, 101.5, 112])
    }

    @Test func missingExternalDataIsAClearError() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        var m = B(opset: 13)
        m.input("x", [1, 4])
        m.initializer(B.external("w", [4], file: "missing.bin"))
        m.node("Mul", ["x", "w"], ["y"])
        m.output("y")
        #expect(throws: TesseraError.self) { _ = try m.load(in: dir) }
        do { _ = try m.load(in: dir) } catch let e as TesseraError {
            #expect(e.description.contains("missing.bin") && e.exitStatus == 2)
        }
    }

    @Test func unsupportedOpsAreListedTogetherWithTheirNodes() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        var m = B(opset: 13)
        m.input("x", [1, 4])
        m.node("Relu", ["x"], ["a"], name: "ok")
        m.node("Einsum", ["a"], ["b"], name: "e1")
        m.node("TopK", ["b"], ["c"], name: "topk1")
        m.node("Einsum", ["c"], ["y"], name: "e2")
        m.output("y")
        do {
            _ = try m.load(in: dir)
            Issue.record("expected an error")
        } catch let e as TesseraError {
            #expect(e.description.contains(#"unsupported ONNX ops: Einsum ("e1", "e2"); TopK ("topk1")"#), "\(e)")
            #expect(e.exitStatus == 2)
        }
    }

    @Test func opsetsOutsideTheRangeAndGarbageAreRejected() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        var m = B(opset: 22)
        m.input("x", [1])
        m.node("Relu", ["x"], ["y"])
        m.output("y")
        #expect(throws: TesseraError.self) { _ = try m.load(in: dir) }
        try Data("not a protobuf".utf8).write(to: URL(fileURLWithPath: dir + "/bad.onnx"))
        let r = try TestEnvironment.cli(["import", dir + "/bad.onnx", "-o", dir + "/bad.json"])
        #expect(r.status == 2 && r.stderr.contains("not a valid ONNX model"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad.json"))
    }

    @Test func importedModelJSONRoundTrips() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        var m = B(opset: 13, name: "exported graph")
        m.input("x", [1, 4])
        m.initializer(B.tensor("w", [3, 4], floats: (0..<12).map { Float($0) / 7 }))
        m.initializer(B.tensor("b", [3], floats: [0.5, -1, 0.25]))
        m.node("Gemm", ["x", "w", "b"], ["h"], [B.attr("transB", 1), B.attr("alpha", Float(0.5))])
        m.node("HardSigmoid", ["h"], ["y"], [B.attr("alpha", Float(0.3))])
        m.output("y")
        let result = try m.load(in: dir, file: "tiny export.onnx")
        #expect(result.graph.name == "tiny_export")
        let r = try TestEnvironment.cli(["import", dir + "/tiny export.onnx", "-o", dir + "/tiny.json"])
        #expect(r.status == 0, "\(r.stderr)")
        let reloaded = try FrontEnd.load(path: dir + "/tiny.json")
        #expect(try run(reloaded, ["x": x4]) == (try run(result.graph, ["x": x4])))
        // compile and run take the .onnx directly.
        try TensorsJSON.write(["x": x4], to: dir + "/in.json")
        let ran = try TestEnvironment.cli(["run", dir + "/tiny export.onnx", "--input", dir + "/in.json", "-o", dir + "/out.json",
                                           "--dump-ir-after", "fuse-activations"])
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(ran.stdout.contains("=== IR after fuse-activations") && ran.stdout.contains("fused_activation=\"HardSigmoid\""))
        let out = try TensorsJSON.read(path: dir + "/out.json")
        #expect(Comparison(try #require(out["y"]), TensorValue(shape: [1, 3], data: try run(result.graph, ["x": x4]))).within(relative: 1e-6))
    }
}
