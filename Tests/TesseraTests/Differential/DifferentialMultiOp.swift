import Foundation
@testable import Tessera

/// Small multi-op graphs: what the passes rewrite (activations fused into Conv, Gemm and
/// binary ops, SiLU, BatchNormalization folded or lowered to ChannelAffine, constants
/// folded) and what the layout pass remaps (Concat, Split, Slice, Pad, reductions and
/// broadcast constants after NHWC producers, NCHW-only ops after them).
extension DifferentialSweep {
    static func multiOp(_ set: inout CaseSet) {
        var k: UInt64 = 0
        func builder() -> ModelBuilder {
            k += 1
            return ModelBuilder("multi\(k)", seed: 15_000 + k)
        }
        func conv(_ b: inout ModelBuilder, _ x: String, _ cin: Int, _ cout: Int, k: Int = 3, pads: Int = 1, group: Int = 1,
                  _ attributes: [(String, JSONValue)] = []) -> String {
            let scale = Float(1.5 / Double(cin / group * k * k).squareRoot())
            var a: [(String, JSONValue)] = [("pads", ints([pads, pads, pads, pads]))] + attributes
            if group > 1 { a.append(("group", .int(group))) }
            return b.node("Conv", [x, b.weight("w\(b.nodes.count)", [cout, cin / group, k, k], scale: scale), b.weight("b\(b.nodes.count)", [cout])], a)
        }

        // Every activation fused into a Conv (Log, Sqrt, Reciprocal: into an Add that keeps
        // their operand positive; Floor, Ceil: FP32 only, they jump at integers).
        for (op, attributes, operands, _) in activationSpecs where !["Log", "Sqrt", "Reciprocal", "Floor", "Ceil"].contains(op) {
            var b = builder()
            b.input("x", [1, 3, 6, 5])
            var inputs = [conv(&b, "x", 3, 4)]
            for (name, value) in operands { inputs.append(b.constant(name, [], [value])) }
            b.output(b.node(op, inputs, outputs: ["y"], attributes))
            set.add("multi-op", b)
        }
        for op in ["Log", "Sqrt", "Reciprocal", "Floor", "Ceil"] {
            var b = builder()
            b.input("x", [1, 4, 3, 3])
            let shifted = b.node("Add", ["x", b.constant("three", [], [3])])
            b.output(b.node(op, [shifted], outputs: ["y"]))
            set.add("multi-op", b, default: op == "Floor" || op == "Ceil" ? .offInteger(-1, 1) : .uniform(-1, 1))
        }
        var b = builder()
        b.input("x", [1, 3, 5, 5])
        b.output(b.node("Floor", [b.node("Mul", [conv(&b, "x", 3, 2), b.constant("four", [], [4])])], outputs: ["y"]))
        set.add("multi-op", b, halfComparable: false)

        // Gemm and binary ops with fused activations.
        for (op, attributes) in [("Relu", []), ("Sigmoid", []), ("Tanh", []), ("Gelu", [("approximate", JSONValue.string("tanh"))]),
                                 ("Clip", [("min", .double(-0.5)), ("max", .double(0.5))]), ("HardSwish", [])] as [(String, [(String, JSONValue)])] {
            b = builder()
            b.input("x", [3, 10])
            let g = b.node("Gemm", ["x", b.weight("w", [7, 10], scale: 0.5), b.weight("c", [7])], [("transB", .int(1))])
            b.output(b.node(op, [g], outputs: ["y"], attributes))
            set.add("multi-op", b)
        }
        for (binary, act) in [("Add", "Relu"), ("Sub", "LeakyRelu"), ("Mul", "HardSigmoid"), ("Div", "Tanh"), ("Max", "Sigmoid"),
                              ("Min", "Elu"), ("Pow", "Softsign"), ("PRelu", "Neg")] {
            b = builder()
            b.input("a", [2, 3, 4])
            let rhs = binary == "PRelu" ? b.weight("slope", [3, 1]) : b.input("b", [3, 1])
            b.output(b.node(act, [b.node(binary, ["a", rhs])], outputs: ["y"]))
            set.add("multi-op", b, domains: binary == "Pow" ? ["a": .uniform(0.2, 2)] : binary == "Div" ? ["b": .magnitude(0.5, 2)] : [:])
        }
        // SiLU: x * sigmoid(x) after a Conv, a Gemm and an Add.
        b = builder()
        b.input("x", [1, 4, 5, 5])
        let sc = conv(&b, "x", 4, 6)
        b.output(b.node("Mul", [sc, b.node("Sigmoid", [sc])], outputs: ["y"]))
        set.add("multi-op", b)
        b = builder()
        b.input("x", [2, 6])
        let sg = b.node("Gemm", ["x", b.weight("w", [6, 5])])
        b.output(b.node("Mul", [b.node("Sigmoid", [sg]), sg], outputs: ["y"]))
        set.add("multi-op", b)
        b = builder()
        b.input("a", [2, 3, 4])
        b.input("c", [4])
        let sa = b.node("Add", ["a", "c"])
        b.output(b.node("Mul", [sa, b.node("Sigmoid", [sa])], outputs: ["y"]))
        set.add("multi-op", b)

        // BatchNormalization folded into Conv and Gemm, lowered to ChannelAffine elsewhere.
        func bn(_ b: inout ModelBuilder, _ x: String, _ c: Int) -> String {
            var rng = SeededRandom(seed: 15_900 + UInt64(b.nodes.count))
            let v = b.constant("var\(b.nodes.count)", [c], (0..<c).map { _ in rng.uniform(0.2, 2) })
            return b.node("BatchNormalization", [x, b.weight("g\(b.nodes.count)", [c], scale: 1.5), b.weight("beta\(b.nodes.count)", [c]),
                                                 b.weight("mean\(b.nodes.count)", [c]), v], [("epsilon", .double(1e-3))])
        }
        b = builder()
        b.input("x", [1, 3, 6, 6])
        b.output(b.node("Relu", [bn(&b, b.node("Conv", ["x", b.weight("w", [5, 3, 3, 3], scale: 0.4)]), 5)], outputs: ["y"]))
        set.add("multi-op", b)
        b = builder()
        b.input("x", [1, 4, 5, 5])
        b.output(bn(&b, conv(&b, "x", 4, 4, group: 4), 4))
        set.add("multi-op", b)
        b = builder()
        b.input("x", [3, 8])
        b.output(bn(&b, b.node("Gemm", ["x", b.weight("w", [8, 6], scale: 0.5), b.weight("c", [6])]), 6))
        set.add("multi-op", b)
        b = builder()
        b.input("x", [1, 3, 4, 4])
        b.input("z", [1, 3, 4, 4])
        b.output(b.node("HardSwish", [bn(&b, b.node("Add", ["x", "z"]), 3)], outputs: ["y"]))
        set.add("multi-op", b)
        b = builder()
        b.input("x", [1, 3, 4, 4])
        b.output(bn(&b, b.node("Pad", ["x", b.int64("pads", [0, 0, 1, 1, 0, 0, 1, 0])]), 3))
        set.add("multi-op", b)

        // Classifier stacks, residual blocks, squeeze-excitation.
        b = builder()
        b.input("x", [1, 3, 10, 10])
        var t = b.node("MaxPool", [b.node("Relu", [conv(&b, "x", 3, 6)])], [("kernel_shape", ints([2, 2])), ("strides", ints([2, 2]))])
        t = b.node("AveragePool", [conv(&b, t, 6, 8, [("strides", ints([2, 1]))])],
                   [("kernel_shape", ints([2, 2])), ("ceil_mode", .int(1)), ("strides", ints([2, 2])), ("count_include_pad", .int(1)), ("pads", ints([1, 0, 0, 1]))])
        t = b.node("Flatten", [b.node("GlobalAveragePool", [t])])
        b.output(b.node("Softmax", [b.node("Gemm", [t, b.weight("fc", [4, 8]), b.weight("fcb", [4])], [("transB", .int(1))])], outputs: ["y"]))
        set.add("multi-op", b)
        b = builder()
        b.input("x", [1, 4, 6, 6])
        let r = conv(&b, b.node("Relu", [conv(&b, "x", 4, 4)]), 4, 4)
        b.output(b.node("Relu", [b.node("Add", [r, "x"])], outputs: ["y"]))
        set.add("multi-op", b)
        b = builder()
        b.input("x", [1, 6, 5, 5])
        t = b.node("GlobalAveragePool", ["x"])
        t = b.node("Sigmoid", [conv(&b, b.node("Relu", [conv(&b, t, 6, 3, k: 1, pads: 0)]), 3, 6, k: 1, pads: 0)])
        b.output(b.node("Mul", ["x", t], outputs: ["y"]))
        set.add("multi-op", b)
        b = builder()
        b.input("x", [1, 4, 7, 7])
        t = b.node("Clip", [conv(&b, "x", 4, 4, group: 4)], [("min", .double(0)), ("max", .double(6))])
        b.output(b.node("Clip", [conv(&b, t, 4, 8, k: 1, pads: 0)], outputs: ["y"], [("min", .double(0)), ("max", .double(6))]))
        set.add("multi-op", b)

        // After an NHWC producer: Concat, Split, Slice, Pad, reductions, softmax and
        // broadcast constants on every axis; NCHW-only ops (Reshape, Flatten, Transpose,
        // MatMul) through the inserted transposes.
        for axis in [0, 1, 2, 3, -1] {
            b = builder()
            b.input("x", [1, 3, 4, 5])
            b.input("z", [1, 3, 4, 5])
            let c1 = conv(&b, "x", 3, 3), c2 = conv(&b, "z", 3, 3)
            b.output(b.node("Relu", [b.node("Concat", [c1, c2, "x"], [("axis", .int(axis))])], outputs: ["y"]))
            set.add("multi-op", b)
        }
        for axis in [1, 2, 3] {
            b = builder()
            b.input("x", [1, 4, 6, 6])
            let c = conv(&b, "x", 4, 6)
            b.node("Split", [c], outputs: ["s0", "s1"], [("axis", .int(axis)), ("split", ints([2, 4]))])
            b.output(b.node("Relu", ["s0"], outputs: ["y"]))
            b.output(b.node("Sigmoid", ["s1"], outputs: ["z"]))
            set.add("multi-op", b)
        }
        for (axes, steps) in [([1], [-1]), ([2, 3], [2, -2]), ([-1], [3]), ([0, 1], [1, 2])] {
            b = builder()
            b.input("x", [1, 5, 6, 7])
            let c = conv(&b, "x", 5, 6)
            let s = b.node("Slice", [c, b.int64("st", steps.map { $0 > 0 ? 0 : -1 }), b.int64("en", steps.map { $0 > 0 ? 100 : -100 }),
                                     b.int64("ax", axes), b.int64("sp", steps)])
            b.output(b.node("Relu", [s], outputs: ["y"]))
            set.add("multi-op", b)
        }
        for pads in [[0, 1, 1, 0, 0, 2, 0, 1], [0, 0, 2, 2, 0, 0, 1, 1]] {
            b = builder()
            b.input("x", [1, 3, 5, 5])
            let p = b.node("Pad", [conv(&b, "x", 3, 4), b.int64("pads", pads), b.constant("v", [], [0.5])])
            b.output(b.node("MaxPool", [p], outputs: ["y"], [("kernel_shape", ints([2, 2]))]))
            set.add("multi-op", b)
        }
        b = builder()
        b.input("x", [1, 3, 5, 5])
        b.output(conv(&b, b.node("Pad", ["x", b.int64("pads", [0, 0, 2, 1, 0, 0, 0, 1])]), 3, 4, pads: 0))
        set.add("multi-op", b)
        for (op, axes, keep) in [("ReduceMean", [1], 1), ("ReduceMax", [2, 3], 0), ("ReduceSum", [-1], 1), ("ReduceMin", [1, 2], 1)] {
            b = builder()
            b.input("x", [1, 3, 5, 4])
            b.output(b.node(op, [conv(&b, "x", 3, 4)], outputs: ["y"], [("axes", ints(axes)), ("keepdims", .int(keep))]))
            set.add("multi-op", b)
        }
        for (op, axis) in [("Softmax", 1), ("LogSoftmax", -1), ("Softmax", 2)] {
            b = builder()
            b.input("x", [1, 3, 4, 4])
            b.output(b.node(op, [conv(&b, "x", 3, 5)], outputs: ["y"], [("axis", .int(axis))]))
            set.add("multi-op", b)
        }
        for shape in [[5, 1, 1], [4], [1, 1, 3, 1], [1, 5, 3, 4], []] {
            b = builder()
            b.input("x", [1, 3, 3, 4])
            let c = conv(&b, "x", 3, 5)
            b.output(b.node("Add", [b.node("Mul", [c, b.weight("m", shape)]), b.weight("a", shape)], outputs: ["y"]))
            set.add("multi-op", b)
        }
        b = builder()
        b.input("x", [1, 3, 4, 4])
        b.input("s", [1, 5, 1, 1])
        b.output(b.node("Sub", ["s", conv(&b, "x", 3, 5)], outputs: ["y"]))
        set.add("multi-op", b)
        b = builder()
        b.input("x", [1, 3, 4, 6])
        b.output(b.node("Reshape", [b.node("Transpose", [conv(&b, "x", 3, 4)], [("perm", ints([0, 2, 3, 1]))]), b.int64("shape", [0, -1, 4])], outputs: ["y"]))
        set.add("multi-op", b)
        b = builder()
        b.input("x", [2, 3, 4, 4])
        t = b.node("Flatten", [conv(&b, "x", 3, 2, [("strides", ints([2, 2]))])])
        b.output(b.node("Gemm", [t, b.weight("w", [8, 3], scale: 0.4)], outputs: ["y"]))
        set.add("multi-op", b)
        b = builder()
        b.input("x", [1, 3, 4, 4])
        b.output(b.node("Squeeze", [b.node("GlobalAveragePool", [conv(&b, "x", 3, 4)]), b.int64("axes", [2, 3])], outputs: ["y"]))
        set.add("multi-op", b)
        b = builder()
        b.input("x", [1, 2, 3, 3])
        t = b.node("Resize", [conv(&b, "x", 2, 3), "", b.constant("scales", [4], [1, 1, 2, 1.5])], [("coordinate_transformation_mode", .string("asymmetric")), ("nearest_mode", .string("floor"))])
        b.output(conv(&b, t, 3, 2))
        set.add("multi-op", b)
        b = builder()
        b.input("x", [1, 3, 8])
        b.output(conv(&b, b.node("Unsqueeze", ["x", b.int64("axes", [2])]), 3, 4, k: 1, pads: 0))
        set.add("multi-op", b)
        b = builder()
        b.input("q", [2, 4, 3])
        b.input("k", [2, 4, 3])
        let scores = b.node("MatMul", ["q", b.node("Transpose", ["k"], [("perm", ints([0, 2, 1]))])])
        b.output(b.node("Softmax", [b.node("Div", [scores, b.constant("scale", [], [1.7])])], outputs: ["y"]))
        set.add("multi-op", b)
        b = builder()
        b.input("x", [4, 6])
        b.output(b.node("Relu", [b.node("Add", [b.node("MatMul", ["x", b.weight("w", [6, 3])]), b.weight("c", [3])])], outputs: ["y"]))
        set.add("multi-op", b)
        b = builder()
        b.input("x", [1, 4, 4, 4])
        let c = conv(&b, "x", 4, 4)
        b.output(b.node("Relu", [b.node("Dropout", [b.node("Identity", [c])])], outputs: ["y"]))
        b.output(b.node("MaxPool", [c], outputs: ["z"], [("kernel_shape", ints([3, 3])), ("pads", ints([1, 1, 1, 1]))]))
        set.add("multi-op", b)
        // A constant subgraph that folds (Mul of two constants) feeding a Conv.
        b = builder()
        b.input("x", [1, 2, 4, 4])
        let folded = b.node("Mul", [b.weight("wa", [3, 2, 3, 3], scale: 0.4), b.constant("two", [], [2])])
        b.output(b.node("Conv", ["x", folded], outputs: ["y"], [("pads", ints([1, 1, 1, 1]))]))
        set.add("multi-op", b)
    }
}
