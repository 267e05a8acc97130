import Foundation
@testable import Tessera

/// The seeded sweep of the differential test: single-op models over the attributes and
/// shapes of every op of the model format, and small multi-op graphs (fusions, folding,
/// the layout pass's remapped axes). Each family draws from its own seed, so adding cases
/// to one leaves the others unchanged.
enum DifferentialSweep {
    static func cases() -> CaseSet {
        var set = CaseSet()
        conv(&set)
        gemm(&set)
        matMul(&set)
        activations(&set)
        binary(&set)
        normalization(&set)
        pools(&set)
        reductions(&set)
        concatSplit(&set)
        slice(&set)
        pad(&set)
        resize(&set)
        shapes(&set)
        softmax(&set)
        multiOp(&set)
        return set
    }

    static func floats(_ v: [Double]) -> JSONValue { .array(v.map { .double($0) }) }

    /// A random shape of `rank` with at most about `budget` elements.
    static func shape(_ rng: inout SeededRandom, rank: Int, budget: Int = 400) -> [Int] {
        var s: [Int] = []
        for _ in 0..<rank {
            let left = max(1, budget / max(1, s.reduce(1, *)))
            s.append(rng.draw(1...max(1, min(6, left))))
        }
        return s
    }

    // MARK: Conv

    static func conv(_ set: inout CaseSet) {
        var rng = SeededRandom(seed: 101)
        for i in 0..<96 {
            let kind = rng.pick(["one", "one", "one", "depthwise", "multiplier", "grouped"])
            var (c, m, g) = (1, 1, 1)
            switch kind {
            case "one": (c, m, g) = (rng.draw(1...6), rng.draw(1...8), 1)
            case "depthwise": c = rng.draw(2...10); (m, g) = (c, c)
            case "multiplier": c = rng.draw(2...5); (m, g) = (c * rng.draw(2...3), c)
            default: g = rng.draw(2...3); (c, m) = (g * rng.draw(1...3), g * rng.draw(1...3))
            }
            let kh = rng.draw(1...5), kw = rng.chance(0.3) ? kh : rng.draw(1...5)
            let sh = rng.draw(1...3), sw = rng.chance(0.4) ? sh : rng.draw(1...3)
            let dh = kh > 1 ? rng.draw(1...2) : 1, dw = kw > 1 ? rng.draw(1...2) : 1
            let effH = (kh - 1) * dh + 1, effW = (kw - 1) * dw + 1
            let autoPad = rng.pick(["NOTSET", "NOTSET", "NOTSET", "NOTSET", "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"])
            var pads = [0, 0, 0, 0]
            if autoPad == "NOTSET" && rng.chance(0.8) {
                pads = [rng.draw(0...(kh - 1)), rng.draw(0...(kw - 1)), rng.draw(0...(kh - 1)), rng.draw(0...(kw - 1))]
            }
            let minH = autoPad.hasPrefix("SAME") ? 1 : max(1, effH - pads[0] - pads[2])
            let minW = autoPad.hasPrefix("SAME") ? 1 : max(1, effW - pads[1] - pads[3])
            let h = rng.draw(minH...(minH + 8)), w = rng.draw(minW...(minW + 8))
            let n = rng.chance(0.2) ? 2 : 1
            var b = ModelBuilder("conv\(i)", seed: 1000 + UInt64(i))
            b.input("x", [n, c, h, w])
            let scale = Float(1.5 / Double(c / g * kh * kw).squareRoot())
            var inputs = ["x", b.weight("w", [m, c / g, kh, kw], scale: scale)]
            if rng.chance(0.7) { inputs.append(b.weight("bias", [m])) }
            var attributes: [(String, JSONValue)] = []
            if rng.chance(0.5) { attributes.append(("kernel_shape", ints([kh, kw]))) }
            if (sh, sw) != (1, 1) || rng.chance(0.2) { attributes.append(("strides", ints([sh, sw]))) }
            if (dh, dw) != (1, 1) || rng.chance(0.2) { attributes.append(("dilations", ints([dh, dw]))) }
            if g > 1 || rng.chance(0.2) { attributes.append(("group", .int(g))) }
            if autoPad != "NOTSET" || rng.chance(0.1) { attributes.append(("auto_pad", .string(autoPad))) }
            if pads != [0, 0, 0, 0] || (autoPad == "NOTSET" && rng.chance(0.2)) { attributes.append(("pads", ints(pads))) }
            b.output(b.node("Conv", inputs, name: "conv", outputs: ["y"], attributes))
            set.add("Conv", b)
        }
        // Edge shapes: a 1x1 unpadded layer (the 1x1 path), the kernel as large as the
        // padded input (one output pixel), a stride longer than the kernel, a single row.
        let edges: [([Int], [Int], [(String, JSONValue)])] = [
            ([1, 8, 6, 6], [5, 8, 1, 1], []),
            ([1, 3, 5, 4], [2, 3, 5, 4], []),
            ([1, 2, 3, 3], [4, 2, 3, 3], [("pads", ints([1, 0, 0, 1]))]),
            ([1, 4, 9, 9], [3, 4, 1, 1], [("strides", ints([3, 3]))]),
            ([2, 3, 1, 9], [4, 3, 1, 3], [("pads", ints([0, 1, 0, 1]))]),
            ([1, 6, 7, 7], [6, 1, 5, 5], [("group", .int(6)), ("auto_pad", .string("SAME_LOWER")), ("strides", ints([2, 2]))]),
        ]
        for (k, (x, w, attributes)) in edges.enumerated() {
            var b = ModelBuilder("conv_edge\(k)", seed: 1200 + UInt64(k))
            b.input("x", x)
            b.output(b.node("Conv", ["x", b.weight("w", w, scale: 0.4), b.weight("bias", [w[0]])], name: "conv", outputs: ["y"], attributes))
            set.add("Conv", b)
        }
    }

    // MARK: Gemm and MatMul

    static func gemm(_ set: inout CaseSet) {
        var rng = SeededRandom(seed: 102)
        for i in 0..<36 {
            let m = rng.draw(1...6), k = rng.draw(1...24), n = rng.draw(1...12)
            let ta = rng.chance(0.5), tb = rng.chance(0.5)
            let alpha = rng.pick([1.0, 1.0, 0.5, -1.25, 2.0]), beta = rng.pick([1.0, 1.0, 0.0, 0.75, -2.0])
            let cShape: [Int]? = rng.pick([nil, [], [1], [n], [1, n], [m, 1], [m, n], [1, 1]])
            var b = ModelBuilder("gemm\(i)", seed: 2000 + UInt64(i))
            b.input("a", ta ? [k, m] : [m, k])
            let scale = Float(1.5 / Double(k).squareRoot())
            let bShape = tb ? [n, k] : [k, n]
            var inputs = ["a", rng.chance(0.6) ? b.weight("b", bShape, scale: scale) : b.input("b", bShape)]
            if let cShape { inputs.append(rng.chance(0.6) ? b.weight("c", cShape) : b.input("c", cShape)) }
            var attributes: [(String, JSONValue)] = []
            if ta || rng.chance(0.3) { attributes.append(("transA", .int(ta ? 1 : 0))) }
            if tb || rng.chance(0.3) { attributes.append(("transB", .int(tb ? 1 : 0))) }
            if alpha != 1 || rng.chance(0.3) { attributes.append(("alpha", .double(alpha))) }
            if beta != 1 || rng.chance(0.3) { attributes.append(("beta", .double(beta))) }
            b.output(b.node("Gemm", inputs, name: "gemm", outputs: ["y"], attributes))
            set.add("Gemm", b)
        }
    }

    static func matMul(_ set: inout CaseSet) {
        var rng = SeededRandom(seed: 103)
        let (m, k, n, p) = (3, 5, 4, 2)
        let pairs: [([Int], [Int])] = [
            ([m, k], [k, n]), ([k], [k, n]), ([m, k], [k]), ([k], [k]), ([p, m, k], [k, n]), ([p, m, k], [p, k, n]),
            ([1, m, k], [3, k, n]), ([2, 1, m, k], [3, k, n]), ([2, 3, m, k], [3, k, n]), ([k], [p, k, n]), ([p, m, k], [k]),
            ([2, 1, 2, m, k], [1, 3, 1, k, n]), ([1, 7], [7, 1]), ([6, 1], [1, 5]),
        ]
        for (i, (a, bShape)) in pairs.enumerated() {
            for constantB in [false, true] {
                var b = ModelBuilder("matmul\(i)", seed: 3000 + UInt64(i))
                b.input("a", a)
                let scale = Float(1.5 / Double(bShape.count == 1 ? bShape[0] : bShape[bShape.count - 2]).squareRoot())
                let rhs = constantB ? b.weight("b", bShape, scale: scale) : b.input("b", bShape)
                b.output(b.node("MatMul", ["a", rhs], name: "matmul", outputs: ["y"]))
                set.add("MatMul", b)
            }
        }
        _ = rng.next()
    }

    // MARK: Elementwise

    /// (op, attributes, extra constant inputs, input domain).
    static let activationSpecs: [(String, [(String, JSONValue)], [(name: String, value: Float)], InputDomain)] = [
        ("Relu", [], [], .uniform(-2, 2)),
        ("Clip", [("min", .double(0)), ("max", .double(6))], [], .uniform(-8, 8)),
        ("Clip", [("min", .double(-0.5)), ("max", .double(0.75))], [], .uniform(-2, 2)),
        ("Clip", [("max", .double(0.25))], [], .uniform(-2, 2)),
        ("Clip", [], [("min", -0.3)], .uniform(-2, 2)),
        ("Clip", [], [("min", -1.5), ("max", 0.5)], .uniform(-3, 3)),
        ("Clip", [], [], .uniform(-2, 2)),
        ("Sigmoid", [], [], .uniform(-5, 5)),
        ("HardSigmoid", [], [], .uniform(-4, 4)),
        ("HardSigmoid", [("alpha", .double(0.3)), ("beta", .double(0.4))], [], .uniform(-4, 4)),
        ("HardSwish", [], [], .uniform(-5, 5)),
        ("Tanh", [], [], .uniform(-3, 3)),
        ("LeakyRelu", [], [], .uniform(-2, 2)),
        ("LeakyRelu", [("alpha", .double(0.3))], [], .uniform(-2, 2)),
        ("Abs", [], [], .uniform(-2, 2)),
        ("Neg", [], [], .uniform(-2, 2)),
        ("Exp", [], [], .uniform(-3, 3)),
        ("Log", [], [], .uniform(0.05, 4)),
        ("Sqrt", [], [], .uniform(0, 4)),
        ("Reciprocal", [], [], .magnitude(0.25, 4)),
        ("Elu", [], [], .uniform(-3, 3)),
        ("Elu", [("alpha", .double(0.6))], [], .uniform(-3, 3)),
        ("Selu", [], [], .uniform(-3, 3)),
        ("Selu", [("alpha", .double(1.2)), ("gamma", .double(0.9))], [], .uniform(-3, 3)),
        ("Softplus", [], [], .uniform(-4, 4)),
        ("Softsign", [], [], .uniform(-4, 4)),
        ("Erf", [], [], .uniform(-2.5, 2.5)),
        ("Floor", [], [], .offInteger(-4, 4)),
        ("Ceil", [], [], .offInteger(-4, 4)),
        ("Gelu", [], [], .uniform(-4, 4)),
        ("Gelu", [("approximate", .string("tanh"))], [], .uniform(-4, 4)),
        ("Gelu", [("approximate", .string("none"))], [], .uniform(-4, 4)),
    ]

    static func activations(_ set: inout CaseSet) {
        var rng = SeededRandom(seed: 104)
        for (i, (op, attributes, operands, domain)) in activationSpecs.enumerated() {
            for v in 0..<2 {
                var b = ModelBuilder("act\(i)_\(v)", seed: 4000 + UInt64(2 * i + v))
                b.input("x", shape(&rng, rank: rng.draw(1...5), budget: 300))
                var inputs = ["x"]
                for (name, value) in operands {
                    if name == "max" && inputs.count == 1 { inputs.append("") }
                    inputs.append(b.constant(name, v == 0 ? [] : [1], [value]))
                }
                b.output(b.node(op, inputs, name: op.lowercased(), outputs: ["y"], attributes))
                set.add("unary", b, default: domain)
            }
        }
    }

    static func binary(_ set: inout CaseSet) {
        var rng = SeededRandom(seed: 105)
        let pairs: [([Int], [Int])] = [
            ([2, 3, 4], [2, 3, 4]), ([2, 3, 4], []), ([2, 3, 4], [1]), ([2, 3, 4], [4]), ([2, 3, 4], [3, 1]),
            ([1, 3, 1], [2, 1, 4]), ([4], [2, 3, 4]), ([2, 3, 4, 5], [1, 3, 1, 1]), ([1, 2, 1, 2, 1, 3], [2, 1, 2, 1, 3, 1]),
            ([5], [5]), ([3, 1, 4, 1], [2, 1, 5]),
        ]
        for op in ["Add", "Sub", "Mul", "Div", "Max", "Min", "Pow"] {
            for (i, (a, bShape)) in pairs.enumerated() {
                var b = ModelBuilder("\(op.lowercased())\(i)", seed: 5000 + UInt64(i))
                b.input("a", a)
                var domains: [String: InputDomain] = [:]
                let bDomain: InputDomain = op == "Div" ? .magnitude(0.5, 2) : op == "Pow" ? .uniform(-2, 2) : .uniform(-1, 1)
                if op == "Pow" { domains["a"] = .uniform(0.2, 2) }
                let rhs: String
                if rng.chance(0.5) {
                    var values = SeededRandom(seed: 5500 + UInt64(i))
                    rhs = b.constant("b", bShape, (0..<bShape.reduce(1, *)).map { _ in bDomain.draw(&values) })
                } else {
                    rhs = b.input("b", bShape)
                    domains["b"] = bDomain
                }
                b.output(b.node(op, ["a", rhs], name: op.lowercased(), outputs: ["y"]))
                set.add("binary", b, domains: domains)
            }
        }
        let prelu: [([Int], [Int])] = [([2, 3, 4, 5], [3, 1, 1]), ([2, 3, 4, 5], [1]), ([2, 3, 4, 5], [5]), ([1, 3, 4, 4], [1, 3, 1, 1]),
                                       ([2, 6], [6]), ([2, 3, 4], [2, 3, 4]), ([3, 5], [])]
        for (i, (x, slope)) in prelu.enumerated() {
            var b = ModelBuilder("prelu\(i)", seed: 5800 + UInt64(i))
            b.input("x", x)
            let s = i % 2 == 0 ? b.weight("slope", slope) : b.input("slope", slope)
            b.output(b.node("PRelu", ["x", s], name: "prelu", outputs: ["y"]))
            set.add("binary", b)
        }
    }

    // MARK: Normalization, pooling, reductions

    static func normalization(_ set: inout CaseSet) {
        var rng = SeededRandom(seed: 106)
        let shapes: [[Int]] = [[3, 5], [2, 4, 6], [1, 3, 5, 5], [2, 4, 3, 3], [1, 2, 3, 2, 2], [1, 6, 1, 1], [4, 1]]
        for (i, x) in shapes.enumerated() {
            var b = ModelBuilder("bn\(i)", seed: 6000 + UInt64(i))
            b.input("x", x)
            let c = x[1]
            let variance = b.constant("var", [c], (0..<c).map { _ in rng.uniform(0.1, 2) })
            var attributes: [(String, JSONValue)] = []
            if i % 3 != 0 { attributes.append(("epsilon", .double(rng.pick([1e-5, 1e-3, 0.1])))) }
            if i == 4 { attributes.append(("momentum", .double(0.8))) }
            b.output(b.node("BatchNormalization", ["x", b.weight("scale", [c], scale: 1.5), b.weight("bias", [c]), b.weight("mean", [c]), variance],
                            name: "bn", outputs: ["y"], attributes))
            set.add("BatchNormalization", b, default: .uniform(-2, 2))
        }
    }

    static func pools(_ set: inout CaseSet) {
        var rng = SeededRandom(seed: 107)
        for op in ["MaxPool", "AveragePool"] {
            for i in 0..<34 {
                let kh = rng.draw(1...4), kw = rng.chance(0.3) ? kh : rng.draw(1...4)
                let sh = rng.draw(1...3), sw = rng.chance(0.4) ? sh : rng.draw(1...3)
                let dh = kh > 1 && rng.chance(0.3) ? 2 : 1, dw = kw > 1 && rng.chance(0.3) ? 2 : 1
                let effH = (kh - 1) * dh + 1, effW = (kw - 1) * dw + 1
                let autoPad = rng.pick(["NOTSET", "NOTSET", "NOTSET", "NOTSET", "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"])
                var pads = [0, 0, 0, 0]
                if autoPad == "NOTSET" && rng.chance(0.7) {
                    pads = [rng.draw(0...(kh - 1)), rng.draw(0...(kw - 1)), rng.draw(0...(kh - 1)), rng.draw(0...(kw - 1))]
                }
                let minH = autoPad.hasPrefix("SAME") ? 1 : max(1, effH - pads[0] - pads[2])
                let minW = autoPad.hasPrefix("SAME") ? 1 : max(1, effW - pads[1] - pads[3])
                let x = [rng.chance(0.2) ? 2 : 1, rng.draw(1...4), rng.draw(minH...(minH + 7)), rng.draw(minW...(minW + 7))]
                var attributes: [(String, JSONValue)] = [("kernel_shape", ints([kh, kw]))]
                if (sh, sw) != (1, 1) || rng.chance(0.2) { attributes.append(("strides", ints([sh, sw]))) }
                if (dh, dw) != (1, 1) { attributes.append(("dilations", ints([dh, dw]))) }
                if autoPad != "NOTSET" || rng.chance(0.1) { attributes.append(("auto_pad", .string(autoPad))) }
                if pads != [0, 0, 0, 0] { attributes.append(("pads", ints(pads))) }
                if rng.chance(0.4) { attributes.append(("ceil_mode", .int(1))) }
                if op == "AveragePool" && rng.chance(0.5) { attributes.append(("count_include_pad", .int(1))) }
                if op == "MaxPool" && rng.chance(0.1) { attributes.append(("storage_order", .int(0))) }
                var b = ModelBuilder("\(op.lowercased())\(i)", seed: 7000 + UInt64(i))
                b.input("x", x)
                b.output(b.node(op, ["x"], name: "pool", outputs: ["y"], attributes))
                set.add(op, b, default: .uniform(-2, 2))
            }
        }
        for (i, x) in [[1, 3, 5, 5], [2, 4, 1, 7], [1, 2, 9], [1, 2, 2, 3, 2]].enumerated() {
            var b = ModelBuilder("gap\(i)", seed: 7500 + UInt64(i))
            b.input("x", x)
            b.output(b.node("GlobalAveragePool", ["x"], name: "gap", outputs: ["y"]))
            set.add("GlobalAveragePool", b)
        }
    }

    static func reductions(_ set: inout CaseSet) {
        // (shape, axes or nil, keepdims or nil, noop_with_empty_axes or nil)
        let specs: [([Int], [Int]?, Int?, Int?)] = [
            ([2, 3, 4], [1], 1, nil), ([2, 3, 4], [0, 1], 0, nil), ([2, 3, 4, 5], [-1], 0, nil), ([2, 3, 4, 5], [1, 2], nil, nil),
            ([6], nil, 1, nil), ([2, 3, 4], nil, 0, nil), ([3, 4], nil, nil, 1), ([2, 3, 4], [-3, -2], 1, nil), ([2, 5, 3], [2, 1], 0, nil),
        ]
        for op in ["ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin"] {
            for (i, (x, axes, keepdims, noop)) in specs.enumerated() {
                var b = ModelBuilder("\(op.lowercased())\(i)", seed: 8000 + UInt64(i))
                b.input("x", x)
                var inputs = ["x"]
                var attributes: [(String, JSONValue)] = []
                if let axes {
                    if i % 2 == 0 { attributes.append(("axes", ints(axes))) } else { inputs.append(b.int64("axes", axes)) }
                }
                if let keepdims { attributes.append(("keepdims", .int(keepdims))) }
                if let noop { attributes.append(("noop_with_empty_axes", .int(noop))) }
                b.output(b.node(op, inputs, name: "reduce", outputs: ["y"], attributes))
                set.add("reduce", b)
            }
        }
    }
}
