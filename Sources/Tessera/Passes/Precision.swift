/// The numeric precision a model is compiled for.
public enum Precision: String, CaseIterable, Sendable {
    /// Everything in float32.
    case fp32
    /// Weights and activations in half; dot products in half within chunks of at most 32
    /// terms whose partial sums are added in float.
    case fp16
    /// Half storage, half accumulation (fastest, least accurate).
    case fp16Acc16 = "fp16-acc16"
    /// Half storage, float accumulation (most accurate).
    case fp16Acc32 = "fp16-acc32"

    public var isHalf: Bool { self != .fp32 }

    /// The default on a target: fp16 where the core has FP16 arithmetic, else fp32.
    public static func defaultFor(_ target: TargetDescription) -> Precision {
        target.fp16Arithmetic ? .fp16 : .fp32
    }

    /// The tsr_acc_mode of the FP16 kernels on `target`: on cores without FP16 arithmetic
    /// half is a storage format and everything computes in float.
    public func accumulation(on target: TargetDescription) -> String {
        guard target.fp16Arithmetic || target.isHost else { return "TSR_ACC_F32" }
        switch self {
        case .fp32, .fp16Acc32: return "TSR_ACC_F32"
        case .fp16: return "TSR_ACC_CHUNKED"
        case .fp16Acc16: return "TSR_ACC_F16"
        }
    }
}

/// What passes may depend on besides the graph.
public struct PassOptions: Sendable {
    public var precision: Precision

    public init(precision: Precision = .fp32) {
        self.precision = precision
    }
}

/// For the FP16 precisions: weights and activations become float16. Biases, Gemm's C and
/// the ChannelAffine scale and shift stay float32 (small, and their precision matters);
/// the graph's float32 inputs are converted on entry and its outputs on exit (`Convert`).
enum PrecisionLowering {
    /// Inputs that stay float32 in FP16 models, by op.
    static func keepsFloat(_ op: Op, _ k: Int) -> Bool {
        switch op {
        case .conv, .gemm: return k == 2
        case .channelAffine: return k == 1 || k == 2
        default: return false
        }
    }

    static func run(_ graph: Graph, _ options: PassOptions) throws -> Graph {
        guard options.precision.isHalf else { return graph }
        var g = graph
        // Constants read as half become float16 (a copy if they are also read as float).
        var halfName: [String: String] = [:]
        for i in g.nodes.indices {
            let node = g.nodes[i]
            for (k, name) in node.inputs.enumerated() where !name.isEmpty && !node.op.constantInputs.contains(k) && !keepsFloat(node.op, k) {
                guard let c = g.constants[name], let values = c.floats, c.type.dtype == .float32 else { continue }
                if halfName[name] == nil {
                    let readAsFloat = g.nodes.contains { n in n.inputs.enumerated().contains { $0.element == name && keepsFloat(n.op, $0.offset) } }
                    let target = readAsFloat ? g.freshName("\(name)__f16") : name
                    g.constants[target] = Constant(name: target, type: TensorType(c.type.shape, .float16),
                                                   data: .float(values.map { Float(Float16($0)) }), sourceIndex: c.sourceIndex)
                    halfName[name] = target
                }
                g.nodes[i].inputs[k] = halfName[name]!
            }
        }
        // float32 graph inputs are converted once, on entry.
        var converts: [Node] = []
        for input in g.inputs {
            let half = g.freshName("\(input.name)__f16")
            for i in g.nodes.indices {
                for k in g.nodes[i].inputs.indices where g.nodes[i].inputs[k] == input.name { g.nodes[i].inputs[k] = half }
            }
            converts.append(Node(name: g.freshName("\(input.name)_to_f16"), op: .convert, inputs: [input.name], outputs: [half],
                                 attributes: ["to": .string("float16")]))
        }
        g.nodes = converts + g.nodes
        // Outputs are computed in half under another name and converted on exit.
        for output in g.outputs {
            let half = g.freshName("\(output)__f16")
            for i in g.nodes.indices {
                g.nodes[i].outputs = g.nodes[i].outputs.map { $0 == output ? half : $0 }
                g.nodes[i].inputs = g.nodes[i].inputs.map { $0 == output ? half : $0 }
            }
            g.nodes.append(Node(name: g.freshName("\(output)_to_f32"), op: .convert, inputs: [half], outputs: [output],
                                attributes: ["to": .string("float32")]))
        }
        return g
    }
}
