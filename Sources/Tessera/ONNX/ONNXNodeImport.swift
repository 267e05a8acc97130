import Foundation

/// Import of one ONNX node: folding, opset mapping, type inference.
extension ONNXGraphImport {
    /// Integer attributes that hold data rather than parameters, exempt from the range
    /// check of `AttributeLimits` (Slice ends of INT64_MAX are common; Shape clamps).
    static let dataAttributes: [String: Set<String>] = [
        "Constant": ["value_int", "value_ints"],
        "Slice": ["starts", "ends", "axes"],
        "Shape": ["start", "end"],
    ]

    /// ONNX attributes Tessera ignores because they do not change inference results.
    static let ignoredAttributes: [String: Set<String>] = [
        "BatchNormalization": ["is_test", "consumed_inputs", "spatial"],
        "Dropout": ["is_test"],
        "Gemm": ["broadcast"],
    ]

    /// Imports one node; ONNXStructure has checked that its inputs exist and that it has
    /// the inputs and outputs its op takes.
    mutating func importNode(_ view: ONNXStructure.View) throws {
        let proto = view.proto, name = view.name, index = view.index
        let at = view.location
        let op = proto.opType
        let outputs = proto.output
        guard proto.domain.isEmpty || proto.domain == "ai.onnx" else { return markUnsupported("\(proto.domain).\(op)", name, outputs) }
        if proto.input.contains(where: unknown.contains) {
            // Downstream of an unsupported node: only check that this op is known too.
            if Op(rawValue: op) == nil && !ShapeArithmetic.ops.contains(op) && !["Constant", "Upsample"].contains(op) {
                markUnsupported(op, name, outputs)
            }
            unknown.formUnion(outputs)
            return
        }
        var attrs: [String: AttributeValue] = [:]
        var tensorAttrs: [String: Onnx_TensorProto] = [:]
        for a in proto.attribute {
            switch a.type {
            case .float: attrs[a.name] = .float(Double(a.f))
            case .int: attrs[a.name] = .int(Int(clamping: a.i))
            case .string: attrs[a.name] = .string(String(decoding: a.s, as: UTF8.self))
            case .floats: attrs[a.name] = .floats(a.floats.map(Double.init))
            case .ints: attrs[a.name] = .ints(a.ints.map { Int(clamping: $0) })
            case .tensor: tensorAttrs[a.name] = a.t
            default: break
            }
        }
        if attrs[Op.layoutAttribute] != nil { throw ModelLoader.layoutAttributeError(at) }
        if ONNXStructure.arity(op, opset: opset) != nil {  // an op Tessera imports: its attributes must be in range
            let exempt = ONNXGraphImport.dataAttributes[op] ?? []
            for key in attrs.keys.sorted() where !exempt.contains(key) { try AttributeLimits.check(key, attrs[key]!, at: at) }
        }
        let inputs = proto.input
        // Constants and integer shape arithmetic fold right here.
        if try fold(op, inputs, outputs, attrs, tensorAttrs, at) { return }
        guard let nodes = try map(op, name, inputs, outputs, attrs, at) else { return markUnsupported(op, name, outputs) }
        for var node in nodes {
            let unknownAttributes = node.attributes.keys.filter { node.op.attributes[$0] == nil }
            if let bad = unknownAttributes.first {
                return markUnsupported("\(op) (attribute \"\(bad)\")", name, outputs)
            }
            node.sourceIndex = index
            // The checks of model JSON on the Tessera node too (the mapping may add inputs).
            try GraphStructure.checkNode(node) { t in
                graph.constants[t] != nil ? .constant(t) : (types[t] != nil ? .node(0) : nil)
            }
            for (name, type) in try ShapeInference.outputTypes(node, SpecContext(types: types, constants: graph.constants)) {
                types[name] = type
            }
            graph.nodes.append(node)
        }
    }

    mutating func markUnsupported(_ op: String, _ name: String, _ outputs: [String]) {
        unsupported[op, default: []].append(name)
        unknown.formUnion(outputs)
    }

    /// Constant, Shape, ConstantOfShape, Cast of constants, and integer arithmetic on
    /// constants become constants. True when the node was folded.
    mutating func fold(_ op: String, _ inputs: [String], _ outputs: [String], _ attrs: [String: AttributeValue],
                       _ tensorAttrs: [String: Onnx_TensorProto], _ at: String) throws -> Bool {
        func emit(_ name: String, _ shape: [Int], _ data: ConstantData) {
            addConstant(Constant(name: name, type: TensorType(shape, { if case .int64 = data { return .int64 } else { return .float32 } }()), data: data))
        }
        switch op {
        case "Constant":
            if let t = tensorAttrs["value"] {
                var c = try ONNXTensors.constant(t, name: outputs[0], directory: directory, at: at)
                c.name = outputs[0]
                addConstant(c)
            } else if case let .float(f)? = attrs["value_float"] {
                emit(outputs[0], [], .float([Float(f)]))
            } else if case let .floats(f)? = attrs["value_floats"] {
                emit(outputs[0], [f.count], .float(f.map { Float($0) }))
            } else if case let .int(i)? = attrs["value_int"] {
                emit(outputs[0], [], .int64([Int64(i)]))
            } else if case let .ints(i)? = attrs["value_ints"] {
                emit(outputs[0], [i.count], .int64(i.map { Int64($0) }))
            } else {
                throw TesseraError.unsupported(location: at, message: "Constant without a value, value_float(s) or value_int(s) attribute")
            }
            return true
        case "Shape":
            guard let t = types[inputs[0]] else { return false }
            let rank = t.rank
            func bound(_ key: String, _ d: Int) -> Int {
                guard case let .int(v)? = attrs[key] else { return d }
                return Swift.min(Swift.max(v < 0 ? v + rank : v, 0), rank)
            }
            let dims = Array(t.shape[bound("start", 0)..<Swift.max(bound("start", 0), bound("end", rank))])
            emit(outputs[0], [dims.count], .int64(dims.map { Int64($0) }))
            return true
        case "ConstantOfShape":
            guard let s = graph.constants[inputs[0]]?.integers, let count = checkedElementCount(s) else { return false }
            guard count <= ONNXGraphImport.maxFoldedElements else {
                throw TesseraError.unsupported(location: at, message: "ConstantOfShape of shape \(shapeText(s)) would fold to \(count) values, more than the \(ONNXGraphImport.maxFoldedElements) Tessera folds")
            }
            if let t = tensorAttrs["value"] {
                let v = try ONNXTensors.constant(t, name: outputs[0], directory: directory, at: at)
                switch v.data {
                case let .float(f): emit(outputs[0], s, .float([Float](repeating: f.first ?? 0, count: count)))
                case let .int64(i): emit(outputs[0], s, .int64([Int64](repeating: i.first ?? 0, count: count)))
                }
            } else {
                emit(outputs[0], s, .float([Float](repeating: 0, count: count)))
            }
            return true
        default:
            break
        }
        let present = inputs.filter { !$0.isEmpty }
        guard ShapeArithmetic.ops.contains(op), !present.isEmpty, present.allSatisfy({ graph.constants[$0] != nil }) else { return false }
        let anyInteger = present.contains { graph.constants[$0]?.type.dtype == .int64 }
        let castToFloat: Bool = if case let .int(to)? = attrs["to"], op == "Cast" { to == Onnx_TensorProto.DataType.float.rawValue || to == 10 || to == 11 } else { false }
        if op == "Cast", !anyInteger || castToFloat {
            // A float or float-producing cast of a constant: a float copy.
            let c = graph.constants[inputs[0]]!
            let values: [Float] = switch c.data {
            case let .float(v): v
            case let .int64(v): v.map { Float($0) }
            }
            emit(outputs[0], c.type.shape, castToFloat || !anyInteger ? .float(values) : c.data)
            return true
        }
        guard anyInteger else { return false }
        let values = try inputs.map { name -> ShapeArithmetic.Value? in
            guard let c = name.isEmpty ? nil : graph.constants[name] else { return nil }
            let data: [Int64] = switch c.data {
            case let .int64(v): v
            case let .float(v): try v.map { f in
                // As ONNX casts float to int: toward zero; a value outside int64 is an error.
                guard let i = Int64(exactly: f.rounded(.towardZero)) else {
                    throw TesseraError.invalidModel(location: at, message: "\(op) reads \"\(name)\" as integers, but it holds \(f)")
                }
                return i
            }
            }
            return ShapeArithmetic.Value(shape: c.type.shape, data: data)
        }
        guard let results = try ShapeArithmetic.evaluate(op, values, attrs, at: at) else { return false }
        for (name, r) in zip(outputs, results) { emit(name, r.shape, .int64(r.data)) }
        return true
    }
}
