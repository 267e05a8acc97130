import Tessera

/// Generates small random models that are valid (so that mutations of them reach shape
/// inference, the passes, the planner and code generation): a stream of 4-D activations
/// through convolutions, pooling, activations, broadcasting arithmetic, normalisation,
/// concatenation, split, slice, pad and resize, then often flattened into fully connected
/// layers, matrix products and softmax. Every op of model JSON appears.
public struct ModelGenerator {
    private var rng: FuzzRandom
    private var constants: [JSONValue] = []
    private var nodes: [JSONValue] = []
    private var inputs: [JSONValue] = []
    private var counter = 0
    /// Activations so far, with their shapes (NCHW).
    private var tensors: [(name: String, shape: [Int])] = []

    public init(_ rng: FuzzRandom) { self.rng = rng }

    /// A model as model JSON, and the random state after it.
    public static func model(_ rng: inout FuzzRandom) -> JSONValue {
        var g = ModelGenerator(rng)
        let m = g.build()
        rng = g.rng
        return m
    }

    private mutating func fresh(_ base: String) -> String {
        counter += 1
        return "\(base)\(counter)"
    }

    private mutating func constant(_ shape: [Int], _ values: [Double]? = nil) -> String {
        let count = shape.reduce(1, *)
        let data = values ?? (0..<count).map { _ in (rng.float(-1, 1) * 1000).rounded() / 1000 }
        return constant(shape, data.map { .double($0) }, dtype: "float32")
    }

    private mutating func constant(_ shape: [Int], _ data: [JSONValue], dtype: String) -> String {
        let name = fresh("c")
        constants.append(.object([("name", .string(name)), ("shape", .array(shape.map { .int($0) })),
                                  ("dtype", .string(dtype)), ("data", .array(data))]))
        return name
    }

    private mutating func ints(_ values: [Int]) -> String {
        constant([values.count], values.map { .int($0) }, dtype: "int64")
    }

    @discardableResult
    private mutating func node(_ op: String, _ ins: [String], _ attributes: [(String, JSONValue)] = [], outputs: Int = 1,
                               shapes: [[Int]]) -> [String] {
        let name = fresh(op.lowercased())
        let outs = (0..<outputs).map { _ in fresh("t") }
        var members: [(String, JSONValue)] = [("name", .string(name)), ("op", .string(op)),
                                              ("inputs", .array(ins.map { .string($0) })), ("outputs", .array(outs.map { .string($0) }))]
        if !attributes.isEmpty { members.append(("attributes", .object(attributes))) }
        nodes.append(.object(members))
        for (o, s) in zip(outs, shapes) { tensors.append((o, s)) }
        return outs
    }

    private func list(_ v: [Int]) -> JSONValue { .array(v.map { .int($0) }) }

    mutating func build() -> JSONValue {
        let spatial = rng.chance(0.85)
        let shape = spatial ? [rng.chance(0.9) ? 1 : 2, rng.int(1...6), rng.int(1...9), rng.int(1...9)] : [rng.int(1...3), rng.int(1...12)]
        let x = "x"
        inputs.append(.object([("name", .string(x)), ("shape", list(shape)), ("dtype", .string("float32"))]))
        tensors.append((x, shape))
        if rng.chance(0.15) {
            let second = fresh("in")
            inputs.append(.object([("name", .string(second)), ("shape", list(shape)), ("dtype", .string("float32"))]))
            tensors.append((second, shape))
        }
        var current = (name: x, shape: shape)
        let steps = rng.int(1...10)
        for _ in 0..<steps {
            current = step(current)
        }
        var outputs = [current.name]
        if rng.chance(0.15), let other = tensors.last(where: { $0.name != current.name && $0.name.hasPrefix("t") }) {
            outputs.append(other.name)
        }
        return .object([("format", .string("tessera.model")), ("version", .int(1)), ("name", .string("fuzz\(rng.int(0...999))")),
                        ("inputs", .array(inputs)), ("outputs", .array(outputs.map { .object([("name", .string($0))]) })),
                        ("constants", .array(constants)), ("nodes", .array(nodes))])
    }

    /// One more layer after `x`.
    private mutating func step(_ x: (name: String, shape: [Int])) -> (name: String, shape: [Int]) {
        let s = x.shape
        if s.count == 4 {
            switch rng.int(0..<16) {
            case 0, 1, 2: return conv(x)
            case 3: return pool(x)
            case 4: return activation(x)
            case 5: return binary(x)
            case 6: return batchNorm(x)
            case 7: return concat(x)
            case 8: return split(x)
            case 9: return slice(x)
            case 10: return pad(x)
            case 11: return resize(x)
            case 12: return transpose(x)
            case 13: return reduce(x)
            case 14:
                let out = [s[0], s[1], 1, 1]
                return (node("GlobalAveragePool", [x.name], shapes: [out])[0], out)
            default: return flatten(x)
            }
        }
        switch rng.int(0..<9) {
        case 0, 1: return gemm(x)
        case 2: return matMul(x)
        case 3: return activation(x)
        case 4: return binary(x)
        case 5:
            let op = rng.pick(["Softmax", "LogSoftmax"])
            return (node(op, [x.name], rng.chance(0.5) ? [("axis", .int(rng.pick([-1, s.count - 1, 0])))] : [], shapes: [s])[0], s)
        case 6: return viewChange(x)
        case 7: return reduce(x)
        default: return concat(x)
        }
    }

    private mutating func conv(_ x: (name: String, shape: [Int])) -> (name: String, shape: [Int]) {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let depthwise = c > 1 && rng.chance(0.3)
        let group = depthwise ? c : 1
        let m = depthwise ? c * rng.int(1...2) : rng.int(1...8)
        let pads = rng.chance(0.5) ? [rng.int(0...1), rng.int(0...1), rng.int(0...1), rng.int(0...1)] : [0, 0, 0, 0]
        let dil = rng.chance(0.15) ? [2, 2] : [1, 1]
        let kh = min(rng.int(1...3), (h + pads[0] + pads[2] - 1) / dil[0] + 1), kw = min(rng.int(1...3), (w + pads[1] + pads[3] - 1) / dil[1] + 1)
        let strides = [rng.int(1...2), rng.int(1...2)]
        var attributes: [(String, JSONValue)] = []
        if group > 1 { attributes.append(("group", .int(group))) }
        let sameUpper = rng.chance(0.1)
        if sameUpper {
            attributes.append(("auto_pad", .string(rng.pick(["SAME_UPPER", "SAME_LOWER"]))))
        } else if pads != [0, 0, 0, 0] {
            attributes.append(("pads", list(pads)))
        }
        if strides != [1, 1] { attributes.append(("strides", list(strides))) }
        if dil != [1, 1] { attributes.append(("dilations", list(dil))) }
        if rng.chance(0.3) { attributes.append(("kernel_shape", list([kh, kw]))) }
        var ins = [x.name, constant([m, c / group, kh, kw])]
        if rng.chance(0.7) { ins.append(constant([m])) }
        let effH = (kh - 1) * dil[0] + 1, effW = (kw - 1) * dil[1] + 1
        let oh = sameUpper ? (h + strides[0] - 1) / strides[0] : (h + pads[0] + pads[2] - effH) / strides[0] + 1
        let ow = sameUpper ? (w + strides[1] - 1) / strides[1] : (w + pads[1] + pads[3] - effW) / strides[1] + 1
        let out = [n, m, oh, ow]
        var y = node("Conv", ins, attributes, shapes: [out])[0]
        if rng.chance(0.4) { y = node(rng.pick(["Relu", "Clip", "Sigmoid", "LeakyRelu"]), [y], shapes: [out])[0] }
        return (y, out)
    }

    private mutating func pool(_ x: (name: String, shape: [Int])) -> (name: String, shape: [Int]) {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let kh = rng.int(1...min(3, h)), kw = rng.int(1...min(3, w))
        let strides = [rng.int(1...2), rng.int(1...2)]
        let pads = kh > 1 && kw > 1 && rng.chance(0.3) ? [1, 1, 1, 1] : [0, 0, 0, 0]
        let op = rng.pick(["MaxPool", "AveragePool"])
        var attributes: [(String, JSONValue)] = [("kernel_shape", list([kh, kw])), ("strides", list(strides))]
        if pads != [0, 0, 0, 0] { attributes.append(("pads", list(pads))) }
        if op == "AveragePool" && rng.chance(0.3) { attributes.append(("count_include_pad", .int(1))) }
        let oh = (h + pads[0] + pads[2] - kh) / strides[0] + 1, ow = (w + pads[1] + pads[3] - kw) / strides[1] + 1
        let out = [n, c, oh, ow]
        return (node(op, [x.name], attributes, shapes: [out])[0], out)
    }

    private mutating func activation(_ x: (name: String, shape: [Int])) -> (name: String, shape: [Int]) {
        let op = rng.pick(["Relu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "LeakyRelu", "Abs", "Neg", "Exp", "Log",
                           "Sqrt", "Reciprocal", "Elu", "Selu", "Softplus", "Softsign", "Erf", "Floor", "Ceil", "Gelu", "Identity", "Dropout"])
        var attributes: [(String, JSONValue)] = []
        var ins = [x.name]
        switch op {
        case "Clip":
            if rng.chance(0.5) {
                attributes = [("min", .double(0)), ("max", .double(6))]
            } else {
                ins += [constant([], [0]), constant([], [6])]
            }
        case "LeakyRelu", "Elu": attributes = [("alpha", .double(0.1))]
        case "HardSigmoid": attributes = [("alpha", .double(0.2)), ("beta", .double(0.5))]
        case "Gelu" where rng.chance(0.5): attributes = [("approximate", .string("tanh"))]
        default: break
        }
        return (node(op, ins, attributes, shapes: [x.shape])[0], x.shape)
    }

    private mutating func binary(_ x: (name: String, shape: [Int])) -> (name: String, shape: [Int]) {
        let op = rng.pick(["Add", "Sub", "Mul", "Div", "Max", "Min", "Pow", "PRelu", "Add", "Mul"])
        let s = x.shape
        let other: String
        if op != "PRelu", rng.chance(0.4), let same = tensors.last(where: { $0.shape == s && $0.name != x.name }) {
            other = same.name
        } else if s.count == 4 && rng.chance(0.6) {
            other = constant([s[1], 1, 1])
        } else {
            other = constant(rng.chance(0.5) ? [s[s.count - 1]] : [1])
        }
        let ins = rng.chance(0.5) || op == "PRelu" ? [x.name, other] : [other, x.name]
        return (node(op, ins, shapes: [s])[0], s)
    }

    private mutating func batchNorm(_ x: (name: String, shape: [Int])) -> (name: String, shape: [Int]) {
        let c = x.shape[1]
        let ins = [x.name, constant([c]), constant([c]), constant([c]), constant([c], (0..<c).map { _ in rng.float(0.5, 2) })]
        return (node("BatchNormalization", ins, [("epsilon", .double(1e-5))], shapes: [x.shape])[0], x.shape)
    }

    private mutating func concat(_ x: (name: String, shape: [Int])) -> (name: String, shape: [Int]) {
        let axis = rng.int(0..<x.shape.count)
        let others = tensors.filter { t in t.shape.count == x.shape.count && t.shape.indices.allSatisfy { $0 == axis || t.shape[$0] == x.shape[$0] } }
        let second = rng.chance(0.7) ? rng.pick(others).name : x.name
        let secondShape = tensors.first { $0.name == second }!.shape
        var out = x.shape
        out[axis] += secondShape[axis]
        return (node("Concat", [x.name, second], [("axis", .int(rng.chance(0.5) ? axis : axis - x.shape.count))], shapes: [out])[0], out)
    }

    private mutating func split(_ x: (name: String, shape: [Int])) -> (name: String, shape: [Int]) {
        let axis = x.shape.indices.first { x.shape[$0] >= 2 } ?? 1
        let size = x.shape[axis]
        guard size >= 2 else { return activation(x) }
        let first = rng.int(1...(size - 1))
        var a = x.shape, b = x.shape
        a[axis] = first
        b[axis] = size - first
        var ins = [x.name]
        var attributes: [(String, JSONValue)] = [("axis", .int(axis))]
        if rng.chance(0.5) { ins.append(ints([first, size - first])) } else { attributes.append(("split", list([first, size - first]))) }
        let outs = node("Split", ins, attributes, outputs: 2, shapes: [a, b])
        return rng.chance(0.5) ? (outs[0], a) : (outs[1], b)
    }

    private mutating func slice(_ x: (name: String, shape: [Int])) -> (name: String, shape: [Int]) {
        let axis = rng.int(0..<x.shape.count)
        let size = x.shape[axis]
        let start = rng.int(0...(size - 1))
        let end = rng.chance(0.2) ? Int.max : rng.int((start + 1)...size)
        var out = x.shape
        out[axis] = min(end, size) - start
        let ins = [x.name, ints([start]), ints([end]), ints([axis])]
        return (node("Slice", ins, shapes: [out])[0], out)
    }

    private mutating func pad(_ x: (name: String, shape: [Int])) -> (name: String, shape: [Int]) {
        let p = (0..<8).map { $0 % 4 >= 2 ? rng.int(0...2) : 0 }
        let out = (0..<4).map { x.shape[$0] + p[$0] + p[$0 + 4] }
        var ins = [x.name, ints(p)]
        if rng.chance(0.5) { ins.append(constant([], [rng.float()])) }
        return (node("Pad", ins, [("mode", .string("constant"))], shapes: [out])[0], out)
    }

    private mutating func resize(_ x: (name: String, shape: [Int])) -> (name: String, shape: [Int]) {
        let s = x.shape
        let factor = s[2] >= 2 && s[3] >= 2 ? rng.pick([2.0, 1.0, 0.5]) : rng.pick([2.0, 3.0])
        let out = [s[0], s[1], Int(Double(s[2]) * factor), Int(Double(s[3]) * factor)]
        let ins = rng.chance(0.5) ? [x.name, "", constant([4], [1, 1, factor, factor])] : [x.name, "", "", ints(out)]
        let mode = rng.pick(["asymmetric", "half_pixel", "align_corners", "pytorch_half_pixel"])
        return (node("Resize", ins, [("mode", .string("nearest")), ("coordinate_transformation_mode", .string(mode))], shapes: [out])[0], out)
    }

    private mutating func transpose(_ x: (name: String, shape: [Int])) -> (name: String, shape: [Int]) {
        let perm = rng.pick([[0, 2, 3, 1], [0, 3, 1, 2], [0, 1, 3, 2], [1, 0, 2, 3]])
        let out = perm.map { x.shape[$0] }
        return (node("Transpose", [x.name], [("perm", list(perm))], shapes: [out])[0], out)
    }

    private mutating func reduce(_ x: (name: String, shape: [Int])) -> (name: String, shape: [Int]) {
        let op = rng.pick(["ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin"])
        let axis = rng.int(0..<x.shape.count)
        var out = x.shape
        out[axis] = 1
        let ins = op == "ReduceSum" && rng.chance(0.5) ? [x.name, ints([axis])] : [x.name]
        let attributes: [(String, JSONValue)] = ins.count == 2 ? [] : [("axes", list([axis]))]
        return (node(op, ins, attributes, shapes: [out])[0], out)
    }

    private mutating func flatten(_ x: (name: String, shape: [Int])) -> (name: String, shape: [Int]) {
        let s = x.shape
        let out = [s[0], s[1...].reduce(1, *)]
        if rng.chance(0.5) { return (node("Flatten", [x.name], [("axis", .int(1))], shapes: [out])[0], out) }
        return (node("Reshape", [x.name, ints([s[0], -1])], shapes: [out])[0], out)
    }

    private mutating func gemm(_ x: (name: String, shape: [Int])) -> (name: String, shape: [Int]) {
        let (m, k) = (x.shape[0], x.shape[1])
        let n = rng.int(1...10)
        let transB = rng.chance(0.5)
        var ins = [x.name, constant(transB ? [n, k] : [k, n])]
        if rng.chance(0.7) { ins.append(constant(rng.chance(0.7) ? [n] : [1, n])) }
        var attributes: [(String, JSONValue)] = transB ? [("transB", .int(1))] : []
        if rng.chance(0.2) { attributes.append(("alpha", .double(0.5))) }
        let out = [m, n]
        var y = node("Gemm", ins, attributes, shapes: [out])[0]
        if rng.chance(0.4) { y = node("Relu", [y], shapes: [out])[0] }
        return (y, out)
    }

    private mutating func matMul(_ x: (name: String, shape: [Int])) -> (name: String, shape: [Int]) {
        let k = x.shape[1], n = rng.int(1...8)
        let out = [x.shape[0], n]
        return (node("MatMul", [x.name, constant([k, n])], shapes: [out])[0], out)
    }

    private mutating func viewChange(_ x: (name: String, shape: [Int])) -> (name: String, shape: [Int]) {
        let s = x.shape
        if rng.chance(0.5) {
            let out = [s[0], 1, s[1]]
            let u = node("Unsqueeze", [x.name], [("axes", list([1]))], shapes: [out])[0]
            return (node("Squeeze", [u, ints([1])], shapes: [s])[0], s)
        }
        return (node("Reshape", [x.name, ints([s[0], -1])], shapes: [s])[0], s)
    }
}
