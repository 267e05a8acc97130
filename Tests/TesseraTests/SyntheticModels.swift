@testable import Tessera

/// The synthetic models the end-to-end tests build: small, seeded, covering every op.
enum SyntheticModels {
    /// Two fully connected layers with ReLU and softmax.
    static func mlp() -> ModelBuilder {
        var b = ModelBuilder("mlp", seed: 11)
        b.input("x", [2, 16])
        let w1 = b.weight("w1", [32, 16]), b1 = b.weight("b1", [32])
        let h = b.node("Gemm", ["x", w1, b1], name: "fc1", [("transB", .int(1))])
        let r = b.node("Relu", [h], name: "relu")
        let w2 = b.weight("w2", [32, 10]), b2 = b.weight("b2", [1, 10])
        let l = b.node("Gemm", [r, w2, b2], name: "fc2", [("alpha", .double(0.5)), ("beta", .int(2))])
        b.output(b.node("Softmax", [l], name: "softmax", outputs: ["probs"]))
        return b
    }

    /// Conv, ReLU and pooling, ending in a classifier.
    static func convReluPool() -> ModelBuilder {
        var b = ModelBuilder("conv_relu_pool", seed: 12)
        b.input("image", [1, 3, 12, 12])
        let c1 = b.node("Conv", ["image", b.weight("c1w", [8, 3, 3, 3]), b.weight("c1b", [8])], name: "conv1",
                        [("pads", ints([1, 1, 1, 1])), ("kernel_shape", ints([3, 3]))])
        let r1 = b.node("Relu", [c1], name: "relu1")
        let p1 = b.node("MaxPool", [r1], name: "pool1", [("kernel_shape", ints([2, 2])), ("strides", ints([2, 2]))])
        let c2 = b.node("Conv", [p1, b.weight("c2w", [16, 8, 3, 3]), b.weight("c2b", [16])], name: "conv2",
                        [("strides", ints([2, 2])), ("pads", ints([0, 1, 1, 0]))])
        let r2 = b.node("Clip", [c2], name: "relu6", [("min", .double(0)), ("max", .double(6))])
        let p2 = b.node("AveragePool", [r2], name: "pool2",
                        [("kernel_shape", ints([3, 3])), ("pads", ints([1, 1, 1, 1])), ("count_include_pad", .int(1))])
        let g = b.node("GlobalAveragePool", [p2], name: "gap")
        let f = b.node("Flatten", [g], name: "flatten")
        b.output(b.node("Gemm", [f, b.weight("fcw", [5, 16]), b.weight("fcb", [5])], name: "fc", outputs: ["logits"], [("transB", .int(1))]))
        return b
    }

    /// MobileNet-style depthwise-separable block (depthwise 3x3 stride 2, ReLU6, pointwise).
    static func depthwiseSeparable() -> ModelBuilder {
        var b = ModelBuilder("dw_separable", seed: 13)
        b.input("x", [1, 8, 11, 11])
        let lo = b.constant("six_lo", [], [0]), hi = b.constant("six_hi", [], [6])
        let dw = b.node("Conv", ["x", b.weight("dww", [8, 1, 3, 3]), b.weight("dwb", [8])], name: "dw",
                        [("group", .int(8)), ("strides", ints([2, 2])), ("pads", ints([1, 1, 1, 1]))])
        let a1 = b.node("Clip", [dw, lo, hi], name: "dw_relu6")
        let pw = b.node("Conv", [a1, b.weight("pww", [16, 8, 1, 1]), b.weight("pwb", [16])], name: "pw")
        let a2 = b.node("Clip", [pw, lo, hi], name: "pw_relu6")
        let dw2 = b.node("Conv", [a2, b.weight("dw2w", [16, 1, 3, 3])], name: "dw2",
                         [("group", .int(16)), ("auto_pad", .string("SAME_UPPER")), ("dilations", ints([2, 2]))])
        let pool = b.node("AveragePool", [dw2], name: "pool", [("kernel_shape", ints([2, 2])), ("strides", ints([2, 2])), ("ceil_mode", .int(1))])
        b.output(b.node("Relu", [pool], name: "out_relu", outputs: ["y"]))
        return b
    }

    /// ResNet basic block: two 3x3 convs with a residual Add, and a bias-like broadcast Add.
    static func residual() -> ModelBuilder {
        var b = ModelBuilder("residual", seed: 14)
        b.input("x", [1, 8, 8, 8])
        let c1 = b.node("Conv", ["x", b.weight("c1w", [8, 8, 3, 3], scale: 0.3), b.weight("c1b", [8])], name: "conv1", [("pads", ints([1, 1, 1, 1]))])
        let r1 = b.node("Relu", [c1], name: "relu1")
        let c2 = b.node("Conv", [r1, b.weight("c2w", [8, 8, 3, 3], scale: 0.3)], name: "conv2", [("pads", ints([1, 1, 1, 1]))])
        let sum = b.node("Add", [c2, "x"], name: "residual_add")
        let shifted = b.node("Add", [sum, b.weight("shift", [8, 1, 1])], name: "channel_shift")
        let r2 = b.node("Relu", [shifted], name: "relu2")
        let p = b.node("MaxPool", [r2], name: "pool",
                       [("kernel_shape", ints([3, 3])), ("strides", ints([2, 2])), ("pads", ints([1, 1, 1, 1])), ("dilations", ints([1, 1]))])
        b.output(b.node("GlobalAveragePool", [p], name: "gap", outputs: ["features"]))
        return b
    }

    /// Everything else: MatMul with batch broadcasting, Transpose, Reshape (0 and -1),
    /// Identity, Dropout, Softmax on an inner axis, two inputs and two outputs.
    static func opsMix() -> ModelBuilder {
        var b = ModelBuilder("ops_mix", seed: 15)
        b.input("tokens", [2, 3, 4, 6])
        b.input("bias", [4, 1, 1])
        let t = b.node("Transpose", ["tokens"], name: "to_bhsd", [("perm", ints([0, 2, 1, 3]))])  // [2, 4, 3, 6]
        let m = b.node("MatMul", [t, b.weight("proj", [6, 5])], name: "proj")  // [2, 4, 3, 5]
        let a = b.node("Add", [m, "bias"], name: "add_bias")  // [4, 1, 1] broadcasts over [2, 4, 3, 5]
        let i = b.node("Identity", [a], name: "identity")
        let d = b.node("Dropout", [i], name: "dropout", outputs: ["dropped", "mask"])
        let s = b.node("Softmax", [d], name: "softmax", outputs: ["attention"], [("axis", .int(2))])
        b.output(s)
        let r = b.node("Reshape", [d, b.int64("shape", [0, -1, 5])], name: "reshape")  // [2, 12, 5]
        let mm = b.node("MatMul", [b.weight("mix", [12]), r], name: "vec_matmul")  // [2, 5]
        let tr = b.node("Transpose", [mm], name: "transpose")  // [5, 2]
        b.output(b.node("Flatten", [tr], name: "flatten_out", outputs: ["summary"], [("axis", .int(0))]))
        return b
    }

    static let names = ["mlp", "conv_relu_pool", "dw_separable", "residual", "ops_mix", "onnx_ops", "math_ops"]

    static func named(_ name: String) -> ModelBuilder {
        switch name {
        case "mlp": return mlp()
        case "conv_relu_pool": return convReluPool()
        case "dw_separable": return depthwiseSeparable()
        case "residual": return residual()
        case "onnx_ops": return onnxOps()
        case "math_ops": return mathOps()
        default: return opsMix()
        }
    }
}

extension SyntheticModels {
    /// The ops of the ONNX issue: BatchNormalization, Concat, Pad, Resize, the extra
    /// activations, Sub/Mul/Div, Split, Slice, ReduceMean, Squeeze, Unsqueeze, SiLU.
    static func onnxOps() -> ModelBuilder {
        var b = ModelBuilder("onnx_ops", seed: 16)
        b.input("x", [1, 4, 6, 6])
        let bn = b.node("BatchNormalization", ["x", b.weight("g", [4]), b.weight("beta", [4]), b.weight("mean", [4]),
                                                b.constant("var", [4], [0.5, 1, 1.5, 2])], name: "bn")
        let hs = b.node("HardSwish", [bn], name: "hardswish")
        let conv = b.node("Conv", [hs, b.weight("w", [8, 4, 3, 3])], name: "conv", [("pads", ints([1, 1, 1, 1]))])
        let sig = b.node("Sigmoid", [conv], name: "sigmoid")
        let silu = b.node("Mul", [conv, sig], name: "silu")
        let halves = ["half_a", "half_b"]
        b.node("Split", [silu], name: "split", outputs: halves, [("axis", .int(1)), ("split", ints([3, 5]))])
        let tanh = b.node("Tanh", ["half_a"], name: "tanh")
        let leaky = b.node("LeakyRelu", ["half_b"], name: "leaky", [("alpha", .double(0.1))])
        let hsig = b.node("HardSigmoid", [leaky], name: "hardsigmoid")
        let cat = b.node("Concat", [hsig, tanh], name: "concat", [("axis", .int(1))])
        let padded = b.node("Pad", [cat, b.int64("pads", [0, 0, 1, 0, 0, 0, 0, 1])], name: "pad")
        let up = b.node("Resize", [padded, "", b.constant("scales", [4], [1, 1, 2, 2])], name: "resize", [("mode", .string("nearest"))])
        let sliced = b.node("Slice", [up, b.int64("starts", [1, 0]), b.int64("ends", [13, 100]), b.int64("axes", [2, 3]),
                                      b.int64("steps", [2, 3])], name: "slice")
        let diff = b.node("Sub", [sliced, b.weight("offset", [8, 1, 1])], name: "sub")
        let ratio = b.node("Div", [diff, b.constant("two", [], [2])], name: "div")
        let mean = b.node("ReduceMean", [ratio], name: "mean", [("axes", ints([2, 3])), ("keepdims", .int(0))])
        let u = b.node("Unsqueeze", [mean, b.int64("u_axes", [0])], name: "unsqueeze")
        b.output(b.node("Squeeze", [u, b.int64("s_axes", [0])], name: "squeeze", outputs: ["y"]))
        return b
    }
}

extension SyntheticModels {
    /// Elementwise math and reductions: every activation kind, Max/Min/Pow/PRelu,
    /// ReduceSum/Max/Min, LogSoftmax, Gelu fused into a Conv.
    static func mathOps() -> ModelBuilder {
        var b = ModelBuilder("math_ops", seed: 17)
        b.input("x", [1, 3, 4, 5])
        let conv = b.node("Conv", ["x", b.weight("w", [4, 3, 1, 1])], name: "conv")
        let gelu = b.node("Gelu", [conv], name: "gelu")
        let prelu = b.node("PRelu", [gelu, b.weight("slope", [4, 1, 1])], name: "prelu")
        let e = b.node("Exp", [b.node("Neg", [b.node("Abs", [prelu], name: "abs")], name: "neg")], name: "exp")  // in (0, 1]
        let l = b.node("Log", [b.node("Softplus", [e], name: "softplus")], name: "log")
        let r = b.node("Reciprocal", [b.node("Sqrt", [e], name: "sqrt")], name: "reciprocal")
        let elu = b.node("Elu", [b.node("Sub", [l, r], name: "sub")], name: "elu", [("alpha", .double(0.7))])
        let selu = b.node("Selu", [b.node("Softsign", [elu], name: "softsign")], name: "selu")
        let erf = b.node("Erf", [selu], name: "erf")
        let fl = b.node("Floor", [b.node("Mul", [erf, b.constant("four", [], [4])], name: "scale")], name: "floor")
        let ce = b.node("Ceil", [b.node("Mul", [selu, b.constant("three", [], [3])], name: "scale3")], name: "ceil")
        let mx = b.node("Max", [fl, ce], name: "max")
        let mn = b.node("Min", [mx, b.weight("cap", [5])], name: "min")
        let pw = b.node("Pow", [e, b.constant("power", [1, 1, 1, 5], [0.5, 1, 1.5, 2, 3])], name: "pow")
        let sum = b.node("ReduceSum", [b.node("Add", [mn, pw], name: "add")], name: "reduce_sum", [("axes", ints([3]))])
        let rmax = b.node("ReduceMax", [sum], name: "reduce_max", [("axes", ints([2])), ("keepdims", .int(0))])
        b.output(b.node("LogSoftmax", [rmax], name: "log_softmax", outputs: ["y"], [("axis", .int(1))]))
        let rmin = b.node("ReduceMin", [pw], name: "reduce_min", [("axes", ints([1, 2]))])
        b.output(b.node("Flatten", [rmin], name: "flat", outputs: ["z"]))
        return b
    }
}
