/// Lowers ONNX's NCHW to the kernels' layout: NHWC (channels last) for every 4-D tensor
/// that flows between spatial ops.
///
/// Why NHWC: a pixel's channels are contiguous, so depthwise and pointwise convolutions and
/// pooling vectorise over channels (the SIMD back ends' natural axis), an im2col row is a
/// contiguous run, and a patch of rows (patch-based scheduling) is one contiguous block.
/// CMSIS-NN, TFLite Micro and TinyEngine use it for the same reasons.
///
/// Conv, pools, GlobalAveragePool and Resize run in NHWC (`data_layout`); elementwise ops,
/// ChannelAffine, Concat and Pad follow their input's layout with their axes remapped; any
/// other op, and every graph input and output, sees NCHW through an inserted Transpose.
/// Transposes that only move size-1 axes cost nothing (the planner aliases them), and
/// transposes that meet their inverse are removed by the next pass.
///
/// With `inputLayout` .nhwc (`--input-layout nhwc`) a 4-D graph input that a spatial op
/// reads is taken in NHWC instead: its declared shape becomes NHWC (GraphInput.layout), and
/// the input Transpose disappears (other readers that need NCHW get one).
enum LayoutLowering {
    static let toNHWC = [0, 2, 3, 1]
    static let toNCHW = [0, 3, 1, 2]

    static func run(_ graph: Graph, _ options: PassOptions = .init()) throws -> Graph {
        var state = State(graph: graph)
        if options.inputLayout == .nhwc { state.takeInputsInNHWC(readBy: graph.nodes) }
        for node in graph.nodes { try state.lower(node) }
        state.finishOutputs()
        return state.graph
    }

    private struct State {
        var graph: Graph
        /// Logical (NCHW) types of the input graph.
        let logical: [String: TensorType]
        /// Tensors whose bytes are NHWC.
        var nhwc = Set<String>()
        /// (tensor, wanted layout) -> tensor holding it in that layout.
        var converted: [String: String] = [:]
        var lowered: [Node] = []
        var names: NameTable

        init(graph: Graph) {
            self.graph = graph
            self.logical = graph.types
            self.names = NameTable(graph)
            self.graph.nodes = []
        }

        func is4D(_ t: String) -> Bool { logical[t]?.rank == 4 && graph.constants[t] == nil }

        /// The 4-D graph inputs read by a spatial op (as its data input) and not themselves
        /// graph outputs become NHWC: declared NHWC, and their bytes are.
        mutating func takeInputsInNHWC(readBy nodes: [Node]) {
            let spatialData = Set(nodes.filter(\.op.hasLayout).map { $0.inputs[0] })
            for i in graph.inputs.indices {
                let input = graph.inputs[i]
                guard input.layout == .nchw, input.type.rank == 4, spatialData.contains(input.name), !graph.outputs.contains(input.name) else { continue }
                graph.inputs[i].type.shape = LayoutLowering.toNHWC.map { input.type.shape[$0] }
                graph.inputs[i].layout = .nhwc
                graph.types[input.name] = graph.inputs[i].type
                nhwc.insert(input.name)
            }
        }

        /// `t` in `layout`, inserting a Transpose (once per tensor and layout) if needed.
        mutating func physical(_ t: String, _ layout: DataLayout) -> String {
            guard is4D(t), nhwc.contains(t) != (layout == .nhwc) else { return t }
            let key = "\(t)@\(layout.rawValue)"
            if let done = converted[key] { return done }
            let name = names.fresh("\(t)__\(layout.rawValue.lowercased())")
            lowered.append(Node(name: names.fresh("\(t)_to_\(layout.rawValue.lowercased())"), op: .transpose, inputs: [t],
                                outputs: [name], attributes: ["perm": .ints(layout == .nhwc ? LayoutLowering.toNHWC : LayoutLowering.toNCHW)]))
            if layout == .nhwc { nhwc.insert(name) }
            converted[key] = name
            return name
        }

        /// A constant broadcast against an NHWC operand: padded to rank 4, then permuted.
        mutating func nhwcConstant(_ name: String) -> String? {
            guard let c = graph.constants[name], let v = c.floats, c.type.rank <= 4 else { return nil }
            let shape = [Int](repeating: 1, count: 4 - c.type.rank) + c.type.shape
            let spec = StridedCopySpec(outputShape: LayoutLowering.toNHWC.map { shape[$0] },
                                       inputStrides: LayoutLowering.toNHWC.map { StridedCopySpec.denseStrides(shape)[$0] }, inputOffset: 0)
            let data = ReferenceOps.stridedCopy(spec, TensorValue(shape: shape, data: v))
            let permuted = names.fresh("\(name)__nhwc")
            graph.constants[permuted] = Constant(name: permuted, type: TensorType(data.shape), data: .float(data.data))
            return permuted
        }

        mutating func emit(_ node: Node, outputLayout: DataLayout) {
            lowered.append(node)
            if outputLayout == .nhwc { for o in node.outputs where logical[o]?.rank == 4 { nhwc.insert(o) } }
        }

        mutating func lower(_ original: Node) throws {
            var node = original
            let x = node.inputs[0]
            let op = node.op
            // A spatial op reading a constant (left unfolded: it writes a graph output, or
            // its result is too large) reads it permuted to NHWC.
            let constantInput = op.hasLayout && graph.constants[x] != nil && logical[x]?.rank == 4 ? nhwcConstant(x) : nil
            if op.hasLayout && (is4D(x) || constantInput != nil) {
                node.inputs[0] = constantInput ?? physical(x, .nhwc)
                // Any other operand keeps its logical layout (a Conv weight is OIHW).
                for k in node.inputs.indices.dropFirst() where !node.inputs[k].isEmpty { node.inputs[k] = physical(node.inputs[k], .nchw) }
                node.attributes[Op.layoutAttribute] = .string(DataLayout.nhwc.rawValue)
                return emit(node, outputLayout: .nhwc)
            }
            if op.isActivation || op == .identity || op == .dropout {
                return emit(node, outputLayout: nhwc.contains(x) ? .nhwc : .nchw)
            }
            if op.isBinary { return try lowerBinary(node) }
            if op == .channelAffine, nhwc.contains(x), try AttributeReader(node).int("axis", default: 1) == 1 {
                node.attributes["axis"] = .int(3)
                return emit(node, outputLayout: .nhwc)
            }
            if op == .concat, node.inputs.allSatisfy(is4D), node.inputs.contains(where: nhwc.contains) {
                let axis = try normalizedAxis(try AttributeReader(node).int("axis", default: 1), rank: 4, node)
                node.inputs = node.inputs.map { physical($0, .nhwc) }
                node.attributes["axis"] = .int(LayoutLowering.toNCHW[axis])
                return emit(node, outputLayout: .nhwc)
            }
            if op == .pad, nhwc.contains(x), node.input(3) == nil, let pads = graph.constants[node.inputs[1]]?.integers, pads.count == 8 {
                let permuted = (LayoutLowering.toNHWC + LayoutLowering.toNHWC.map { $0 + 4 }).map { Int64(pads[$0]) }
                let name = names.fresh("\(node.inputs[1])__nhwc")
                graph.constants[name] = Constant(name: name, type: TensorType([8], .int64), data: .int64(permuted))
                node.inputs[1] = name
                return emit(node, outputLayout: .nhwc)
            }
            node.inputs = node.inputs.map { $0.isEmpty ? $0 : physical($0, .nchw) }
            emit(node, outputLayout: .nchw)
        }

        /// Binary ops follow an NHWC operand when the others can follow too (4-D activations
        /// are transposed, constants permuted); otherwise everything goes back to NCHW.
        mutating func lowerBinary(_ original: Node) throws {
            var node = original
            guard node.inputs.contains(where: nhwc.contains) else { return emit(node, outputLayout: .nchw) }
            var inputs: [String] = []
            for t in node.inputs {
                if is4D(t) {
                    inputs.append(physical(t, .nhwc))
                } else if let c = nhwcConstant(t) {
                    inputs.append(c)
                } else {
                    node.inputs = node.inputs.map { physical($0, .nchw) }
                    return emit(node, outputLayout: .nchw)
                }
            }
            node.inputs = inputs
            emit(node, outputLayout: .nhwc)
        }

        /// Graph outputs are NCHW: an NHWC one is renamed and transposed back.
        mutating func finishOutputs() {
            var renamed: [String: String] = [:]
            var transposes: [Node] = []
            for output in graph.outputs where nhwc.contains(output) && renamed[output] == nil {
                let inner = names.fresh("\(output)__nhwc")
                renamed[output] = inner
                transposes.append(Node(name: names.fresh("\(output)_to_nchw"), op: .transpose, inputs: [inner], outputs: [output],
                                       attributes: ["perm": .ints(LayoutLowering.toNCHW)]))
            }
            if !renamed.isEmpty {
                for i in lowered.indices {
                    lowered[i].outputs = lowered[i].outputs.map { renamed[$0] ?? $0 }
                    lowered[i].inputs = lowered[i].inputs.map { renamed[$0] ?? $0 }
                }
            }
            graph.nodes = lowered + transposes
        }
    }
}
