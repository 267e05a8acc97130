/// Maps one ONNX node onto Tessera nodes, resolving the differences between opsets so
/// that Tessera's ops see one form (opset 13+ semantics, optional operands as inputs or
/// attributes as its ops document).
extension ONNXGraphImport {
    /// The Tessera nodes for an ONNX node, or nil when the op is not supported.
    mutating func map(_ op: String, _ name: String, _ inputs: [String], _ outputs: [String],
                      _ attrs: [String: AttributeValue], _ at: String) throws -> [Node]? {
        var attributes = Attributes()
        let ignored = ONNXGraphImport.ignoredAttributes[op] ?? []
        for key in attrs.keys.sorted() where !ignored.contains(key) { attributes[key] = attrs[key] }
        var outs = outputs
        switch op {
        case "Upsample":
            return try resize(name, inputs[0], scales: inputs.count > 1 ? inputs[1] : nil, attrs, legacy: true, outputs, at)
        case "Resize" where opset < 11:
            return try resize(name, inputs[0], scales: inputs.count > 1 ? inputs[1] : nil, attrs, legacy: true, outputs, at)
        case _ where ["Add", "Sub", "Mul", "Div"].contains(op) && opset < 7:
            return try legacyBroadcast(name, op, inputs, outputs, attrs, at)
        case _ where ["Conv", "MaxPool", "AveragePool"].contains(op) && types[inputs[0]]?.rank == 3:
            return try oneDimensional(name, Op(rawValue: op)!, inputs, outputs, attrs, at)
        case "Sum", "Max", "Min":
            return variadic(name, op == "Sum" ? .add : Op(rawValue: op)!, inputs, outputs)
        case "PRelu" where opset < 7:
            // Opset 6 applies a 1-D slope per channel (axis 1).
            guard var slope = graph.constants[inputs[1]], slope.type.rank == 1, let x = types[inputs[0]], x.rank > 2,
                  slope.type.shape[0] == x.shape[1] else { break }
            slope.name = names.fresh("\(inputs[1])_per_channel")
            slope.type.shape += [Int](repeating: 1, count: x.rank - 2)
            addConstant(slope)
            return [Node(name: name, op: .pRelu, inputs: [inputs[0], slope.name], outputs: outputs)]
        case "Softmax" where opset < 13:
            return try legacySoftmax(name, inputs[0], outputs[0], attrs)
        case "Pad" where opset < 11:
            guard case let .ints(pads)? = attrs["pads"] else { throw TesseraError.invalidModel(location: at, message: "Pad needs pads") }
            let p = addIntConstant("\(name)_pads", pads)
            var ins = [inputs[0], p]
            if case let .float(v)? = attrs["value"] { ins.append(addFloatConstant("\(name)_value", [], [Float(v)])) }
            attributes = attrs["mode"].map { ["mode": $0] } ?? [:]
            return [Node(name: name, op: .pad, inputs: ins, outputs: outputs, attributes: attributes)]
        case "Slice" where opset < 10:
            guard case let .ints(starts)? = attrs["starts"], case let .ints(ends)? = attrs["ends"] else {
                throw TesseraError.invalidModel(location: at, message: "Slice needs starts and ends")
            }
            var ins = [inputs[0], addIntConstant("\(name)_starts", starts), addIntConstant("\(name)_ends", ends)]
            if case let .ints(axes)? = attrs["axes"] { ins.append(addIntConstant("\(name)_axes", axes)) }
            return [Node(name: name, op: .slice, inputs: ins, outputs: outputs)]
        case "BatchNormalization":
            if case let .int(spatial)? = attrs["spatial"], spatial == 0 { return nil }
            guard outs.dropFirst().allSatisfy({ !readTensors.contains($0) }) else { return nil }
            outs = [outs[0]]
        case "MaxPool":
            guard outs.count == 1 || !readTensors.contains(outs[1]) else { return nil }
            outs = [outs[0]]
        case "Cast":
            // A cast of an activation to float is a copy; anything else is not supported.
            guard case let .int(to)? = attrs["to"], to == Onnx_TensorProto.DataType.float.rawValue,
                  types[inputs[0]]?.dtype == .float32 else { return nil }
            return [Node(name: name, op: .identity, inputs: [inputs[0]], outputs: outputs)]
        default:
            break
        }
        guard let tesseraOp = Op(rawValue: op), !tesseraOp.isInternal else { return nil }
        // An omitted optional output (Dropout's mask) has an empty name: it is not produced.
        while outs.count > 1, outs.last?.isEmpty == true { outs.removeLast() }
        var ins = inputs
        while let last = ins.last, last.isEmpty, ins.count > tesseraOp.inputArity.lowerBound { ins.removeLast() }
        return [Node(name: name, op: tesseraOp, inputs: ins, outputs: outs, attributes: attributes)]
    }

    /// Sum, Max and Min take any number of inputs: one is a copy, more a chain of pairs.
    private mutating func variadic(_ name: String, _ op: Op, _ inputs: [String], _ outputs: [String]) -> [Node] {
        guard inputs.count > 1 else { return [Node(name: name, op: .identity, inputs: inputs, outputs: outputs)] }
        var nodes: [Node] = []
        var acc = inputs[0]
        for (k, next) in inputs.dropFirst().enumerated() {
            let last = k == inputs.count - 2
            let out = last ? outputs[0] : names.fresh("\(name)_partial\(k)")
            nodes.append(Node(name: last ? name : names.fresh("\(name)_\(k)"), op: op, inputs: [acc, next], outputs: [out]))
            acc = out
        }
        return nodes
    }

    mutating func addIntConstant(_ base: String, _ values: [Int]) -> String {
        let name = names.fresh(base)
        addConstant(Constant(name: name, type: TensorType([values.count], .int64), data: .int64(values.map { Int64($0) })))
        return name
    }

    mutating func addFloatConstant(_ base: String, _ shape: [Int], _ values: [Float]) -> String {
        let name = names.fresh(base)
        addConstant(Constant(name: name, type: TensorType(shape), data: .float(values)))
        return name
    }

    /// Before opset 7, binary ops broadcast B only with `broadcast` = 1, aligning B's axes
    /// with A's starting at `axis` (default: B's trailing axes). B is reshaped so that
    /// numpy broadcasting means the same.
    private mutating func legacyBroadcast(_ name: String, _ op: String, _ inputs: [String], _ outputs: [String],
                                          _ attrs: [String: AttributeValue], _ at: String) throws -> [Node]? {
        let tesseraOp = Op(rawValue: op)!
        guard case .int(1)? = attrs["broadcast"], case let .int(axis)? = attrs["axis"],
              let a = types[inputs[0]], let b = types[inputs[1]] else {
            return [Node(name: name, op: tesseraOp, inputs: inputs, outputs: outputs)]
        }
        let start = axis < 0 ? axis + a.rank : axis
        let trailing = a.rank - start - b.rank
        guard start >= 0, trailing >= 0 else {
            throw TesseraError.invalidModel(location: at, message: "legacy broadcast axis \(axis) does not fit \(shapeText(b.shape)) into \(shapeText(a.shape))")
        }
        if trailing == 0 { return [Node(name: name, op: tesseraOp, inputs: inputs, outputs: outputs)] }
        let shape = b.shape + [Int](repeating: 1, count: trailing)
        if var c = graph.constants[inputs[1]] {
            c.name = names.fresh("\(inputs[1])_aligned")
            c.type.shape = shape
            addConstant(c)
            return [Node(name: name, op: tesseraOp, inputs: [inputs[0], c.name], outputs: outputs)]
        }
        let target = addIntConstant("\(name)_b_shape", shape)
        let aligned = names.fresh("\(inputs[1])_aligned")
        return [Node(name: names.fresh("\(name)_align"), op: .reshape, inputs: [inputs[1], target], outputs: [aligned]),
                Node(name: name, op: tesseraOp, inputs: [inputs[0], aligned], outputs: outputs)]
    }

    /// 1-D Conv and pooling ([N, C, L]) run as their 2-D form over [N, C, 1, L]: the input
    /// gains a unit height, the window attributes a unit first axis, and the output loses
    /// the height again.
    private mutating func oneDimensional(_ name: String, _ op: Op, _ inputs: [String], _ outputs: [String],
                                         _ attrs: [String: AttributeValue], _ at: String) throws -> [Node]? {
        var attributes = Attributes()
        for key in attrs.keys.sorted() {
            switch (key, attrs[key]!) {
            case let ("pads", .ints(p)) where p.count == 2: attributes[key] = .ints([0, p[0], 0, p[1]])
            case let ("kernel_shape", .ints(v)) where v.count == 1, let ("strides", .ints(v)) where v.count == 1,
                 let ("dilations", .ints(v)) where v.count == 1:
                attributes[key] = .ints([1, v[0]])
            case let (_, value): attributes[key] = value
            }
        }
        let axis = addIntConstant("\(name)_height_axis", [2])
        let x2 = names.fresh("\(inputs[0])_2d"), y2 = names.fresh("\(outputs[0])_2d")
        var nodes = [Node(name: names.fresh("\(name)_to_2d"), op: .unsqueeze, inputs: [inputs[0], axis], outputs: [x2])]
        var ins = [x2] + inputs.dropFirst()
        if op == .conv, inputs.count > 1 {
            if var w = graph.constants[inputs[1]], w.type.rank == 3 {
                w.name = names.fresh("\(inputs[1])_2d")
                w.type.shape.insert(1, at: 2)
                addConstant(w)
                ins[1] = w.name
            } else if types[inputs[1]]?.rank == 3 {
                ins[1] = names.fresh("\(inputs[1])_2d")
                nodes.append(Node(name: names.fresh("\(name)_weight_to_2d"), op: .unsqueeze, inputs: [inputs[1], axis], outputs: [ins[1]]))
            }
        }
        nodes.append(Node(name: name, op: op, inputs: ins, outputs: [y2], attributes: attributes))
        nodes.append(Node(name: names.fresh("\(name)_to_1d"), op: .squeeze, inputs: [y2, axis], outputs: [outputs[0]]))
        return nodes
    }

    /// Upsample and opset-10 Resize: nearest with output index floor(i / scale) (ceil when
    /// shrinking), i.e. Resize with asymmetric coordinates.
    private mutating func resize(_ name: String, _ x: String, scales: String?, _ attrs: [String: AttributeValue], legacy: Bool,
                                 _ outputs: [String], _ at: String) throws -> [Node]? {
        let mode: String = if case let .string(m)? = attrs["mode"] { m } else { "nearest" }
        guard mode == "nearest" else { return nil }
        var scaleValues: [Float]
        if let s = scales, let c = graph.constants[s]?.floats {
            scaleValues = c
        } else if case let .floats(f)? = attrs["scales"] {
            scaleValues = f.map { Float($0) }
        } else {
            throw TesseraError.unsupported(location: at, message: "Upsample/Resize scales must be constant")
        }
        let s = addFloatConstant("\(name)_scales", [scaleValues.count], scaleValues)
        let rounding = scaleValues.allSatisfy { $0 >= 1 } ? "floor" : "ceil"
        return [Node(name: name, op: .resize, inputs: [x, "", s], outputs: outputs,
                     attributes: ["mode": .string("nearest"), "coordinate_transformation_mode": .string("asymmetric"),
                                  "nearest_mode": .string(rounding)])]
    }

    /// Softmax before opset 13 normalises over all axes from `axis` on (default 1): when
    /// that is more than the last axis, flatten to 2-D around it and reshape back.
    private mutating func legacySoftmax(_ name: String, _ x: String, _ y: String, _ attrs: [String: AttributeValue]) throws -> [Node]? {
        guard let shape = types[x]?.shape else { return nil }
        var axis = 1
        if case let .int(a)? = attrs["axis"] { axis = a < 0 ? a + shape.count : a }
        if axis == shape.count - 1 || shape.isEmpty {
            return [Node(name: name, op: .softmax, inputs: [x], outputs: [y], attributes: ["axis": .int(-1)])]
        }
        let flat = names.fresh("\(name)_flat"), soft = names.fresh("\(name)_2d")
        let back = addIntConstant("\(name)_shape", shape)
        return [Node(name: names.fresh("\(name)_flatten"), op: .flatten, inputs: [x], outputs: [flat], attributes: ["axis": .int(axis)]),
                Node(name: name, op: .softmax, inputs: [flat], outputs: [soft], attributes: ["axis": .int(1)]),
                Node(name: names.fresh("\(name)_reshape"), op: .reshape, inputs: [soft, back], outputs: [y])]
    }
}
