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

    // MARK: Data movement

    static func concatSplit(_ set: inout CaseSet) {
        var rng = SeededRandom(seed: 108)
        var k = 0
        for rank in 1...4 {
            for axis in Array(0..<rank) + [-1, -rank] {
                let base = shape(&rng, rank: rank, budget: 120)
                let parts = rng.draw(2...4)
                let normalized = axis < 0 ? axis + rank : axis
                var b = ModelBuilder("concat\(k)", seed: 9000 + UInt64(k))
                var inputs: [String] = []
                for p in 0..<parts {
                    var s = base
                    s[normalized] = rng.draw(1...4)
                    inputs.append(p == 1 && rng.chance(0.4) ? b.weight("k\(p)", s) : b.input("x\(p)", s))
                }
                var attributes: [(String, JSONValue)] = []
                if axis != 1 || rng.chance(0.5) { attributes.append(("axis", .int(axis))) }
                b.output(b.node("Concat", inputs, name: "concat", outputs: ["y"], attributes))
                set.add("Concat", b)
                k += 1
            }
        }
        k = 0
        for rank in 1...4 {
            for axis in Array(0..<rank) + [-1] {
                var s = shape(&rng, rank: rank, budget: 120)
                let normalized = axis < 0 ? axis + rank : axis
                s[normalized] = rng.draw(4...8)
                let form = k % 4  // 0: split attribute, 1: split input, 2: num_outputs, 3: neither (equal parts)
                var sizes: [Int] = []
                var left = s[normalized]
                while left > 0 {
                    let size = min(left, rng.draw(1...3))
                    sizes.append(size)
                    left -= size
                }
                var outputs = sizes.count
                if form == 2 {
                    outputs = rng.draw(2...3)
                    // Every part non-empty: only the last chunk may be smaller.
                    while (s[normalized] + outputs - 1) / outputs * (outputs - 1) >= s[normalized] { outputs -= 1 }
                } else if form == 3 {
                    outputs = rng.draw(2...3)
                    s[normalized] = outputs * rng.draw(1...3)
                }
                var b = ModelBuilder("split\(k)", seed: 9500 + UInt64(k))
                b.input("x", s)
                var inputs = ["x"]
                var attributes: [(String, JSONValue)] = [("axis", .int(axis))]
                switch form {
                case 0: attributes.append(("split", ints(sizes)))
                case 1: inputs.append(b.int64("split", sizes))
                case 2: attributes.append(("num_outputs", .int(outputs)))
                default: break
                }
                let names = (0..<outputs).map { "y\($0)" }
                b.node("Split", inputs, name: "split", outputs: names, attributes)
                for name in names { b.output(name) }
                set.add("Split", b)
                k += 1
            }
        }
    }

    static func slice(_ set: inout CaseSet) {
        var rng = SeededRandom(seed: 109)
        let big = Int(Int64.max), small = Int(Int64.min)
        var made = 0
        var attempt = 0
        while made < 40 && attempt < 400 {
            attempt += 1
            let rank = rng.draw(1...4)
            let x = (0..<rank).map { _ in rng.draw(2...7) }
            let count = rng.draw(1...rank)
            let withAxes = rng.chance(0.7)
            let axes = withAxes ? Array(rng.shuffled(Array(0..<rank)).prefix(count)) : Array(0..<count)
            var starts: [Int] = [], ends: [Int] = [], steps: [Int] = []
            for axis in axes {
                let dim = x[axis]
                let step = rng.pick([1, 1, 2, 3, -1, -1, -2, -3])
                func bound() -> Int {
                    switch rng.draw(0...5) {
                    case 0: return step > 0 ? big : small
                    case 1: return step > 0 ? small : big
                    default: return rng.draw((-dim - 2)...(dim + 2))
                    }
                }
                starts.append(bound())
                ends.append(bound())
                steps.append(step)
            }
            var b = ModelBuilder("slice\(made)", seed: 10_000 + UInt64(made))
            b.input("x", x)
            var inputs = ["x", b.int64("starts", starts), b.int64("ends", ends)]
            let withSteps = steps.contains { $0 != 1 } || rng.chance(0.3)
            if withAxes || withSteps {
                let shown = axes.map { rng.chance(0.3) ? $0 - rank : $0 }
                inputs.append(withAxes ? b.int64("axes", shown) : "")
            }
            if withSteps { inputs.append(b.int64("steps", steps)) }
            if inputs.last == "" { inputs.removeLast() }
            b.output(b.node("Slice", inputs, name: "slice", outputs: ["y"]))
            if set.add("Slice", b, mayReject: true) { made += 1 }
        }
    }

    static func pad(_ set: inout CaseSet) {
        var rng = SeededRandom(seed: 110)
        for i in 0..<14 {
            let rank = rng.draw(1...4)
            let x = shape(&rng, rank: rank, budget: 150)
            let withAxes = rng.chance(0.35)
            let axes = withAxes ? Array(rng.shuffled(Array(0..<rank)).prefix(rng.draw(1...rank))) : Array(0..<rank)
            var pads = (0..<(2 * axes.count)).map { _ in rng.chance(0.6) ? rng.draw(1...3) : 0 }
            if pads.allSatisfy({ $0 == 0 }) { pads[0] = 2 }
            var b = ModelBuilder("pad\(i)", seed: 11_000 + UInt64(i))
            b.input("x", x)
            var inputs = ["x", b.int64("pads", pads)]
            let value = rng.chance(0.5)
            if value || withAxes { inputs.append(value ? b.constant("value", rng.chance(0.5) ? [] : [1], [rng.uniform(-2, 2)]) : "") }
            if withAxes { inputs.append(b.int64("axes", axes.map { rng.chance(0.3) ? $0 - rank : $0 })) }
            let attributes: [(String, JSONValue)] = rng.chance(0.3) ? [("mode", .string("constant"))] : []
            b.output(b.node("Pad", inputs, name: "pad", outputs: ["y"], attributes))
            set.add("Pad", b)
        }
    }

    static func resize(_ set: inout CaseSet) {
        var rng = SeededRandom(seed: 111)
        let transforms = ["half_pixel", "pytorch_half_pixel", "asymmetric", "align_corners", "tf_half_pixel_for_nn"]
        let roundings = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]
        // Binary fractions: onnxruntime computes the source coordinates in float32, ONNX's
        // reference implementation (and Tessera) in float64; with a scale such as 0.6 a
        // coordinate can land within float32 rounding of an integer, where the two pick
        // different pixels. With these scales every coordinate is either exact in both or
        // far from a rounding boundary.
        let scales = [0.5, 0.625, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3]
        var k = 0
        for transform in transforms {
            for rounding in roundings {
                for bySizes in [false, true] where !bySizes || (k % 3 == 0) {
                    let x = [rng.chance(0.2) ? 2 : 1, rng.draw(1...3), rng.draw(3...7), rng.draw(3...7)]
                    var b = ModelBuilder("resize\(k)", seed: 12_000 + UInt64(k))
                    b.input("x", x)
                    var inputs = ["x", ""]
                    // onnxruntime copies an axis whose scale is 1 whatever the transformation;
                    // the formulas agree with that but for tf_half_pixel_for_nn's half-pixel
                    // shift, whose cases therefore scale both axes.
                    let unit = transform != "tf_half_pixel_for_nn"
                    if bySizes {
                        func size(_ n: Int) -> Int {
                            while true {
                                let s = rng.draw(1...12)
                                if unit || s != n { return s }
                            }
                        }
                        inputs += ["", b.int64("sizes", [x[0], x[1], size(x[2]), size(x[3])])]
                    } else {
                        let usable = unit ? scales : scales.filter { $0 != 1 }
                        let sh = rng.pick(usable), sw = rng.pick(usable)
                        inputs.append(b.constant("scales", [4], [1, 1, Float(sh), Float(sw)]))
                    }
                    var attributes: [(String, JSONValue)] = [("coordinate_transformation_mode", .string(transform)), ("nearest_mode", .string(rounding))]
                    if rng.chance(0.6) { attributes.append(("mode", .string("nearest"))) }
                    b.output(b.node("Resize", inputs, name: "resize", outputs: ["y"], attributes))
                    set.add("Resize", b)
                    k += 1
                }
            }
        }
        // The defaults (nearest, half_pixel, round_prefer_floor), and explicit defaults of
        // the attributes opset 18 added.
        var b = ModelBuilder("resize_defaults", seed: 12_500)
        b.input("x", [1, 2, 4, 5])
        b.output(b.node("Resize", ["x", "", b.constant("scales", [4], [1, 1, 1.5, 0.75])], name: "resize", outputs: ["y"]))
        set.add("Resize", b)
        b = ModelBuilder("resize_explicit", seed: 12_501)
        b.input("x", [1, 2, 4, 5])
        b.output(b.node("Resize", ["x", "", b.constant("scales", [4], [1, 1, 2, 2])], name: "resize", outputs: ["y"],
                        [("antialias", .int(0)), ("keep_aspect_ratio_policy", .string("stretch")), ("exclude_outside", .int(0))]))
        set.add("Resize", b)
    }

    static func shapes(_ set: inout CaseSet) {
        func one(_ family: String, _ op: String, _ x: [Int], _ attributes: [(String, JSONValue)] = [], int64 operand: [Int]? = nil,
                 outputs: Int = 1, extra: (inout ModelBuilder) -> [String] = { _ in [] }) {
            var b = ModelBuilder("\(op.lowercased())", seed: 13_000)
            b.input("x", x)
            var inputs = ["x"]
            if let operand { inputs.append(b.int64("operand", operand)) }
            inputs += extra(&b)
            let names = (0..<outputs).map { $0 == 0 ? "y" : "y\($0)" }
            b.node(op, inputs, name: op.lowercased(), outputs: names, attributes)
            b.output("y")
            set.add(family, b)
        }
        for axis in [0, 1, 2, 3, -1, -3] { one("Flatten", "Flatten", [2, 3, 4], [("axis", .int(axis))]) }
        one("Flatten", "Flatten", [5])
        one("Flatten", "Flatten", [2, 3, 4, 5], [("axis", .int(2))])
        for (x, target) in [([2, 3, 4], [0, -1]), ([2, 3, 4], [4, -1, 2]), ([2, 3, 4], [24]), ([2, 3, 4, 5], [2, 0, -1]), ([6], [2, 3]), ([1, 2, 3], [3, 1, 2])] {
            one("Reshape", "Reshape", x, target == [0, -1] ? [("allowzero", .int(0))] : [], int64: target)
        }
        one("Squeeze", "Squeeze", [1, 3, 1, 4], [("axes", ints([0]))])
        one("Squeeze", "Squeeze", [1, 3, 1, 4], int64: [0, 2])
        one("Squeeze", "Squeeze", [1, 3, 1, 4], int64: [-2])
        one("Squeeze", "Squeeze", [1, 3, 1, 4])
        one("Squeeze", "Squeeze", [3, 1], [("axes", ints([1]))])
        one("Unsqueeze", "Unsqueeze", [3, 4], [("axes", ints([0]))])
        one("Unsqueeze", "Unsqueeze", [3, 4], int64: [-1])
        one("Unsqueeze", "Unsqueeze", [3, 4], int64: [0, 3])
        one("Unsqueeze", "Unsqueeze", [2, 3, 4], int64: [1, -1])
        one("Unsqueeze", "Unsqueeze", [5], [("axes", ints([0, 1, 2]))])
        let perms: [[Int]?] = [[1, 0], nil, [0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0], nil,
                               [0, 2, 3, 1], [0, 3, 1, 2], [3, 2, 1, 0], [1, 0, 3, 2], [2, 0, 3, 1], nil, [4, 0, 2, 1, 3], [5, 3, 1, 0, 2, 4]]
        let ranks = [2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 5, 6]
        for (perm, rank) in zip(perms, ranks) {
            let x = Array([2, 3, 4, 5, 2, 3].prefix(rank))
            one("Transpose", "Transpose", x, perm.map { [("perm", ints($0))] } ?? [])
        }
        one("Identity", "Identity", [2, 3])
        one("Dropout", "Dropout", [2, 3, 4])
        one("Dropout", "Dropout", [2, 3, 4], [("ratio", .double(0.3)), ("seed", .int(5))])
        one("Dropout", "Dropout", [3, 4], outputs: 2)
        one("Dropout", "Dropout", [3, 4]) { b in [b.constant("ratio", [], [0.25]), b.int64("training_mode", [0])] }
    }

    static func softmax(_ set: inout CaseSet) {
        let specs: [([Int], Int?)] = [([6], 0), ([6], -1), ([6], nil), ([3, 5], 0), ([3, 5], 1), ([2, 3, 4], 0), ([2, 3, 4], 1),
                                      ([2, 3, 4], 2), ([2, 3, 4, 3], 1), ([2, 3, 4, 3], -1), ([2, 3, 4, 3], -3), ([1, 4, 1, 5], 2)]
        for op in ["Softmax", "LogSoftmax"] {
            for (i, (x, axis)) in specs.enumerated() {
                var b = ModelBuilder("\(op.lowercased())\(i)", seed: 14_000 + UInt64(i))
                b.input("x", x)
                b.output(b.node(op, ["x"], name: "softmax", outputs: ["y"], axis.map { [("axis", .int($0))] } ?? []))
                set.add(op, b, default: .uniform(-3, 3))
            }
        }
    }
}
