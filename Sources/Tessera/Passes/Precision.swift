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

    /// The layout the generated API takes 4-D image inputs in (`--input-layout`).
    public var inputLayout: DataLayout

    public init(precision: Precision = .fp32, io: DType = .float32, inputLayout: DataLayout = .nchw) {
        self.precision = precision
        self.io = io
        self.inputLayout = inputLayout
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
///
/// No boundary costs a whole extra buffer:
/// - a Convert next to a Transpose (the NCHW input converted and moved to NHWC, or the
///   reverse at an output) becomes one Convert carrying the permutation: one pass;
/// - a reduction of the float head (AveragePool, GlobalAveragePool, ReduceMean/Sum) reads
///   the half feature map and writes float itself (`output_dtype`): only the reduced values
///   are float, the feature map is never converted;
/// - a fully connected layer reading a float graph input or writing a float graph output
///   computes in float with half weights (tsr_fully_connected_w16_f32): the boundary moves
///   to its other side, where the vector is the layer's small one.
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
    /// compute nodes that produce its logits, e.g. pooling and Gemm, with the views between;
    /// a max pool is exact in half and stays half).
    static func floatNodes(_ g: Graph) -> Set<String> {
        var result = Set<String>()
        var producers: [String: Int] = [:]
        for (i, node) in g.nodes.enumerated() { for o in node.outputs { producers[o] = i } }
        for node in g.nodes where node.op == .softmax || node.op == .logSoftmax {
            result.insert(node.name)
            var tensor = node.inputs[0]
            var computeNodes = 0
            while let p = producers[tensor], computeNodes < 2 {
                // A max is exact in half: a max pool stays half, and only its (pooled)
                // output is converted for the head.
                if g.nodes[p].op == .maxPool { break }
                result.insert(g.nodes[p].name)
                if !g.nodes[p].op.isView && g.nodes[p].op != .transpose { computeNodes += 1 }
                tensor = g.nodes[p].inputs[0]
            }
        }
        return result
    }

    /// With float I/O: the fully connected layers (constant half-able weights) that read a
    /// graph input or write a graph output, through views, and those views. They compute in
    /// float with half weights, so the model's float input and output are read and written
    /// directly and only their other side, the layer's small vector, is converted: where
    /// that side is the smaller (reading the input: n <= k, the float result and its half
    /// copy replace the half input copy; writing the output: k <= n, a float copy of the
    /// input replaces the half output), so the boundary never costs more than before.
    static func boundaryLayers(_ g: Graph) -> Set<String> {
        var producers: [String: Int] = [:]
        for (i, node) in g.nodes.enumerated() { for o in node.outputs { producers[o] = i } }
        let consumers = g.consumers()
        let outputs = Set(g.outputs)
        var result = Set<String>()
        for node in g.nodes where node.op == .gemm {
            guard case let .gemm(spec)? = try? NodeSpec.of(node, in: g), KernelVariant.isFullyConnected(spec),
                  let b = node.input(1), g.constants[b] != nil, node.input(2).map({ g.constants[$0] != nil }) ?? true else { continue }
            // Back through views to a graph input.
            var views: [String] = []
            var tensor = node.inputs[0]
            while let p = producers[tensor], g.nodes[p].op.isView { views.append(g.nodes[p].name); tensor = g.nodes[p].inputs[0] }
            if g.isGraphInput(tensor) && spec.n <= spec.k { result.insert(node.name); result.formUnion(views) }
            // Forward through views read only by the next one to a graph output.
            views = []
            tensor = node.outputs[0]
            while !outputs.contains(tensor), let r = consumers[tensor], r.count == 1, g.nodes[r[0]].op.isView {
                views.append(g.nodes[r[0]].name)
                tensor = g.nodes[r[0]].outputs[0]
            }
            if outputs.contains(tensor) && spec.k <= spec.n { result.insert(node.name); result.formUnion(views) }
        }
        return result
    }

    static func run(_ graph: Graph, _ options: PassOptions) throws -> Graph {
        let half = options.precision.isHalf
        guard half || options.io != .float32 else { return graph }
        var g = graph
        var names = NameTable(graph)
        let float = half ? floatNodes(g).union(options.io == .float32 ? boundaryLayers(g) : []) : Set(g.nodes.map(\.name))
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
            // A reduction of the float head reads the half feature map and writes float.
            var readsHalf = false
            if half, computes == .float32, node.op.convertsOnOutput, g.constants[node.inputs[0]] == nil,
               produced[node.inputs[0]] ?? .float16 == .float16, try reducesToFloat(node, in: g) {
                node.attributes[Op.outputDTypeAttribute] = .string(DType.float32.rawValue)
                readsHalf = true
            }
            for (k, name) in node.inputs.enumerated() where !name.isEmpty && !node.op.constantInputs.contains(k) && !(k == 0 && readsHalf) {
                if let c = g.constants[name] {
                    // (Asked of the original node: an input already renamed to its
                    // converted copy has no type yet, and its spec would not resolve.)
                    guard half, !keepsFloat(original, k, computesFloat: computes == .float32, in: g), let values = c.floats,
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
        g.nodes = fuseConvertTransposes(nodes + converts, graphOutputs: Set(g.outputs))
        return g
    }

    /// Whether the kernels have the mixed (half in, float out) form of the reduction:
    /// AveragePool (NHWC), GlobalAveragePool, ReduceMean and ReduceSum.
    static func reducesToFloat(_ node: Node, in g: Graph) throws -> Bool {
        switch try NodeSpec.of(node, in: g) {
        case let .pool(.average, s): return s.layout == .nhwc
        case let .reduce(s): return s.kind == .mean || s.kind == .sum
        default: return false
        }
    }

    /// A Convert whose output only a Transpose reads, or a Transpose whose output only a
    /// Convert reads (neither a graph output), becomes one Convert carrying the
    /// Transpose's perm: the model's NCHW float input converted to half and moved to NHWC
    /// in one pass (tsr_strided_convert_*), instead of a half copy and then its transpose.
    static func fuseConvertTransposes(_ nodes: [Node], graphOutputs: Set<String>) -> [Node] {
        var readers: [String: [Int]] = [:]
        for (i, n) in nodes.enumerated() { for t in Set(n.inputs) where !t.isEmpty { readers[t, default: []].append(i) } }
        var result: [Node?] = nodes
        for i in nodes.indices {
            guard let first = result[i], first.outputs.count == 1, !graphOutputs.contains(first.outputs[0]),
                  let r = readers[first.outputs[0]], r.count == 1, let second = result[r[0]], second.inputs == first.outputs else { continue }
            let plain: (Node) -> Bool = { $0.op == .convert && $0.attributes["perm"] == nil }
            let (convert, transpose): (Node, Node)
            if plain(first) && second.op == .transpose {
                (convert, transpose) = (first, second)
            } else if first.op == .transpose && plain(second) {
                (convert, transpose) = (second, first)
            } else {
                continue
            }
            guard let perm = transpose.attributes["perm"], let to = convert.attributes["to"] else { continue }
            result[r[0]] = Node(name: transpose.name, op: .convert, inputs: first.inputs, outputs: second.outputs,
                                attributes: ["to": to, "perm": perm])
            result[i] = nil
        }
        return result.compactMap { $0 }
    }
}
