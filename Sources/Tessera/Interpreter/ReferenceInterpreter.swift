/// The golden model: runs the IR directly with float64 accumulation, written for clarity
/// rather than speed and independently of the C kernels. Every test compares against it.
public enum ReferenceInterpreter {
    /// Runs `graph` on `inputs` (keyed by graph input name) and returns every tensor it
    /// computed (graph outputs and intermediates), keyed by name.
    public static func runAll(_ graph: Graph, inputs: [String: TensorValue]) throws -> [String: TensorValue] {
        var values: [String: TensorValue] = [:]
        for input in graph.inputs {
            guard let v = inputs[input.name] else {
                throw TesseraError.invalidTensors(location: "input \"\(input.name)\"", message: "missing")
            }
            guard v.shape == input.type.shape else {
                throw TesseraError.invalidTensors(location: "input \"\(input.name)\"", message: "shape \(shapeText(v.shape)) does not match the model's \(shapeText(input.type.shape))")
            }
            values[input.name] = v
        }
        for name in inputs.keys.sorted() where !graph.isGraphInput(name) {
            throw TesseraError.invalidTensors(location: "input \"\(name)\"", message: "the model has no input of this name (inputs: \(graph.inputs.map(\.name).joined(separator: ", ")))")
        }
        for (name, c) in graph.constants {
            switch c.data {
            case let .float(v): values[name] = TensorValue(shape: c.type.shape, data: v)
            case let .int64(v): values[name] = TensorValue(shape: c.type.shape, data: v.map { Float($0) })
            }
        }
        for node in graph.nodes {
            let spec = try NodeSpec.of(node, in: graph)
            let inputs = node.inputs.map { $0.isEmpty ? nil : values[$0] }
            guard let x = inputs[0] else { throw TesseraError.internalError("\(node.location): input not computed") }
            for (name, value) in zip(node.outputs, ReferenceOps.evaluate(spec, x, inputs)) {
                // FP16 tensors are stored in half: the reference rounds them as the C does.
                values[name] = graph.types[name]?.dtype == .float16 ? value.roundedToHalf() : value
            }
        }
        return values
    }

    /// Runs `graph` and returns its outputs only.
    public static func run(_ graph: Graph, inputs: [String: TensorValue]) throws -> [String: TensorValue] {
        let all = try runAll(graph, inputs: inputs)
        var out: [String: TensorValue] = [:]
        for name in graph.outputs { out[name] = all[name] }
        return out
    }
}

/// The interpreter's operator implementations (float64 accumulation, ONNX semantics).
enum ReferenceOps {
    /// The outputs of one node; `inputs` holds every input by position (nil when omitted).
    static func evaluate(_ spec: NodeSpec, _ x: TensorValue, _ inputs: [TensorValue?]) -> [TensorValue] {
        func input(_ i: Int) -> TensorValue? { i < inputs.count ? inputs[i] : nil }
        switch spec {
        case let .conv(s):
            guard let r = input(Op.residualInput) else { return [conv(s, x, input(1)!, input(2))] }
            // The residual is added before the activation (ResidualFusion).
            var linear = s
            linear.activation = .none
            var y = conv(linear, x, input(1)!, input(2))
            for i in y.data.indices { y.data[i] = Float(s.activation.apply(Double(y.data[i]) + Double(r.data[i]))) }
            return [y]
        case let .gemm(s): return [gemm(s, x, input(1)!, input(2))]
        case let .matMul(s): return [matMul(s, x, input(1)!)]
        case let .activation(shape, act): return [TensorValue(shape: shape, data: x.data.map { Float(act.apply(Double($0))) })]
        case let .binary(op, s, act): return [binary(op, s, act, x, input(1)!)]
        case let .affine(s, epsilon): return [affine(s, epsilon, x, inputs.dropFirst().map { $0! })]
        case let .pool(kind, s): return [pool(s, x, max: kind == .max)]
        case let .reduce(s): return [reduce(s, x)]
        case let .concat(s): return [concat(s, inputs.map { $0! })]
        case let .copy(s, _): return [stridedCopy(s, x)]
        case let .split(parts): return parts.map { stridedCopy($0, x) }
        case let .pad(s): return [pad(s, x)]
        case let .resize(s): return [resize(s, x)]
        case let .view(shape): return [TensorValue(shape: shape, data: x.data)]
        case let .softmax(s, shape): return [softmax(s, shape, x)]
        case let .convert(s, _, perm): return [perm == nil ? x : stridedCopy(s, x)]
        case let .insert(s): return [insert(s, x, input(1))]
        }
    }

    /// Runs an NHWC spatial op through its NCHW definition: the reference stays the ONNX
    /// formula whatever layout the node was lowered to.
    static func viaNCHW(_ layout: DataLayout, _ x: TensorValue, _ body: (TensorValue) -> TensorValue) -> TensorValue {
        guard layout == .nhwc else { return body(x) }
        let s = x.shape
        let y = body(stridedCopy(StridedCopySpec(outputShape: [s[0], s[3], s[1], s[2]],
                                                 inputStrides: [s[1] * s[2] * s[3], 1, s[2] * s[3], s[3]], inputOffset: 0), x))
        let t = y.shape
        return stridedCopy(StridedCopySpec(outputShape: [t[0], t[2], t[3], t[1]],
                                           inputStrides: [t[1] * t[2] * t[3], t[3], 1, t[2] * t[3]], inputOffset: 0), y)
    }
}
