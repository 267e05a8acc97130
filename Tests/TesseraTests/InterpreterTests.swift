import Testing
@testable import Tessera

/// The reference interpreter on tiny cases worked out by hand.
@Suite struct InterpreterTests {
    private func run(_ b: ModelBuilder, _ inputs: [String: TensorValue]) throws -> [Float] {
        let graph = try b.graph()
        return try #require(try ReferenceInterpreter.run(graph, inputs: inputs)[graph.outputs[0]]).data
    }

    @Test func convWithPaddingAndBias() throws {
        var b = ModelBuilder("conv")
        b.input("x", [1, 1, 2, 2])
        let w = b.constant("w", [1, 1, 2, 2], [1, 2, 3, 4])
        let bias = b.constant("b", [1], [10])
        b.output(b.node("Conv", ["x", w, bias], [("pads", ints([1, 1, 0, 0]))]))
        // x = [[1, 2], [3, 4]] padded top/left by one; 2x2 windows:
        // (0,0): 4*1 = 4;  (0,1): 3*1 + 4*2 = 11;  (1,0): 2*1 + 4*3 = 14;  (1,1): 1+4+9+16 = 30.
        let y = try run(b, ["x": TensorValue(shape: [1, 1, 2, 2], data: [1, 2, 3, 4])])
        #expect(y == [14, 21, 24, 40])
    }

    @Test func depthwiseConvKeepsChannelsApart() throws {
        var b = ModelBuilder("dw")
        b.input("x", [1, 2, 1, 3])
        let w = b.constant("w", [2, 1, 1, 2], [1, -1, 2, 0.5])
        b.output(b.node("Conv", ["x", w], [("group", .int(2))]))
        // channel 0: [1, 2, 3] with [1, -1] -> [-1, -1]; channel 1: [4, 5, 6] with [2, 0.5] -> [10.5, 13]
        let y = try run(b, ["x": TensorValue(shape: [1, 2, 1, 3], data: [1, 2, 3, 4, 5, 6])])
        #expect(y == [-1, -1, 10.5, 13])
    }

    @Test func gemmAlphaBetaAndColumnBias() throws {
        var b = ModelBuilder("gemm")
        b.input("a", [2, 2])
        let w = b.constant("w", [2, 2], [1, 0, 0, 1])
        let c = b.constant("c", [2, 1], [1, 2])
        b.output(b.node("Gemm", ["a", w, c], [("alpha", .double(2)), ("beta", .double(10))]))
        // 2 * a + 10 * [[1], [2]]
        let y = try run(b, ["a": TensorValue(shape: [2, 2], data: [1, 2, 3, 4])])
        #expect(y == [12, 14, 26, 28])
    }

    @Test func averagePoolDivisorsFollowOnnxruntime() throws {
        func pool(_ include: Int) throws -> [Float] {
            var b = ModelBuilder("avg")
            b.input("x", [1, 1, 2, 2])
            b.output(b.node("AveragePool", ["x"], [("kernel_shape", ints([2, 2])), ("pads", ints([1, 1, 1, 1])),
                                                   ("strides", ints([2, 2])), ("count_include_pad", .int(include))]))
            return try run(b, ["x": TensorValue(shape: [1, 1, 2, 2], data: [1, 2, 3, 4])])
        }
        // Windows cover one real pixel each (corners): exclude pads -> the pixel itself,
        // include pads -> pixel / 4.
        #expect(try pool(0) == [1, 2, 3, 4])
        #expect(try pool(1) == [0.25, 0.5, 0.75, 1])
    }

    @Test func maxPoolIgnoresPadding() throws {
        var b = ModelBuilder("max")
        b.input("x", [1, 1, 2, 2])
        b.output(b.node("MaxPool", ["x"], [("kernel_shape", ints([2, 2])), ("pads", ints([1, 1, 0, 0]))]))
        let y = try run(b, ["x": TensorValue(shape: [1, 1, 2, 2], data: [-1, -2, -3, -4])])
        #expect(y == [-1, -1, -1, -1])
    }

    @Test func softmaxAndClip() throws {
        var b = ModelBuilder("softmax")
        b.input("x", [1, 3])
        let s = b.node("Softmax", ["x"])
        b.output(b.node("Clip", [s], [("max", .double(0.5))]))
        let y = try run(b, ["x": TensorValue(shape: [1, 3], data: [0, 0, Float(log(2.0))])])
        #expect(y == [0.25, 0.25, 0.5])
    }

    @Test func addBroadcastAndTranspose() throws {
        var b = ModelBuilder("add")
        b.input("x", [2, 3])
        let row = b.constant("row", [3], [10, 20, 30])
        let sum = b.node("Add", ["x", row])
        b.output(b.node("Transpose", [sum]))
        let y = try run(b, ["x": TensorValue(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])])
        #expect(y == [11, 14, 22, 25, 33, 36])
    }

    @Test func matMulWithBroadcastBatch() throws {
        var b = ModelBuilder("matmul")
        b.input("x", [2, 1, 2])
        let w = b.constant("w", [2, 2], [1, 2, 3, 4])
        b.output(b.node("MatMul", ["x", w]))
        let y = try run(b, ["x": TensorValue(shape: [2, 1, 2], data: [1, 0, 0, 1])])
        #expect(y == [1, 2, 3, 4])
    }

    @Test func globalAveragePoolAndReshape() throws {
        var b = ModelBuilder("gap")
        b.input("x", [1, 2, 2, 2])
        let g = b.node("GlobalAveragePool", ["x"])
        b.output(b.node("Reshape", [g, b.int64("s", [-1])]))
        let y = try run(b, ["x": TensorValue(shape: [1, 2, 2, 2], data: [1, 2, 3, 4, 10, 20, 30, 40])])
        #expect(y == [2.5, 25])
    }

    @Test func missingInputIsReported() throws {
        var b = ModelBuilder("missing")
        b.input("x", [1])
        b.output(b.node("Relu", ["x"]))
        #expect(throws: TesseraError.invalidTensors(location: "input \"x\"", message: "missing")) {
            _ = try ReferenceInterpreter.run(try b.graph(), inputs: [:])
        }
    }
}

import Foundation
