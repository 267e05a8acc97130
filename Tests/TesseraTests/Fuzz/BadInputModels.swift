import Foundation
@testable import Tessera

/// The bad inputs of issue 15 (and what the fuzzer found since), built in code: each one
/// crashed the compiler, was called an internal error, or got a misleading message. The
/// corpus (FuzzCorpus/) holds them as files too; these tests check the exact message.
enum BadInputModels {
    typealias B = ONNXBuilder

    // MARK: Model JSON

    static func jsonConv(strides: [Int]) -> Data {
        var b = ModelBuilder("bad")
        b.input("x", [1, 3, 8, 8])
        b.output(b.node("Conv", ["x", b.weight("w", [4, 3, 3, 3])], name: "conv", [("strides", ints(strides))]))
        return Data(b.text.utf8)
    }

    static func jsonGemm(transB: Int) -> Data {
        var b = ModelBuilder("bad")
        b.input("x", [1, 4])
        b.output(b.node("Gemm", ["x", b.weight("w", [4, 4])], name: "fc", [("transB", .int(transB))]))
        return Data(b.text.utf8)
    }

    static func jsonPad(_ pads: [Int]) -> Data {
        var b = ModelBuilder("bad")
        b.input("x", [1, 2])
        b.output(b.node("Pad", ["x", b.int64("pads", pads)], name: "pad"))
        return Data(b.text.utf8)
    }

    static func jsonSplit(_ sizes: [Int]) -> Data {
        var b = ModelBuilder("bad")
        b.input("x", [1, 4])
        b.output(b.node("Split", ["x", b.int64("sizes", sizes)], name: "split", outputs: ["a", "b"], [("axis", .int(1))]))
        b.output("b")
        return Data(b.text.utf8)
    }

    static func jsonResize(scales: [Float]) -> Data {
        var b = ModelBuilder("bad")
        b.input("x", [1, 1, 4, 4])
        b.output(b.node("Resize", ["x", "", b.constant("scales", [4], scales)], name: "resize", [("mode", .string("nearest"))]))
        return Data(b.text.utf8)
    }

    /// A model whose one output the constant folding could compute.
    static func jsonConstantOutput() -> Data {
        var b = ModelBuilder("constant_out")
        b.input("x", [1, 4])
        let r = b.node("Relu", ["x"], name: "relu")
        b.output(r)
        b.output(b.node("Neg", [b.constant("k", [1, 4], [1, -2, 3, -4])], name: "neg"))
        return Data(b.text.utf8)
    }

    /// A Conv whose input and weight are constants, writing a graph output.
    static func jsonConvOfConstants() -> Data {
        var b = ModelBuilder("conv_of_constants")
        b.input("x", [1, 4])
        b.output(b.node("Relu", ["x"], name: "relu"))
        b.output(b.node("Conv", [b.weight("image", [1, 2, 3, 3]), b.weight("w", [2, 2, 1, 1])], name: "conv"))
        return Data(b.text.utf8)
    }

    static func jsonNamed(_ name: String) -> Data {
        var b = ModelBuilder(name)
        b.input("x", [1, 4])
        b.output(b.node("Gemm", ["x", b.weight("w", [4, 3])], name: "fc"))
        return Data(b.text.utf8)
    }

    // MARK: ONNX

    /// x [1, 3, 8, 8] -> Conv with `attributes` -> y.
    static func onnxConv(_ attributes: [Onnx_AttributeProto], inputs: [String] = ["x", "w"]) -> B {
        var m = B(opset: 13)
        m.input("x", [1, 3, 8, 8])
        m.initializer(B.tensor("w", [4, 3, 3, 3], floats: [Float](repeating: 0.5, count: 108)))
        m.node("Conv", inputs, ["y"], name: "conv", attributes)
        m.output("y")
        return m
    }

    static func onnxGemm(transB: Int) -> B {
        var m = B(opset: 13)
        m.input("x", [1, 4])
        m.initializer(B.tensor("w", [4, 4], floats: [Float](repeating: 0.5, count: 16)))
        m.node("Gemm", ["x", "w"], ["y"], name: "fc", [B.attr("transB", transB)])
        m.output("y")
        return m
    }

    /// Pad by 2^62 on the last axis: its pads an initializer (opset 13) or an attribute
    /// (opset 10); `then` adds a GlobalAveragePool after it.
    static func onnxPad(opset: Int, then pool: Bool = false) -> B {
        var m = B(opset: opset)
        m.input("x", [1, 2, 3, 3])
        let pads: [Int64] = [0, 0, 0, 1 << 62, 0, 0, 0, 1 << 62]
        if opset >= 11 {
            m.initializer(B.tensor("pads", [8], ints: pads))
            m.node("Pad", ["x", "pads"], [pool ? "p" : "y"], name: "pad")
        } else {
            m.node("Pad", ["x"], [pool ? "p" : "y"], name: "pad", [B.attr("pads", ints: pads.map { Int($0) })])
        }
        if pool { m.node("GlobalAveragePool", ["p"], ["y"], name: "gap") }
        m.output("y")
        return m
    }

    /// Relu nodes as listed, reading and writing the named tensors.
    static func onnxGraph(_ nodes: [(op: String, inputs: [String], output: String)], output: String) -> B {
        var m = B(opset: 13)
        m.input("x", [1, 4])
        for n in nodes { m.node(n.op, n.inputs, [n.output], name: n.output) }
        m.output(output)
        return m
    }

    static var onnxInputNotProduced: B { onnxGraph([("Relu", ["nothing"], "relu")], output: "relu") }
    static var onnxCycle: B { onnxGraph([("Add", ["x", "b"], "a"), ("Relu", ["a"], "b")], output: "b") }
    static var onnxAddWithOneInput: B { onnxGraph([("Add", ["x"], "add")], output: "add") }
    static var onnxSumWithNoInputs: B { onnxGraph([("Sum", [], "sum")], output: "sum") }
    static var onnxEmptyRequiredInput: B { onnxConv([], inputs: ["", "w"]) }

    /// MaxPool, then two BatchNormalizations (the first one cannot fold, it becomes a
    /// ChannelAffine the second one then tried to read without a type).
    static var onnxBatchNormAfterBatchNorm: B {
        var m = B(opset: 13)
        m.input("x", [1, 2, 4, 4])
        for k in ["scale", "bias", "mean", "var"] { m.initializer(B.tensor(k, [2], floats: [1, 0.5])) }
        m.node("MaxPool", ["x"], ["p"], name: "pool", [B.attr("kernel_shape", ints: [2, 2])])
        m.node("BatchNormalization", ["p", "scale", "bias", "mean", "var"], ["n1"], name: "bn1")
        m.node("BatchNormalization", ["n1", "scale", "bias", "mean", "var"], ["y"], name: "bn2")
        m.output("y")
        return m
    }

    /// A Conv whose weight another node computes.
    /// A Conv weight computed from a graph input (`runTimeWeight`), or from an initializer,
    /// which constant folding turns into a constant.
    static func onnxComputedConvWeight(runTimeWeight: Bool) -> B {
        var m = B(opset: 13)
        m.input("x", [1, 1, 4, 4])
        if runTimeWeight { m.input("w", [1, 1, 1, 1]) } else { m.initializer(B.tensor("w", [1, 1, 1, 1], floats: [2])) }
        m.node("Relu", ["w"], ["w2"], name: "relu")
        m.node("Relu", ["x"], ["x2"], name: "relu_x")
        m.node("Conv", ["x2", "w2"], ["y"], name: "conv")
        m.output("y")
        return m
    }

    /// Only initializers among the graph inputs.
    static var onnxNoInputs: B {
        var m = B(opset: 13)
        m.initializer(B.tensor("w", [1, 4], floats: [1, 2, 3, 4]))
        m.node("Relu", ["w"], ["y"], name: "relu")
        m.output("y")
        return m
    }

    /// The serialized bytes of a small valid model, cut in the middle of a field.
    static var truncatedONNX: Data {
        let bytes = (try? onnxConv([]).model.serializedData()) ?? Data()
        return bytes.prefix(bytes.count - 7)
    }
}
