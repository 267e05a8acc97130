import Foundation
import Tessera

/// Writes model JSON as an ONNX model at a given opset, varying what exporters vary:
/// constants as initializers (sometimes also listed as graph inputs) or Constant nodes,
/// raw or typed tensor data, a symbolic batch dimension, Reshape targets computed by a
/// Shape -> Gather -> Unsqueeze -> Concat chain, and the older opsets' forms of Pad, Slice,
/// Clip and Resize/Upsample.
public enum ONNXEncoder {
    public static func encode(_ model: JSONValue, opset: Int, _ rng: inout FuzzRandom) -> ProtoMessage {
        var constants: [String: (shape: [Int], dtype: String, values: [Double], raw: [UInt8]?)] = [:]
        for c in model["constants"]?.array ?? [] {
            guard let name = c["name"]?.string else { continue }
            let shape = c["shape"]?.array?.compactMap { v -> Int? in if case let .int(i) = v { return i } else { return nil } } ?? []
            let dtype = c["dtype"]?.string ?? "float32"
            let values = c["data"]?.array?.compactMap(\.number) ?? []
            let raw = c["data_base64"]?.string.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
            constants[name] = (shape, dtype, values, raw)
        }
        var graph = ProtoMessage("Graph")
        graph.string(ONNXSchema.Graph.name, model["name"]?.string ?? "g")
        var prelude: [ProtoMessage] = []  // Constant nodes and shape chains, before the nodes
        let asNodes = rng.chance(0.25), alsoInputs = rng.chance(0.15)
        for c in model["constants"]?.array ?? [] {
            guard let name = c["name"]?.string, let k = constants[name] else { continue }
            let t = tensor(name, k.shape, k.dtype, k.values, k.raw, &rng)
            if asNodes && k.raw == nil {
                var n = ProtoMessage("Node")
                n.string(ONNXSchema.Node.output, name)
                n.string(ONNXSchema.Node.opType, "Constant")
                n.message(ONNXSchema.Node.attribute, attribute("value", tensor: t))
                prelude.append(n)
            } else {
                graph.message(ONNXSchema.Graph.initializer, t)
                if alsoInputs { graph.message(ONNXSchema.Graph.input, valueInfo(name, k.shape, elemType: k.dtype == "int64" ? 7 : 1, symbolicBatch: false)) }
            }
        }
        let symbolic = rng.chance(0.2)
        for input in model["inputs"]?.array ?? [] {
            let shape = input["shape"]?.array?.compactMap { v -> Int? in if case let .int(i) = v { return i } else { return nil } } ?? []
            graph.message(ONNXSchema.Graph.input, valueInfo(input["name"]?.string ?? "", shape, elemType: 1, symbolicBatch: symbolic))
        }
        var counter = 0
        for n in model["nodes"]?.array ?? [] {
            var op = n["op"]?.string ?? ""
            var ins = n["inputs"]?.array?.compactMap(\.string) ?? []
            let outs = n["outputs"]?.array?.compactMap(\.string) ?? []
            var attrs = n["attributes"]?.members ?? []
            func values(_ i: Int) -> [Double]? { i < ins.count ? constants[ins[i]]?.values : nil }
            // The older opsets' forms.
            if op == "Pad" && opset < 11, let pads = values(1) {
                attrs.append(("pads", .array(pads.map { .int(clampedInt($0)) })))
                if let v = values(2)?.first { attrs.append(("value", .double(v))) }
                ins = [ins[0]]
            } else if op == "Slice" && opset < 10, let starts = values(1), let ends = values(2), values(4).map({ $0.allSatisfy { $0 == 1 } }) ?? true {
                attrs += [("starts", .array(starts.map { .int(clampedInt($0)) })), ("ends", .array(ends.map { .int(clampedInt($0)) }))]
                if let axes = values(3) { attrs.append(("axes", .array(axes.map { .int(clampedInt($0)) }))) }
                ins = [ins[0]]
            } else if op == "Clip" && opset < 11 && ins.count > 1 {
                if let lo = values(1)?.first { attrs.append(("min", .double(lo))) }
                if let hi = values(2)?.first { attrs.append(("max", .double(hi))) }
                ins = [ins[0]]
            } else if op == "Resize" && opset < 11 && ins.count >= 3 && !ins[2].isEmpty {
                ins = [ins[0], ins[2]]
                attrs = [("mode", .string("nearest"))]
                if opset < 10 { op = "Upsample" }
                if opset < 9, let scales = values(1) {
                    attrs.append(("scales", .array(scales.map { .double($0) })))
                    ins = [ins[0]]
                }
            } else if op == "Reshape" && ins.count == 2, let target = values(1), target.count == 2, target[1] == -1, rng.chance(0.5) {
                // The batch taken from the input's shape, as exporters write it.
                counter += 1
                let p = "shape_chain\(counter)_"
                let index = p + "index", shape = p + "shape", dim = p + "dim", dims = p + "dims", rest = p + "rest", target = p + "target"
                graph.message(ONNXSchema.Graph.initializer, tensor(index, [], "int64", [0], nil, &rng))
                graph.message(ONNXSchema.Graph.initializer, tensor(rest, [1], "int64", [-1], nil, &rng))
                prelude.append(node("Shape", [ins[0]], [shape], [], opset: opset))
                prelude.append(node("Gather", [shape, index], [dim], [("axis", .int(0))], opset: opset))
                if opset >= 13 {
                    let axes = p + "axes"
                    graph.message(ONNXSchema.Graph.initializer, tensor(axes, [1], "int64", [0], nil, &rng))
                    prelude.append(node("Unsqueeze", [dim, axes], [dims], [], opset: opset))
                } else {
                    prelude.append(node("Unsqueeze", [dim], [dims], [("axes", .array([.int(0)]))], opset: opset))
                }
                prelude.append(node("Concat", [dims, rest], [target], [("axis", .int(0))], opset: opset))
                ins[1] = target
            }
            prelude.append(node(op, ins, outs, attrs, opset: opset, name: n["name"]?.string ?? ""))
        }
        for n in prelude { graph.message(ONNXSchema.Graph.node, n) }
        for output in model["outputs"]?.array ?? [] {
            var v = ProtoMessage("ValueInfo")
            v.string(ONNXSchema.ValueInfo.name, output["name"]?.string ?? "")
            graph.message(ONNXSchema.Graph.output, v)
        }
        var m = ProtoMessage("Model")
        m.int(ONNXSchema.Model.irVersion, opset >= 13 ? 8 : 6)
        m.string(ONNXSchema.Model.producerName, "tessera-fuzz")
        m.message(ONNXSchema.Model.graph, graph)
        var o = ProtoMessage("OperatorSetId")
        o.int(ONNXSchema.OperatorSetId.version, Int64(opset))
        m.message(ONNXSchema.Model.opsetImport, o)
        if rng.chance(0.1) {
            var other = ProtoMessage("OperatorSetId")
            other.string(ONNXSchema.OperatorSetId.domain, "com.microsoft")
            other.int(ONNXSchema.OperatorSetId.version, 1)
            m.message(ONNXSchema.Model.opsetImport, other)
        }
        return m
    }

    static func node(_ op: String, _ ins: [String], _ outs: [String], _ attrs: [(String, JSONValue)], opset: Int,
                     name: String = "") -> ProtoMessage {
        var n = ProtoMessage("Node")
        for i in ins { n.string(ONNXSchema.Node.input, i) }
        for o in outs { n.string(ONNXSchema.Node.output, o) }
        if !name.isEmpty { n.string(ONNXSchema.Node.name, name) }
        n.string(ONNXSchema.Node.opType, op)
        let kinds = Op(rawValue: op)?.attributes ?? [:]
        for (key, value) in attrs {
            if let a = attribute(key, value, kind: kinds[key] ?? legacyKinds[key]) { n.message(ONNXSchema.Node.attribute, a) }
        }
        return n
    }

    /// Attribute kinds of the older opsets' forms (not Tessera ops' attributes).
    static let legacyKinds: [String: AttributeKind] = ["pads": .ints, "value": .float, "starts": .ints, "ends": .ints,
                                                       "axes": .ints, "scales": .floats, "min": .float, "max": .float]

    static func attribute(_ name: String, _ value: JSONValue, kind: AttributeKind?) -> ProtoMessage? {
        var a = ProtoMessage("Attribute")
        a.string(ONNXSchema.Attribute.name, name)
        let resolved: AttributeKind
        if let kind {
            resolved = kind
        } else {
            switch value {
            case .int: resolved = .int
            case .double: resolved = .float
            case .string: resolved = .string
            case let .array(items): resolved = items.allSatisfy { if case .int = $0 { return true } else { return false } } ? .ints : .floats
            default: return nil
            }
        }
        switch resolved {
        case .int:
            a.int(ONNXSchema.Attribute.type, Int64(ONNXSchema.Attribute.int))
            a.int(ONNXSchema.Attribute.i, Int64(value.integer ?? clampedInt(value.number ?? 0)))
        case .float:
            a.int(ONNXSchema.Attribute.type, Int64(ONNXSchema.Attribute.float))
            a.float(ONNXSchema.Attribute.f, Float(value.number ?? 0))
        case .string:
            a.int(ONNXSchema.Attribute.type, Int64(ONNXSchema.Attribute.string))
            a.string(ONNXSchema.Attribute.s, value.string ?? "")
        case .ints:
            a.int(ONNXSchema.Attribute.type, Int64(ONNXSchema.Attribute.intsType))
            for v in value.array ?? [] { a.int(ONNXSchema.Attribute.ints, Int64(v.integer ?? clampedInt(v.number ?? 0))) }
        case .floats:
            a.int(ONNXSchema.Attribute.type, Int64(ONNXSchema.Attribute.floatsType))
            a.packedFloats(ONNXSchema.Attribute.floats, (value.array ?? []).map { Float($0.number ?? 0) })
        }
        return a
    }

    static func attribute(_ name: String, tensor t: ProtoMessage) -> ProtoMessage {
        var a = ProtoMessage("Attribute")
        a.string(ONNXSchema.Attribute.name, name)
        a.int(ONNXSchema.Attribute.type, Int64(ONNXSchema.Attribute.tensor))
        a.message(ONNXSchema.Attribute.t, t)
        return a
    }

    static func tensor(_ name: String, _ shape: [Int], _ dtype: String, _ values: [Double], _ raw: [UInt8]?,
                       _ rng: inout FuzzRandom) -> ProtoMessage {
        var t = ProtoMessage("Tensor")
        for d in shape { t.int(ONNXSchema.Tensor.dims, Int64(d)) }
        let type: Int = switch dtype {
        case "int64": ONNXSchema.Tensor.int64
        case "float16": ONNXSchema.Tensor.float16
        default: ONNXSchema.Tensor.float
        }
        t.int(ONNXSchema.Tensor.dataType, Int64(type))
        t.string(ONNXSchema.Tensor.name, name)
        if let raw {
            t.bytes(ONNXSchema.Tensor.rawData, raw)
        } else if type == ONNXSchema.Tensor.int64 {
            if rng.chance(0.5) {
                t.packedInts(ONNXSchema.Tensor.int64Data, values.map { Int64(exactly: $0) ?? 0 })
            } else {
                var raw: [UInt8] = []
                for v in values { withUnsafeBytes(of: (Int64(exactly: v) ?? 0).littleEndian) { raw += $0 } }
                t.bytes(ONNXSchema.Tensor.rawData, raw)
            }
        } else if type == ONNXSchema.Tensor.float16 {
            var raw: [UInt8] = []
            for v in values { withUnsafeBytes(of: Float16(Float(v)).bitPattern.littleEndian) { raw += $0 } }
            t.bytes(ONNXSchema.Tensor.rawData, raw)
        } else if rng.chance(0.5) {
            t.packedFloats(ONNXSchema.Tensor.floatData, values.map { Float($0) })
        } else {
            var raw: [UInt8] = []
            for v in values { withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { raw += $0 } }
            t.bytes(ONNXSchema.Tensor.rawData, raw)
        }
        return t
    }

    static func valueInfo(_ name: String, _ shape: [Int], elemType: Int, symbolicBatch: Bool) -> ProtoMessage {
        var shapeProto = ProtoMessage("Shape")
        for (i, d) in shape.enumerated() {
            var dim = ProtoMessage("Dimension")
            if i == 0 && symbolicBatch { dim.string(ONNXSchema.Dimension.param, "N") } else { dim.int(ONNXSchema.Dimension.value, Int64(d)) }
            shapeProto.message(ONNXSchema.Shape.dim, dim)
        }
        var tensorType = ProtoMessage("TensorType")
        tensorType.int(ONNXSchema.TensorType.elemType, Int64(elemType))
        tensorType.message(ONNXSchema.TensorType.shape, shapeProto)
        var type = ProtoMessage("Type")
        type.message(ONNXSchema.TypeProto.tensorType, tensorType)
        var v = ProtoMessage("ValueInfo")
        v.string(ONNXSchema.ValueInfo.name, name)
        v.message(ONNXSchema.ValueInfo.type, type)
        return v
    }
}

extension JSONValue {
    /// The value of an `.int`.
    var integer: Int? {
        if case let .int(i) = self { return i }
        return nil
    }
}

/// `d` as an Int, clamped to Int's range (NaN as 0): the fuzzer itself must never trap.
func clampedInt(_ d: Double) -> Int {
    guard !d.isNaN else { return 0 }
    if d >= 9.2e18 { return Int.max }
    if d <= -9.2e18 { return Int.min }
    return Int(d)
}
