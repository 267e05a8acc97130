/// What one pass over a stage computes when it produces given regions of the stage's
/// outputs: for every tensor the stage reads or writes, the rectangle of it that must be
/// provided, and for every node the region it computes, what it reads and the padding it
/// applies.
///
/// The regions are propagated backwards, node by node in reverse topological order: a
/// tensor must hold the union (bounding box) of what its readers inside the stage need,
/// plus the requested region when it is a stage output. Each node computes exactly that
/// region of its output, so what it reads is exact for the rectangle it computes:
/// - Conv, depthwise Conv, MaxPool, AveragePool (any kernel, stride, dilation, pads,
///   ceil mode): output rows o0..<o1 read rows o0 * s - pad_top ..< (o1 - 1) * s - pad_top
///   + (k - 1) * d + 1, clipped to the input (and tightened where the clip cuts through a
///   dilated or strided window's gaps, see `WindowAxis.reads`); the same on columns. A
///   Conv's residual input needs the output's region.
/// - Elementwise ops, activations, ChannelAffine, Convert, layout transposes, same-shape
///   binary ops: the same region. A binary operand of size 1 along rows (or columns) needs
///   that single row (column).
/// - Concat and Split along channels: the same region for every part; Concat along rows
///   or columns: each input the part of the region that falls in its range (maybe empty).
/// - Pad: the region moved by the pads and clipped to the input.
/// - Resize (nearest): the input rows and columns its source-index tables read.
/// - A reduction ending the stage: the region the caller names on its input (`Stage`).
public struct RegionAnalysis: Sendable {
    public let stage: Stage
    /// The requested region of each output, in its `StageOutput.extent` space.
    public let requested: [String: Rect]
    /// The rectangle each tensor must hold, for every non-constant tensor the stage reads
    /// or writes (inputs, intermediates, outputs; not the output of a final reduction,
    /// which is always whole). Empty when nothing in this pass needs it.
    public let regions: [String: Rect]
    /// One per stage node, in `stage.nodes` order.
    public let nodes: [NodeRegion]

    /// Propagates `outputs`: a region for every output of the stage (`stage.outputs`), in
    /// that output's `extent` (for a final reduction, a region of the reduction's input).
    public init(_ stage: Stage, outputs: [String: Rect]) throws {
        for name in outputs.keys.sorted() where stage.output(name) == nil {
            throw TesseraError.usage("\"\(name)\" is not an output of the stage (outputs: \(stage.outputs.map { "\"\($0.tensor)\"" }.joined(separator: ", ")))")
        }
        var need: [String: Rect] = [:]
        for out in stage.outputs {
            let node = stage.graph.nodes[out.node]
            guard let rect = outputs[out.tensor] else {
                throw TesseraError.usage("\(node.location): no region is given for \"\(out.tensor)\", an output of the stage")
            }
            guard out.extent.contains(rect) else {
                throw TesseraError.usage("\(node.location): the region \(rect) of \"\(out.tensor)\" is outside its extent \(out.extent)")
            }
            if !out.reduction { need[out.tensor] = rect }
        }
        var records: [NodeRegion] = []
        for member in stage.members.reversed() {
            let node = member.node
            let computed: Rect?
            let reads: [Rect]
            var padding: Padding?
            if member.rule == .reduction {
                computed = nil
                reads = [outputs[node.outputs[0]]!]
            } else {
                let out = node.outputs.reduce(Rect.empty) { $0.union(need[$1] ?? .empty) }
                computed = out
                (reads, padding) = member.rule.reads(out, positions: member.dataInputs)
            }
            var inputs = [Rect?](repeating: nil, count: node.inputs.count)
            for (k, rect) in zip(member.dataInputs, reads) {
                inputs[k] = rect
                need[node.inputs[k], default: .empty] = need[node.inputs[k], default: .empty].union(rect)
            }
            records.append(NodeRegion(node: member.index, output: computed, inputs: inputs, padding: padding))
        }
        for t in stage.maps.keys where need[t] == nil { need[t] = .empty }
        self.stage = stage
        self.requested = outputs
        self.regions = need
        self.nodes = records.reversed()
    }

    /// For a stage with one output: produce `region` of it.
    public init(_ stage: Stage, region: Rect) throws {
        guard stage.outputs.count == 1 else {
            throw TesseraError.usage("the stage has \(stage.outputs.count) outputs (\(stage.outputs.map { "\"\($0.tensor)\"" }.joined(separator: ", "))); name a region for each")
        }
        try self.init(stage, outputs: [stage.outputs[0].tensor: region])
    }

    /// The rectangle `tensor` must hold (nil for tensors the stage does not touch).
    public func region(_ tensor: String) -> Rect? { regions[tensor] }

    /// The record of node `index` (an index in `graph.nodes`).
    public func node(_ index: Int) -> NodeRegion? { nodes.first { $0.node == index } }

    /// The record of the node named `name`.
    public func node(named name: String) -> NodeRegion? { nodes.first { stage.graph.nodes[$0.node].name == name } }
}

/// What one node of a stage computes in one pass.
public struct NodeRegion: Equatable, Sendable {
    /// Index in `graph.nodes`.
    public var node: Int
    /// The region of its output (of every output, for a Split) it computes; nil for a
    /// reduction ending the stage, which folds `inputs[0]` of its input into its whole output.
    public var output: Rect?
    /// What it reads of each input, by input position; nil for constants (read whole, like
    /// weights) and omitted inputs.
    public var inputs: [Rect?]
    /// Conv, pools and Pad: the padding its region applies (see `Padding`); `.none` for
    /// a region away from the borders, and for an empty region. nil for other ops.
    public var padding: Padding?
}
