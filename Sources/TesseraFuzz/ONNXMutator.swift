/// Structure-aware mutations of an ONNX model (its protobuf tree): opsets, graph
/// structure (deleted, duplicated, reordered and rewired nodes; dangling and empty inputs;
/// cycles; wrong input and output counts), op types, attribute values at the limits and
/// of the wrong type, tensor dims, data types, data that does not match, external data,
/// graph inputs and outputs, and fields of the wrong wire type.
public enum ONNXMutator {
    public static func mutate(_ model: ProtoMessage, _ rng: inout FuzzRandom) -> (ProtoMessage, String) {
        var m = model
        for _ in 0..<8 {
            let note: String?
            switch rng.int(0..<13) {
            case 0: note = mutateOpset(&m, &rng)
            case 1, 2: note = mutateNodeList(&m, &rng)
            case 3, 4: note = mutateNodeFields(&m, &rng)
            case 5, 6, 7: note = mutateAttribute(&m, &rng)
            case 8, 9: note = mutateTensor(&m, &rng)
            case 10: note = mutateValueInfo(&m, &rng)
            case 11: note = mutateGraphLists(&m, &rng)
            default: note = mutateWire(&m, &rng)
            }
            if let note { return (m, note) }
        }
        return (m, "no mutation applied")
    }

    static let opTypes = ["Conv", "Relu", "Add", "Sum", "Max", "Min", "Gemm", "MatMul", "Reshape", "Concat", "Split", "Slice", "Pad",
                          "Resize", "Upsample", "Shape", "Gather", "Unsqueeze", "Squeeze", "Constant", "ConstantOfShape", "Range",
                          "Expand", "Where", "Equal", "Cast", "Identity", "Dropout", "BatchNormalization", "MaxPool", "Softmax",
                          "Transpose", "Flatten", "ReduceProd", "ReduceMean", "Size", "Clip", "PRelu", "Div", "Einsum", "TopK", "", "If"]

    static func varint(_ v: Int64) -> ProtoMessage.Value { .varint(UInt64(bitPattern: v)) }

    static func interesting64(_ rng: inout FuzzRandom) -> Int64 { Int64(rng.interestingInt()) }

    /// Applies `change` to a random nested message of `type`; nil when there is none.
    static func edit(_ m: inout ProtoMessage, _ type: String, _ rng: inout FuzzRandom,
                     _ change: (inout ProtoMessage, inout FuzzRandom) -> String?) -> String? {
        let paths = m.paths(of: type)
        guard !paths.isEmpty else { return nil }
        let path = rng.pick(paths)
        var note: String?
        var local = rng
        m.update(path) { note = change(&$0, &local) }
        rng = local
        return note.map { "\(type.lowercased()) \(path): \($0)" }
    }

    /// The indices of the fields `number` of `m`.
    static func indices(_ m: ProtoMessage, _ number: Int) -> [Int] { m.fields.indices.filter { m.fields[$0].number == number } }

    static func mutateOpset(_ m: inout ProtoMessage, _ rng: inout FuzzRandom) -> String? {
        if rng.chance(0.15) {
            m.fields.removeAll { $0.number == ONNXSchema.Model.opsetImport }
            return "no opset_import"
        }
        return edit(&m, "OperatorSetId", &rng) { o, rng in
            let v = rng.pick([0, 1, 5, 6, 7, 8, 9, 10, 11, 12, 13, 17, 18, 21, 22, 1000, -1, Int64.max, Int64.min])
            o.fields.removeAll { $0.number == ONNXSchema.OperatorSetId.version }
            o.int(ONNXSchema.OperatorSetId.version, v)
            if rng.chance(0.2) { o.string(ONNXSchema.OperatorSetId.domain, rng.pick(["ai.onnx", "com.microsoft", "ai.onnx.ml"])) }
            return "opset \(v)"
        }
    }

    static func mutateNodeList(_ m: inout ProtoMessage, _ rng: inout FuzzRandom) -> String? {
        edit(&m, "Graph", &rng) { g, rng in
            let nodes = indices(g, ONNXSchema.Graph.node)
            guard !nodes.isEmpty else { return nil }
            let i = rng.pick(nodes), j = rng.pick(nodes)
            switch rng.int(0..<4) {
            case 0:
                g.fields.remove(at: i)
                return "node field \(i) deleted"
            case 1:
                g.fields.insert(g.fields[i], at: j)
                return "node field \(i) duplicated"
            case 2:
                g.fields.swapAt(i, j)
                return "node fields \(i) and \(j) swapped"
            default:
                let reversed = Array(nodes.map { g.fields[$0] }.reversed())
                for (k, index) in nodes.enumerated() { g.fields[index] = reversed[k] }
                return "nodes reversed"
            }
        }
    }

    /// Every tensor name in the model, for rewiring.
    static func tensorNames(_ m: ProtoMessage) -> [String] {
        var names: [String] = []
        for path in m.paths(of: "Node") {
            if let n = m.at(path) { names += n.strings(ONNXSchema.Node.output) }
        }
        for path in m.paths(of: "ValueInfo") + m.paths(of: "Tensor") {
            if let v = m.at(path), let name = v.string(1) ?? v.string(ONNXSchema.Tensor.name) { names.append(name) }
        }
        return names.isEmpty ? ["x"] : names
    }

    static func mutateNodeFields(_ m: inout ProtoMessage, _ rng: inout FuzzRandom) -> String? {
        let names = tensorNames(m)
        return edit(&m, "Node", &rng) { n, rng in
            let ins = indices(n, ONNXSchema.Node.input), outs = indices(n, ONNXSchema.Node.output)
            switch rng.int(0..<8) {
            case 0:
                let op = rng.pick(opTypes)
                n.fields.removeAll { $0.number == ONNXSchema.Node.opType }
                n.string(ONNXSchema.Node.opType, op)
                return "op_type \(op)"
            case 1 where !ins.isEmpty:
                n.fields.remove(at: rng.pick(ins))
                return "an input removed"
            case 2:
                n.string(ONNXSchema.Node.input, rng.chance(0.7) ? rng.pick(names) : "")
                return "an input added"
            case 3 where !ins.isEmpty:
                let target = rng.pick(names + ["nothing", ""])
                n.fields[rng.pick(ins)].value = .bytes(Array(target.utf8))
                return "an input reads \"\(target)\""
            case 4 where !outs.isEmpty:
                let target = rng.chance(0.5) ? rng.pick(names) : rng.interestingName()
                n.fields[rng.pick(outs)].value = .bytes(Array(target.utf8))
                return "an output named \"\(target.prefix(20))\""
            case 5:
                if !outs.isEmpty && rng.chance(0.5) {
                    n.fields.remove(at: rng.pick(outs))
                    return "an output removed"
                }
                n.string(ONNXSchema.Node.output, rng.chance(0.5) ? "" : "extra")
                return "an output added"
            case 6:
                n.fields.removeAll { $0.number == ONNXSchema.Node.name }
                n.string(ONNXSchema.Node.name, rng.chance(0.5) ? rng.interestingName() : rng.pick(names))
                return "name"
            default:
                n.string(ONNXSchema.Node.domain, rng.pick(["", "ai.onnx", "com.microsoft", "custom"]))
                return "domain"
            }
        }
    }

    static let attributeNames = ["strides", "pads", "dilations", "kernel_shape", "group", "axis", "axes", "perm", "transA", "transB",
                                 "split", "keepdims", "ceil_mode", "auto_pad", "mode", "alpha", "beta", "epsilon", "starts", "ends",
                                 "to", "value_int", "value_ints", "value_float", "broadcast", "num_outputs", "allowzero", "start", "end"]

    static func mutateAttribute(_ m: inout ProtoMessage, _ rng: inout FuzzRandom) -> String? {
        if rng.chance(0.2) {
            return edit(&m, "Node", &rng) { n, rng in
                var a = ProtoMessage("Attribute")
                let name = rng.pick(attributeNames)
                a.string(ONNXSchema.Attribute.name, name)
                if rng.chance(0.5) {
                    a.int(ONNXSchema.Attribute.type, Int64(ONNXSchema.Attribute.intsType))
                    for _ in 0..<rng.int(0...6) { a.int(ONNXSchema.Attribute.ints, interesting64(&rng)) }
                } else {
                    a.int(ONNXSchema.Attribute.type, Int64(ONNXSchema.Attribute.int))
                    a.int(ONNXSchema.Attribute.i, interesting64(&rng))
                }
                n.message(ONNXSchema.Node.attribute, a)
                return "attribute \(name) added"
            }
        }
        return edit(&m, "Attribute", &rng) { a, rng in
            let ints = indices(a, ONNXSchema.Attribute.ints)
            switch rng.int(0..<6) {
            case 0 where !ints.isEmpty:
                let v = interesting64(&rng)
                a.fields[rng.pick(ints)].value = varint(v)
                return "an ints value \(v)"
            case 1, 2:
                let v = interesting64(&rng)
                a.fields.removeAll { $0.number == ONNXSchema.Attribute.i }
                a.int(ONNXSchema.Attribute.i, v)
                return "i = \(v)"
            case 3:
                let f = Float(rng.pick(FuzzRandom.interestingDoubles))
                a.fields.removeAll { $0.number == ONNXSchema.Attribute.f || $0.number == ONNXSchema.Attribute.floats }
                if rng.chance(0.5) { a.float(ONNXSchema.Attribute.f, f) } else { a.packedFloats(ONNXSchema.Attribute.floats, [f, 1]) }
                return "f = \(f)"
            case 4:
                let t = rng.int(0...14)
                a.fields.removeAll { $0.number == ONNXSchema.Attribute.type }
                a.int(ONNXSchema.Attribute.type, Int64(t))
                return "type \(t)"
            default:
                a.fields.removeAll { $0.number == ONNXSchema.Attribute.ints }
                let count = rng.int(0...9)
                for _ in 0..<count { a.int(ONNXSchema.Attribute.ints, rng.chance(0.5) ? Int64(rng.int(0...3)) : interesting64(&rng)) }
                return "\(count) ints"
            }
        }
    }

    static func mutateTensor(_ m: inout ProtoMessage, _ rng: inout FuzzRandom) -> String? {
        edit(&m, "Tensor", &rng) { t, rng in
            let dims = indices(t, ONNXSchema.Tensor.dims)
            switch rng.int(0..<7) {
            case 0 where !dims.isEmpty:
                let v = interesting64(&rng)
                t.fields[rng.pick(dims)].value = varint(v)
                return "a dim \(v)"
            case 1:
                if !dims.isEmpty && rng.chance(0.5) {
                    t.fields.remove(at: rng.pick(dims))
                    return "a dim removed"
                }
                t.fields.insert(ProtoMessage.Field(number: ONNXSchema.Tensor.dims, value: varint(Int64(rng.int(0...3)))), at: 0)
                return "a dim added"
            case 2:
                let type = rng.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 100, -1])
                t.fields.removeAll { $0.number == ONNXSchema.Tensor.dataType }
                t.int(ONNXSchema.Tensor.dataType, Int64(type))
                return "data_type \(type)"
            case 3:
                for i in t.fields.indices where t.fields[i].number == ONNXSchema.Tensor.rawData {
                    if case let .bytes(b) = t.fields[i].value {
                        t.fields[i].value = .bytes(rng.chance(0.5) ? Array(b.prefix(rng.int(0...b.count))) : b + b)
                        return "raw_data resized"
                    }
                }
                return nil
            case 4:
                t.fields.removeAll { $0.number == ONNXSchema.Tensor.rawData || $0.number == ONNXSchema.Tensor.floatData || $0.number == ONNXSchema.Tensor.int64Data }
                return "no data"
            case 5:
                t.fields.removeAll { $0.number == ONNXSchema.Tensor.dataLocation }
                t.int(ONNXSchema.Tensor.dataLocation, 1)
                var entries: [(String, String)] = [("location", rng.pick(["missing.bin", "../x.bin", "/etc/hostname", "", "current.onnx", "."]))]
                if rng.chance(0.5) { entries.append(("offset", rng.pick(["0", "-1", "99999999999", "x", "18446744073709551615"]))) }
                if rng.chance(0.5) { entries.append(("length", rng.pick(["0", "4", "-4", "9223372036854775807", "1e3"]))) }
                for (k, v) in entries {
                    var e = ProtoMessage("StringStringEntry")
                    e.string(ONNXSchema.Entry.key, k)
                    e.string(ONNXSchema.Entry.value, v)
                    t.message(ONNXSchema.Tensor.externalData, e)
                }
                return "external data \(entries)"
            default:
                t.fields.removeAll { $0.number == ONNXSchema.Tensor.name }
                t.string(ONNXSchema.Tensor.name, rng.chance(0.5) ? "" : rng.interestingName())
                return "name"
            }
        }
    }

    static func mutateValueInfo(_ m: inout ProtoMessage, _ rng: inout FuzzRandom) -> String? {
        switch rng.int(0..<4) {
        case 0:
            return edit(&m, "Dimension", &rng) { d, rng in
                d.fields = []
                if rng.chance(0.7) {
                    let v = interesting64(&rng)
                    d.int(ONNXSchema.Dimension.value, v)
                    return "dim_value \(v)"
                }
                d.string(ONNXSchema.Dimension.param, rng.pick(["N", "", "batch"]))
                return "dim_param"
            }
        case 1:
            return edit(&m, "TensorType", &rng) { t, rng in
                let type = rng.pick([0, 1, 6, 7, 10, 11, 100])
                t.fields.removeAll { $0.number == ONNXSchema.TensorType.elemType }
                t.int(ONNXSchema.TensorType.elemType, Int64(type))
                return "elem_type \(type)"
            }
        case 2:
            return edit(&m, "Shape", &rng) { s, rng in
                let n = rng.pick([0, 1, 3, 9, 12])
                s.fields = (0..<n).map { _ in
                    var d = ProtoMessage("Dimension")
                    d.int(ONNXSchema.Dimension.value, Int64(rng.int(1...3)))
                    return ProtoMessage.Field(number: ONNXSchema.Shape.dim, value: .message(d))
                }
                return "rank \(n)"
            }
        default:
            return edit(&m, "ValueInfo", &rng) { v, rng in
                if rng.chance(0.3) {
                    v.fields.removeAll { $0.number == ONNXSchema.ValueInfo.type }
                    return "no type"
                }
                v.fields.removeAll { $0.number == ONNXSchema.ValueInfo.name }
                v.string(ONNXSchema.ValueInfo.name, rng.chance(0.5) ? "" : rng.interestingName())
                return "name"
            }
        }
    }

    static func mutateGraphLists(_ m: inout ProtoMessage, _ rng: inout FuzzRandom) -> String? {
        edit(&m, "Graph", &rng) { g, rng in
            let number = rng.pick([ONNXSchema.Graph.initializer, ONNXSchema.Graph.input, ONNXSchema.Graph.output])
            let items = indices(g, number)
            if !items.isEmpty && rng.chance(0.6) {
                let i = rng.pick(items)
                if rng.chance(0.5) {
                    g.fields.remove(at: i)
                    return "field \(number) item removed"
                }
                g.fields.append(g.fields[i])
                return "field \(number) item duplicated"
            }
            var v = ProtoMessage("ValueInfo")
            v.string(ONNXSchema.ValueInfo.name, rng.pick(["nothing", "x", ""]))
            g.message(ONNXSchema.Graph.output, v)
            return "an output added"
        }
    }

    /// A field of a random message replaced by a value of a random wire type.
    static func mutateWire(_ m: inout ProtoMessage, _ rng: inout FuzzRandom) -> String? {
        let type = rng.pick(["Model", "Graph", "Node", "Attribute", "Tensor", "ValueInfo", "OperatorSetId"])
        return edit(&m, type, &rng) { msg, rng in
            guard !msg.fields.isEmpty else { return nil }
            let i = rng.int(0..<msg.fields.count)
            let value: ProtoMessage.Value = switch rng.int(0..<4) {
            case 0: varint(interesting64(&rng))
            case 1: .fixed32(UInt32(truncatingIfNeeded: rng.next()))
            case 2: .fixed64(rng.next())
            default: .bytes((0..<rng.int(0...12)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            }
            msg.fields[i].value = value
            return "field \(msg.fields[i].number) rewritten"
        }
    }
}
