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
    /// The element type of the model's inputs and outputs (`--io`): float32 or float16.
    public var io: DType

    public init(precision: Precision = .fp32, io: DType = .float32) {
        self.precision = precision
        self.io = io
    }
}

/// For the FP16 precisions: weights, biases and activations become float16, except
/// - the ChannelAffine scale and shift (a normalisation left unfolded: small, and its
///   precision matters), and
/// - softmax and the two layers computing its logits, which run in float32: a probability
///   is the exponential of a logit, and a logit rounded to half (an ulp of 2^-7 at 8) would
///   move it by up to half a percent. That head is a small part of any classifier. Its
///   fully connected layer still keeps half weights and bias (read by
///   tsr_fully_connected_w16_f32), so every weight matrix is stored in half.
/// A Convert goes wherever a float32 tensor meets a half node or the reverse: around the
/// float head, and at the graph's inputs and outputs when their element type (`--io`)
/// differs from what their nodes compute in (with `--io fp16` an FP32 model converts at its
/// boundary too).
enum PrecisionLowering {
    /// Whether constant input `k` of `node` is stored in float32 in FP16 models, given
    /// whether the node computes in float32.
    static func keepsFloat(_ node: Node, _ k: Int, computesFloat: Bool, in g: Graph) -> Bool {
        if node.op == .channelAffine { return k == 1 || k == 2 }
        guard computesFloat else { return false }
        // The float head's fully connected layer reads half weights and bias (both constant:
        // tsr_fully_connected_w16_f32 takes no float bias).
        func constant(_ i: Int) -> Bool { node.input(i).map { g.constants[$0] != nil } ?? true }
        if node.op == .gemm, k == 1 || k == 2, case let .gemm(spec)? = try? NodeSpec.of(node, in: g),
           KernelVariant.isFullyConnected(spec), node.input(1) != nil, constant(1), constant(2) {
            return false
        }
        return true
    }

    /// Nodes that compute in float32: softmax and the classifier head before it (the two
    /// compute nodes that produce its logits, e.g. pooling and Gemm, with the views between).
    static func floatNodes(_ g: Graph) -> Set<String> {
        var result = Set<String>()
        var producers: [String: Int] = [:]
        for (i, node) in g.nodes.enumerated() { for o in node.outputs { producers[o] = i } }
        for node in g.nodes where node.op == .softmax || node.op == .logSoftmax {
            result.insert(node.name)
            var tensor = node.inputs[0]
            var computeNodes = 0
            while let p = producers[tensor], computeNodes < 2 {
                result.insert(g.nodes[p].name)
                if !g.nodes[p].op.isView && g.nodes[p].op != .transpose { computeNodes += 1 }
                tensor = g.nodes[p].inputs[0]
            }
        }
        return result
    }

    static func run(_ graph: Graph, _ options: PassOptions) throws -> Graph {
        let half = options.precision.isHalf
        guard half || options.io != .float32 else { return graph }
        var g = graph
        var names = NameTable(graph)
        let float = half ? floatNodes(g) : Set(g.nodes.map(\.name))
        // Constants some node reads in float32 (then a half copy is made for half readers).
        var readAsFloat = Set<String>()
        if half {
            for n in graph.nodes {
                for (k, name) in n.inputs.enumerated() where graph.constants[name] != nil && !readAsFloat.contains(name) {
                    if keepsFloat(n, k, computesFloat: float.contains(n.name), in: graph) { readAsFloat.insert(name) }
                }
            }
        }
        // The dtype each tensor is produced in: graph inputs in the I/O type, node outputs in
        // what the node computes.
        var produced: [String: DType] = [:]
        for i in g.inputs.indices {
            g.inputs[i].type.dtype = options.io
            g.types[g.inputs[i].name]?.dtype = options.io
            produced[g.inputs[i].name] = options.io
        }
        // Constants read as half become float16 (a copy if they are also read as float).
        var halfConstant: [String: String] = [:]
        var converted: [String: String] = [:]  // "tensor@dtype" -> converted tensor
        var nodes: [Node] = []
        for original in g.nodes {
            var node = original
            let computes: DType = float.contains(node.name) ? .float32 : .float16
            for (k, name) in node.inputs.enumerated() where !name.isEmpty && !node.op.constantInputs.contains(k) {
                if let c = g.constants[name] {
                    guard half, !keepsFloat(node, k, computesFloat: computes == .float32, in: g), let values = c.floats,
                          c.type.dtype == .float32 else { continue }
                    if halfConstant[name] == nil {
                        let target = readAsFloat.contains(name) ? names.fresh("\(name)__f16") : name
                        g.constants[target] = Constant(name: target, type: TensorType(c.type.shape, .float16),
                                                       data: .float(values.map { Float(Float16($0)) }), sourceIndex: c.sourceIndex)
                        halfConstant[name] = target
                    }
                    node.inputs[k] = halfConstant[name]!
                    continue
                }
                let have = produced[name] ?? .float16
                guard have != computes else { continue }
                let key = "\(name)@\(computes.rawValue)"
                if converted[key] == nil {
                    let out = names.fresh("\(name)__\(computes == .float16 ? "f16" : "f32")")
                    let convert = Node(name: names.fresh("\(name)_to_\(computes == .float16 ? "f16" : "f32")"), op: .convert, inputs: [name],
                                       outputs: [out], attributes: ["to": .string(computes.rawValue)])
                    nodes.append(convert)
                    converted[key] = out
                }
                node.inputs[k] = converted[key]!
            }
            // Views keep their input's dtype; other nodes produce what they compute in.
            let outDType = node.op.isView ? (produced[node.inputs[0]] ?? computes) : computes
            for o in node.outputs { produced[o] = outDType }
            nodes.append(node)
        }
        // Graph outputs produced in another type than the I/O type are computed under
        // another name and converted (a graph input that is also an output has its type).
        var renamed: [String: String] = [:]
        var converts: [Node] = []
        for output in g.outputs where (produced[output] ?? options.io) != options.io && renamed[output] == nil {
            let suffix = options.io == .float32 ? "f32" : "f16"
            let inner = names.fresh("\(output)__\(options.io == .float32 ? "f16" : "f32")")
            renamed[output] = inner
            converts.append(Node(name: names.fresh("\(output)_to_\(suffix)"), op: .convert, inputs: [inner], outputs: [output],
                                 attributes: ["to": .string(options.io.rawValue)]))
        }
        if !renamed.isEmpty {
            for i in nodes.indices {
                nodes[i].outputs = nodes[i].outputs.map { renamed[$0] ?? $0 }
                nodes[i].inputs = nodes[i].inputs.map { renamed[$0] ?? $0 }
            }
        }
        g.nodes = nodes + converts
        return g
    }
}
