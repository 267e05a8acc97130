/// A set of nodes of a compiled graph run one spatial region at a time (a patch or a row
/// band): the unit the region analysis works on.
///
/// The graph is the one the passes leave (`Pipeline.run`, or `CompiledModel.graph`, the
/// same graph in execution order), where feature maps between spatial ops are NHWC; node
/// indices are positions in `graph.nodes`. Any verified graph works (an NCHW one too):
/// each feature map's rows and columns are found from its layout (`FeatureMap`).
///
/// A stage must be closed under consumers inside it: a node outside the stage may not
/// read a tensor of the stage and (directly or through other nodes) feed a node of the
/// stage, since the stage runs as one unit. Every tensor it reads or writes, constants
/// aside, must be a 4-D feature map. It need not be connected.
///
/// Its outputs are the tensors its nodes write that a node outside reads, or that are
/// graph outputs. The caller names, for each, the region to produce. One kind of output is
/// special: a reduction over both spatial axes (GlobalAveragePool, or ReduceMean, Sum, Max
/// or Min over the rows and columns) whose output leaves the stage. Its output has no
/// spatial extent; the stage treats it as consuming its input, and the caller iterates
/// regions of the reduction's INPUT instead, each pass folding one region into the whole
/// output (partial sums, maxima...). Its `StageOutput.reduction` is true and `extent` is
/// the extent of its input, the space its regions are named in. A reduction whose output
/// is read inside the stage cannot be streamed and is refused.
public struct Stage: Sendable {
    public let graph: Graph
    /// The nodes, ascending (so in topological order).
    public let nodes: [Int]
    /// Tensors the stage reads that are computed outside it (or graph inputs), in order
    /// of first use; constants (weights) are not stage inputs.
    public let inputs: [String]
    public let outputs: [StageOutput]

    /// The stage's nodes with what the analysis needs, in `nodes` order.
    let members: [Member]
    /// The feature map of every non-constant tensor the stage reads or writes, except the
    /// outputs of terminal reductions.
    let maps: [String: FeatureMap]

    struct Member: Sendable {
        let index: Int
        let node: Node
        let spec: NodeSpec
        let rule: RegionRule
        /// Input positions holding a feature map computed by the graph (not a constant).
        let dataInputs: [Int]
    }

    /// The stage of the nodes at `nodes` (indices in `graph.nodes`, any order, no repeats).
    public init(_ graph: Graph, nodes: some Sequence<Int>) throws {
        let list = Array(nodes)
        guard !list.isEmpty else { throw TesseraError.usage("a stage needs at least one node") }
        if let bad = list.first(where: { !graph.nodes.indices.contains($0) }) {
            throw TesseraError.usage("stage node index \(bad) is out of range (the graph has \(graph.nodes.count) nodes)")
        }
        let set = Set(list)
        guard set.count == list.count else { throw TesseraError.usage("stage node indices \(list) repeat a node") }
        self.graph = graph
        self.nodes = set.sorted()
        try Stage.checkClosed(graph, set)

        let layouts = try FeatureMaps.layouts(graph)
        var producedInside = Set<String>()
        for i in self.nodes { producedInside.formUnion(graph.nodes[i].outputs.filter { !$0.isEmpty }) }
        let consumers = graph.consumers()
        func leaves(_ t: String) -> Bool { graph.outputs.contains(t) || (consumers[t] ?? []).contains { !set.contains($0) } }
        // A 4-D constant (a broadcast operand, a Concat part) is in its node's layout.
        func map(_ t: String, _ node: Node) -> FeatureMap? {
            guard let type = graph.types[t], type.rank == 4 else { return nil }
            return FeatureMap(layout: layouts[t] ?? layouts[node.outputs[0]] ?? .nchw, shape: type.shape)
        }

        var members: [Member] = [], maps: [String: FeatureMap] = [:], inputs: [String] = [], outputs: [StageOutput] = []
        for i in self.nodes {
            let node = graph.nodes[i]
            let spec = try NodeSpec.of(node, in: graph)
            if let why = RegionRule.refusal(node, spec) {
                throw TesseraError.unsupported(location: node.location, message: "\(node.op.name) \(why) cannot be inside a spatial stage")
            }
            var dataInputs: [Int] = []
            var inputMaps: [FeatureMap?] = []
            for (k, t) in node.inputs.enumerated() {
                let isData = !t.isEmpty && graph.constants[t] == nil
                if isData && node.op.constantInputs.contains(k) {
                    throw TesseraError.unsupported(location: node.location, message: "input \(k) (\"\(t)\") of \(node.op.name) is computed, not a constant; it cannot be inside a spatial stage")
                }
                let m = t.isEmpty ? nil : map(t, node)
                inputMaps.append(m)
                guard isData else { continue }
                if node.op == .conv && (k == 1 || k == 2) {
                    throw TesseraError.unsupported(location: node.location, message: "Conv \(k == 1 ? "weight" : "bias") \"\(t)\" is computed, not a constant; it cannot be inside a spatial stage")
                }
                guard let m else { throw Stage.notFeatureMap(node, "input", t, graph) }
                dataInputs.append(k)
                maps[t] = m
                if !producedInside.contains(t) && !inputs.contains(t) { inputs.append(t) }
            }
            let outputMap = node.outputs.first.flatMap { map($0, node) }
            let rule = try RegionRule.make(node, spec, inputs: inputMaps, output: outputMap)
            if rule == .reduction {
                guard let input = inputMaps[0], dataInputs == [0] else { throw Stage.notFeatureMap(node, "input", node.inputs[0], graph) }
                try Stage.checkSpatialReduction(node, spec, input)
                let out = node.outputs[0]
                if let reader = (consumers[out] ?? []).first(where: set.contains) {
                    throw TesseraError.unsupported(location: node.location, message: "\(node.op.name) reduces the rows and columns, so it can only end a spatial stage, but \(graph.nodes[reader].location) reads its output inside the stage")
                }
                outputs.append(StageOutput(tensor: out, node: i, extent: input.extent, reduction: true))
            } else {
                for (k, t) in node.outputs.enumerated() where !t.isEmpty {
                    guard let m = map(t, node) else { throw Stage.notFeatureMap(node, "output \(k)", t, graph) }
                    maps[t] = m
                    if leaves(t) { outputs.append(StageOutput(tensor: t, node: i, extent: m.extent, reduction: false)) }
                }
            }
            members.append(Member(index: i, node: node, spec: spec, rule: rule, dataInputs: dataInputs))
        }
        self.members = members
        self.maps = maps
        self.inputs = inputs
        self.outputs = outputs
    }

    /// The stage of the nodes named `names`.
    public init(_ graph: Graph, names: [String]) throws {
        let indices = try names.map { name in
            guard let i = graph.nodes.firstIndex(where: { $0.name == name }) else {
                throw TesseraError.usage("the graph has no node \"\(name)\"")
            }
            return i
        }
        try self.init(graph, nodes: indices)
    }

    /// The feature map (layout and shape) of a tensor the stage reads or writes; nil for
    /// constants, tensors outside the stage and the outputs of terminal reductions.
    public func featureMap(_ tensor: String) -> FeatureMap? { maps[tensor] }

    /// The output named `tensor`.
    public func output(_ tensor: String) -> StageOutput? { outputs.first { $0.tensor == tensor } }

    /// Refuses a node outside the stage that reads from the stage and feeds it.
    private static func checkClosed(_ graph: Graph, _ stage: Set<Int>) throws {
        let consumers = graph.consumers()
        var producer: [String: Int] = [:]
        for (i, node) in graph.nodes.enumerated() { for o in node.outputs where !o.isEmpty { producer[o] = i } }
        // below[i]: node i reads, directly or not, something a stage node wrote.
        var below = [Bool](repeating: false, count: graph.nodes.count)
        for (i, node) in graph.nodes.enumerated() {
            below[i] = node.inputs.contains { t in producer[t].map { stage.contains($0) || below[$0] } ?? false }
        }
        // above[i]: a stage node reads, directly or not, something node i wrote.
        var above = [Bool](repeating: false, count: graph.nodes.count)
        for i in graph.nodes.indices.reversed() {
            above[i] = graph.nodes[i].outputs.contains { t in (consumers[t] ?? []).contains { stage.contains($0) || above[$0] } }
        }
        for i in graph.nodes.indices where !stage.contains(i) && below[i] && above[i] {
            let node = graph.nodes[i]
            let from = node.inputs.first { t in producer[t].map { stage.contains($0) || below[$0] } ?? false } ?? ""
            // The first stage node it feeds: walk its consumers forwards.
            var queue = [i], seen: Set<Int> = [i], target: Int?
            while target == nil, !queue.isEmpty {
                let j = queue.removeFirst()
                for o in graph.nodes[j].outputs { for c in consumers[o] ?? [] where seen.insert(c).inserted {
                    if stage.contains(c) { target = Swift.min(target ?? c, c) } else { queue.append(c) }
                } }
            }
            let feeds = target.map { " and feeds \(graph.nodes[$0].location)" } ?? ""
            throw TesseraError.usage("the stage is not closed under its consumers: \(node.location) reads \"\(from)\" computed in the stage\(feeds), so it must be in the stage too")
        }
    }

    /// A reduction inside a stage must reduce both spatial axes of its input and nothing else.
    private static func checkSpatialReduction(_ node: Node, _ spec: NodeSpec, _ input: FeatureMap) throws {
        if case let .pool(.average, p) = spec, RegionRule.isGlobal(p.geometry) { return }
        guard case let .reduce(s) = spec else { throw TesseraError.internalError("\(node.location): not a reduction") }
        let outer = input.shape[..<input.rowAxis].reduce(1, *), inner = input.shape[(input.colAxis + 1)...].reduce(1, *)
        guard s.outer == outer, s.reduce == input.height * input.width, s.inner == inner else {
            throw TesseraError.unsupported(location: node.location, message: "\(node.op.name) of \(shapeText(input.shape)) (\(input.layout.rawValue)) does not reduce exactly the rows and columns; it cannot be inside a spatial stage")
        }
    }

    private static func notFeatureMap(_ node: Node, _ role: String, _ t: String, _ graph: Graph) -> TesseraError {
        let shape = graph.types[t].map { shapeText($0.shape) } ?? "?"
        return .unsupported(location: node.location, message: "\(role) \"\(t)\" \(shape) of \(node.op.name) is not a 4-D feature map; a spatial stage cannot cross it")
    }
}

/// A tensor the stage produces for the rest of the graph.
public struct StageOutput: Equatable, Sendable {
    public var tensor: String
    /// The node writing it (index in `graph.nodes`).
    public var node: Int
    /// The space its regions are named in: its own extent, or for a reduction its input's.
    public var extent: Rect
    /// A reduction over the rows and columns ending the stage: regions name the part of
    /// its input each pass folds in, and the output itself is always whole.
    public var reduction: Bool
}
