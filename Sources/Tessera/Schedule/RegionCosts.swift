/// The figures a scheduler weighs for one stage run as a given set of passes (a grid of
/// patches, row bands...): the work each node does over all passes against computing its
/// whole output once, and the largest region of each tensor, the buffer a pass needs.
public struct StageCosts: Sendable {
    public struct NodeCost: Equatable, Sendable {
        /// Index in `graph.nodes`.
        public var node: Int
        public var name: String
        /// MACs of computing the node's region in every pass, summed.
        public var patchedMACs: Int
        /// MACs of computing its whole output once: the layer's MACs as `ModelSummary`
        /// (and `tessera inspect`) report them.
        public var wholeMACs: Int
        /// Output elements written over every pass (for a final reduction: input elements
        /// folded in), and once for the whole output (input).
        public var patchedElements: Int
        public var wholeElements: Int

        /// MACs spent recomputing the halos: patched - whole. It is negative for a node
        /// whose whole output the stage does not need (rows a strided window never reads).
        public var overheadMACs: Int { patchedMACs - wholeMACs }
    }

    public struct TensorCost: Equatable, Sendable {
        public var tensor: String
        /// The largest region of it over the passes, in elements (pixels times channels and
        /// batch): the buffer a pass needs. A final reduction's output counts whole.
        public var largestRegionElements: Int
        public var wholeElements: Int
    }

    /// One per stage node, in `stage.nodes` order.
    public var nodes: [NodeCost]
    /// One per tensor the stage reads or writes (constants aside), inputs first, then in
    /// the order the stage writes them.
    public var tensors: [TensorCost]
    /// The analysis of every pass, in order.
    public var passes: [RegionAnalysis]

    public var patchedMACs: Int { nodes.map(\.patchedMACs).reduce(0, +) }
    public var wholeMACs: Int { nodes.map(\.wholeMACs).reduce(0, +) }
    public var overheadMACs: Int { patchedMACs - wholeMACs }

    /// The costs of running `stage` as `passes` (each a region per output, see
    /// `RegionAnalysis.init(_:outputs:)`; `Stage.grid` and `Stage.bands` make them).
    public init(_ stage: Stage, passes: [[String: Rect]]) throws {
        let analyses = try passes.map { try RegionAnalysis(stage, outputs: $0) }
        self.passes = analyses
        nodes = stage.members.enumerated().map { position, member in
            let records = analyses.map { $0.nodes[position] }
            let patched = records.map { StageCosts.macs(member.spec, $0.output ?? .empty) }.reduce(0, +)
            let elements = records.map { StageCosts.elements(stage, member, $0) }.reduce(0, +)
            return NodeCost(node: member.index, name: member.node.name, patchedMACs: patched, wholeMACs: member.spec.macs,
                            patchedElements: elements, wholeElements: StageCosts.wholeElements(stage, member))
        }
        var order = stage.inputs
        for member in stage.members {
            for o in member.node.outputs where !o.isEmpty && !order.contains(o) { order.append(o) }
        }
        tensors = order.map { t in
            if let map = stage.featureMap(t) {
                let largest = analyses.map { ($0.regions[t] ?? .empty).area }.max() ?? 0
                return TensorCost(tensor: t, largestRegionElements: largest * map.elementsPerPixel, wholeElements: map.elementCount)
            }
            let whole = stage.graph.types[t]?.elementCount ?? 0
            return TensorCost(tensor: t, largestRegionElements: passes.isEmpty ? 0 : whole, wholeElements: whole)
        }
    }

    public func node(named name: String) -> NodeCost? { nodes.first { $0.name == name } }
    public func tensor(_ name: String) -> TensorCost? { tensors.first { $0.tensor == name } }

    /// MACs of computing `region` of a node's output: the project's formula
    /// (`NodeSpec.macs`) for an output of the region's size.
    static func macs(_ spec: NodeSpec, _ region: Rect) -> Int {
        guard case var .conv(s) = spec else { return 0 }
        s.geometry.output = (region.height, region.width)
        return NodeSpec.conv(s).macs
    }

    private static func elements(_ stage: Stage, _ member: Stage.Member, _ record: NodeRegion) -> Int {
        guard let out = record.output else {
            return (record.inputs[0]?.area ?? 0) * (stage.featureMap(member.node.inputs[0])?.elementsPerPixel ?? 0)
        }
        return member.node.outputs.compactMap { stage.featureMap($0) }.map { out.area * $0.elementsPerPixel }.reduce(0, +)
    }

    private static func wholeElements(_ stage: Stage, _ member: Stage.Member) -> Int {
        if member.rule == .reduction { return stage.featureMap(member.node.inputs[0])?.elementCount ?? 0 }
        return member.node.outputs.compactMap { stage.featureMap($0) }.map(\.elementCount).reduce(0, +)
    }
}
