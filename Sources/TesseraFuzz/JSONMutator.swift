import Tessera

/// Structure-aware mutations of model JSON: they know nodes, attributes (with the kinds
/// each op declares), constants, inputs and outputs, and break one thing at a time —
/// values at the limits of integer arithmetic, wrong types, names, graph structure
/// (dangling inputs, cycles, duplicates, deleted or reordered nodes, wrong input counts),
/// shapes and dtypes. `mutateText` does the byte-level ones.
public enum JSONMutator {
    /// One mutation of `model`; the second value says what it did.
    public static func mutate(_ model: JSONValue, _ rng: inout FuzzRandom) -> (JSONValue, String) {
        var m = model
        for _ in 0..<8 {  // a mutation that finds nothing to change is retried
            let choice = rng.int(0..<14)
            let note: String?
            switch choice {
            case 0, 1: note = mutateAttribute(&m, &rng)
            case 2: note = rewireInput(&m, &rng)
            case 3: note = changeInputCount(&m, &rng)
            case 4: note = changeOutputs(&m, &rng)
            case 5: note = reshapeNodeList(&m, &rng)
            case 6: note = changeOp(&m, &rng)
            case 7, 8: note = mutateConstant(&m, &rng)
            case 9: note = mutateGraphInput(&m, &rng)
            case 10: note = mutateGraphOutputs(&m, &rng)
            case 11: note = renameSomething(&m, &rng)
            case 12: note = mutateTopLevel(&m, &rng)
            default: note = extremeShapeOperand(&m, &rng)
            }
            if let note { return (m, note) }
        }
        return (m, "no mutation applied")
    }

    /// Byte-level damage to serialized text or protobuf: flips, truncation, insertion,
    /// deletion, duplication of a chunk.
    public static func mutateBytes(_ bytes: [UInt8], _ rng: inout FuzzRandom) -> ([UInt8], String) {
        var b = bytes
        guard !b.isEmpty else { return ([rng.pick([0x00, 0x7B, 0x08, 0xFF])], "one byte") }
        switch rng.int(0..<5) {
        case 0:
            let n = rng.int(1...4)
            for _ in 0..<n {
                let i = rng.int(0..<b.count)
                b[i] ^= UInt8(1 << rng.int(0...7))
            }
            return (b, "flipped \(n) bit(s)")
        case 1:
            let keep = rng.int(0..<b.count)
            return (Array(b[..<keep]), "truncated to \(keep) of \(bytes.count) bytes")
        case 2:
            let i = rng.int(0...b.count)
            let junk = (0..<rng.int(1...8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            b.insert(contentsOf: junk, at: i)
            return (b, "inserted \(junk.count) random bytes at \(i)")
        case 3:
            let i = rng.int(0..<b.count), n = min(rng.int(1...16), b.count - i)
            b.removeSubrange(i..<(i + n))
            return (b, "deleted \(n) bytes at \(i)")
        default:
            let i = rng.int(0..<b.count), n = min(rng.int(1...64), b.count - i)
            b.insert(contentsOf: b[i..<(i + n)], at: i)
            return (b, "duplicated \(n) bytes at \(i)")
        }
    }

    // MARK: Values

    static let strings = ["NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER", "constant", "reflect", "edge", "nearest", "linear", "cubic",
                          "half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel", "tf_half_pixel_for_nn", "tf_crop_and_resize",
                          "round_prefer_floor", "round_prefer_ceil", "floor", "ceil", "tanh", "none", "NHWC", "NCHW", "float16",
                          "float32", "stretch", "not_larger", ""]

    static func value(of kind: AttributeKind, _ rng: inout FuzzRandom) -> JSONValue {
        switch kind {
        case .int: return .int(rng.interestingInt())
        case .float: return rng.chance(0.3) ? .int(rng.interestingInt()) : .double(rng.pick(FuzzRandom.interestingDoubles))
        case .string: return .string(rng.chance(0.9) ? rng.pick(strings) : rng.interestingName())
        case .ints: return .array((0..<rng.int(0...6)).map { _ in .int(rng.chance(0.5) ? rng.int(0...3) : rng.interestingInt()) })
        case .floats: return .array((0..<rng.int(0...5)).map { _ in .double(rng.pick(FuzzRandom.interestingDoubles)) })
        }
    }

    /// A value of the wrong kind, or no kind a model has.
    static func wrongValue(_ rng: inout FuzzRandom) -> JSONValue {
        rng.pick([.null, .bool(true), .string("2"), .double(1.5), .int(1), .array([]), .array([.string("a")]), .object([]),
                  .array([.array([.int(1)])]), .double(.infinity)])
    }

    // MARK: Pieces of the model

    static func items(_ m: JSONValue, _ key: String) -> [JSONValue] { m[key]?.array ?? [] }

    static func setItems(_ m: inout JSONValue, _ key: String, _ values: [JSONValue]) { m.set(key, .array(values)) }

    static func tensorNames(_ m: JSONValue) -> [String] {
        var names = items(m, "inputs").compactMap { $0["name"]?.string } + items(m, "constants").compactMap { $0["name"]?.string }
        for n in items(m, "nodes") { names += n["outputs"]?.array?.compactMap(\.string) ?? [] }
        return names.isEmpty ? ["x"] : names
    }

    /// Applies `change` to a random element of array `key`; nil when the array is empty.
    static func editItem(_ m: inout JSONValue, _ key: String, _ rng: inout FuzzRandom,
                         _ change: (inout JSONValue, Int, inout FuzzRandom) -> String?) -> String? {
        var list = items(m, key)
        guard !list.isEmpty else { return nil }
        let i = rng.int(0..<list.count)
        guard let note = change(&list[i], i, &rng) else { return nil }
        setItems(&m, key, list)
        return "\(key)[\(i)]: \(note)"
    }

    // MARK: Mutations

    static func mutateAttribute(_ m: inout JSONValue, _ rng: inout FuzzRandom) -> String? {
        editItem(&m, "nodes", &rng) { node, _, rng in
            let op = node["op"]?.string.flatMap { Op(rawValue: $0) }
            var attrs = node["attributes"]?.members ?? []
            let known = op.map { $0.attributes.sorted { $0.key < $1.key } } ?? []
            switch rng.int(0..<6) {
            case 0 where !attrs.isEmpty:  // an existing attribute at the limits
                let k = rng.int(0..<attrs.count)
                let kind = op?.attributes[attrs[k].0] ?? .int
                if case var .array(list) = attrs[k].1, !list.isEmpty, rng.chance(0.6) {
                    list[rng.int(0..<list.count)] = .int(rng.interestingInt())
                    attrs[k].1 = .array(list)
                } else {
                    attrs[k].1 = value(of: kind, &rng)
                }
                node.set("attributes", .object(attrs))
                return "attribute \(attrs[k].0) = \(JSONWriter.write(attrs[k].1, pretty: false))"
            case 1 where !attrs.isEmpty:
                let k = rng.int(0..<attrs.count)
                attrs[k].1 = wrongValue(&rng)
                node.set("attributes", .object(attrs))
                return "attribute \(attrs[k].0) of the wrong kind"
            case 2 where !attrs.isEmpty:
                let k = rng.int(0..<attrs.count)
                let key = attrs.remove(at: k).0
                node.set("attributes", .object(attrs))
                return "attribute \(key) removed"
            case 3 where !known.isEmpty, 4 where !known.isEmpty:  // a declared attribute, set anew
                let (key, kind) = rng.pick(known)
                let v = value(of: kind, &rng)
                attrs.removeAll { $0.0 == key }
                attrs.append((key, v))
                node.set("attributes", .object(attrs))
                return "attribute \(key) = \(JSONWriter.write(v, pretty: false))"
            case 5:
                let key = rng.pick(["stride", "data_layout", "fused_activation", "fused_alpha", "axis", "perm", ""])
                attrs.append((key, rng.chance(0.5) ? .string("NHWC") : .int(rng.interestingInt())))
                node.set("attributes", .object(attrs))
                return "attribute \(key) added"
            default:
                return nil
            }
        }
    }

    static func rewireInput(_ m: inout JSONValue, _ rng: inout FuzzRandom) -> String? {
        let nodes = items(m, "nodes")
        let names = tensorNames(m)
        return editItem(&m, "nodes", &rng) { node, i, rng in
            guard var ins = node["inputs"]?.array, !ins.isEmpty else { return nil }
            let k = rng.int(0..<ins.count)
            let later = nodes[i...].flatMap { $0["outputs"]?.array?.compactMap(\.string) ?? [] }
            let target: String
            switch rng.int(0..<5) {
            case 0: target = rng.pick(names)
            case 1: target = "nothing"
            case 2: target = ""
            default: target = later.isEmpty ? "nothing" : rng.pick(later)  // a cycle or a self loop
            }
            ins[k] = .string(target)
            node.set("inputs", .array(ins))
            return "input \(k) reads \"\(target)\""
        }
    }

    static func changeInputCount(_ m: inout JSONValue, _ rng: inout FuzzRandom) -> String? {
        let names = tensorNames(m)
        return editItem(&m, "nodes", &rng) { node, _, rng in
            var ins = node["inputs"]?.array ?? []
            if !ins.isEmpty && rng.chance(0.5) {
                ins.removeLast(rng.int(1...ins.count))
            } else {
                for _ in 0..<rng.int(1...3) { ins.append(.string(rng.chance(0.7) ? rng.pick(names) : "")) }
            }
            node.set("inputs", .array(ins))
            return "now \(ins.count) inputs"
        }
    }

    static func changeOutputs(_ m: inout JSONValue, _ rng: inout FuzzRandom) -> String? {
        let names = tensorNames(m)
        return editItem(&m, "nodes", &rng) { node, _, rng in
            var outs = node["outputs"]?.array ?? []
            switch rng.int(0..<4) {
            case 0 where !outs.isEmpty: outs[rng.int(0..<outs.count)] = .string(rng.pick(names))
            case 1: outs.append(.string(rng.chance(0.5) ? "extra" : rng.pick(names)))
            case 2: outs = []
            default:
                guard !outs.isEmpty else { return nil }
                outs[rng.int(0..<outs.count)] = .string(rng.interestingName())
            }
            node.set("outputs", .array(outs))
            return "outputs \(JSONWriter.write(.array(outs), pretty: false))"
        }
    }

    static func reshapeNodeList(_ m: inout JSONValue, _ rng: inout FuzzRandom) -> String? {
        var nodes = items(m, "nodes")
        guard !nodes.isEmpty else { return nil }
        let i = rng.int(0..<nodes.count), j = rng.int(0..<nodes.count)
        let note: String
        switch rng.int(0..<4) {
        case 0:
            nodes.remove(at: i)
            note = "nodes[\(i)] deleted"
        case 1:
            nodes.insert(nodes[i], at: j)
            note = "nodes[\(i)] duplicated at \(j)"
        case 2:
            nodes.swapAt(i, j)
            note = "nodes[\(i)] and nodes[\(j)] swapped"
        default:
            nodes.reverse()
            note = "nodes reversed"
        }
        setItems(&m, "nodes", nodes)
        return note
    }

    static func changeOp(_ m: inout JSONValue, _ rng: inout FuzzRandom) -> String? {
        editItem(&m, "nodes", &rng) { node, _, rng in
            let op = rng.chance(0.9) ? rng.pick(Op.allCases).rawValue : rng.pick(["Conv3D", "", "relu", "Einsum"])
            node.set("op", .string(op))
            return "op \(op)"
        }
    }

    static func mutateConstant(_ m: inout JSONValue, _ rng: inout FuzzRandom) -> String? {
        editItem(&m, "constants", &rng) { c, _, rng in
            switch rng.int(0..<6) {
            case 0:
                guard var shape = c["shape"]?.array, !shape.isEmpty else { return nil }
                shape[rng.int(0..<shape.count)] = .int(rng.interestingInt())
                c.set("shape", .array(shape))
                return "shape \(JSONWriter.write(.array(shape), pretty: false))"
            case 1:
                let dtype = rng.pick(["float32", "float16", "int64", "int8", "float64", ""])
                c.set("dtype", .string(dtype))
                return "dtype \(dtype)"
            case 2, 3:
                guard var data = c["data"]?.array, !data.isEmpty else { return nil }
                let k = rng.int(0..<data.count)
                data[k] = rng.chance(0.6) ? .int(rng.interestingInt()) : .double(rng.pick(FuzzRandom.interestingDoubles))
                c.set("data", .array(data))
                return "data[\(k)] = \(JSONWriter.write(data[k], pretty: false))"
            case 4:
                guard var data = c["data"]?.array, !data.isEmpty else { return nil }
                data.removeLast(rng.int(1...data.count))
                c.set("data", .array(data))
                return "data cut to \(data.count) values"
            default:
                c.set("data", nil)
                c.set("data_base64", .string(rng.pick(["AAAAAA==", "AADAfw==", "AACAfw==", "!!", "", "AAAA"])))
                return "data_base64"
            }
        }
    }

    static func mutateGraphInput(_ m: inout JSONValue, _ rng: inout FuzzRandom) -> String? {
        editItem(&m, "inputs", &rng) { input, _, rng in
            switch rng.int(0..<4) {
            case 0:
                guard var shape = input["shape"]?.array, !shape.isEmpty else { return nil }
                shape[rng.int(0..<shape.count)] = .int(rng.interestingInt())
                input.set("shape", .array(shape))
                return "shape \(JSONWriter.write(.array(shape), pretty: false))"
            case 1:
                let rank = rng.pick([0, 1, 2, 3, 5, 7, 9])
                let shape = JSONValue.array((0..<rank).map { _ in .int(rng.int(1...4)) })
                input.set("shape", shape)
                return "rank \(rank)"
            case 2:
                input.set("dtype", .string(rng.pick(["int64", "float16", "int8", ""])))
                return "dtype"
            default:
                input.set("shape", nil)
                return "no shape"
            }
        }
    }

    static func mutateGraphOutputs(_ m: inout JSONValue, _ rng: inout FuzzRandom) -> String? {
        var outs = items(m, "outputs")
        let names = tensorNames(m)
        switch rng.int(0..<4) {
        case 0 where !outs.isEmpty:
            outs.append(outs[0])
        case 1:
            outs.append(.object([("name", .string(rng.pick(names + ["nothing"])))]))
        case 2 where !outs.isEmpty:
            outs[0] = .object([("name", outs[0]["name"] ?? .string("y")), ("shape", .array([.int(rng.interestingInt())])),
                               ("dtype", .string(rng.pick(["float32", "int64", "float16"])))])
        default:
            outs = []
        }
        setItems(&m, "outputs", outs)
        return "outputs \(JSONWriter.write(.array(outs), pretty: false))"
    }

    static func renameSomething(_ m: inout JSONValue, _ rng: inout FuzzRandom) -> String? {
        let key = rng.pick(["nodes", "constants", "inputs"])
        let names = tensorNames(m) + items(m, "nodes").compactMap { $0["name"]?.string }
        return editItem(&m, key, &rng) { item, _, rng in
            let name = rng.chance(0.5) ? rng.interestingName() : rng.pick(names)
            item.set("name", .string(name))
            return "name \"\(name.prefix(20))\""
        }
    }

    static func mutateTopLevel(_ m: inout JSONValue, _ rng: inout FuzzRandom) -> String? {
        switch rng.int(0..<5) {
        case 0:
            let name = rng.chance(0.5) ? String(repeating: "n", count: rng.pick([41, 64, 255, 300, 1000])) : rng.interestingName()
            m.set("name", .string(name))
            return "model name of \(name.count) characters"
        case 1:
            m.set("version", rng.chance(0.5) ? .int(rng.interestingInt()) : wrongValue(&rng))
            return "version"
        case 2:
            let key = rng.pick(["format", "version", "name", "inputs", "outputs", "constants", "nodes"])
            m.set(key, nil)
            return "\(key) removed"
        case 3:
            m.set(rng.pick(["extra", "doc", "nodes"]), wrongValue(&rng))
            return "a key of the wrong kind"
        default:
            m.set("doc", .string(String(repeating: "*/ ", count: rng.int(1...100))))
            return "doc"
        }
    }

    /// An int64 constant (pads, shapes, axes, sizes, starts and ends) set to a value at the
    /// limits.
    static func extremeShapeOperand(_ m: inout JSONValue, _ rng: inout FuzzRandom) -> String? {
        var list = items(m, "constants")
        let ints = list.indices.filter { list[$0]["dtype"]?.string == "int64" && !(list[$0]["data"]?.array?.isEmpty ?? true) }
        guard !ints.isEmpty else { return nil }
        let i = rng.pick(ints)
        var data = list[i]["data"]!.array!
        let v = rng.pick([1 << 62, Int.max, Int.min, Int.min + 1, Int(Int32.max), Int(Int32.max) + 1, -1, 0, -(1 << 62), 1 << 31])
        let k = rng.int(0..<data.count)
        data[k] = .int(v)
        if rng.chance(0.3) { data = data.map { _ in .int(v) } }
        list[i].set("data", .array(data))
        setItems(&m, "constants", list)
        return "constants[\(i)] data[\(k)] = \(v)"
    }
}

extension JSONValue {
    /// Sets member `key` of an object (appending it if new); nil removes it.
    mutating func set(_ key: String, _ value: JSONValue?) {
        guard case var .object(members) = self else { return }
        if let i = members.firstIndex(where: { $0.0 == key }) {
            if let value { members[i].1 = value } else { members.remove(at: i) }
        } else if let value {
            members.append((key, value))
        }
        self = .object(members)
    }
}
