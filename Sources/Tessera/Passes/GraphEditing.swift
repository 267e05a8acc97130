import OrderedCollections

/// The tensor and node names in use, for making new ones: `fresh` is O(1), where a scan of
/// the graph per new name made the passes quadratic.
struct NameTable {
    private var taken = Set<String>()
    /// The next suffix to try for a base name.
    private var next: [String: Int] = [:]

    init(_ graph: Graph) {
        for input in graph.inputs { taken.insert(input.name) }
        for name in graph.constants.keys { taken.insert(name) }
        for node in graph.nodes {
            taken.insert(node.name)
            for output in node.outputs { taken.insert(output) }
        }
    }

    /// A table holding `names`.
    init(names: some Sequence<String>) {
        taken = Set(names)
    }

    mutating func reserve(_ name: String) { taken.insert(name) }

    /// `base` if unused, else `base_2`, `base_3`, ...: the first one unused. The name is
    /// taken from then on.
    mutating func fresh(_ base: String) -> String {
        if taken.insert(base).inserted { return base }
        var k = next[base] ?? 2
        while taken.contains("\(base)_\(k)") { k += 1 }
        next[base] = k + 1
        let name = "\(base)_\(k)"
        taken.insert(name)
        return name
    }
}

/// A graph under rewriting, with the indexes that make each edit and query O(1): the
/// producer and the readers of every tensor, the use count of graph outputs, the names in
/// use. A removed node leaves a hole, so node indices stay valid for the whole pass;
/// `graph` compacts them.
struct GraphEditor {
    private var base: Graph
    private(set) var nodes: [Node?]
    private var producers: [String: Int] = [:]
    /// tensor -> (reading node -> number of its input slots reading the tensor)
    private var readers: [String: [Int: Int]] = [:]
    private var graphOutputs: [String: Int] = [:]
    var names: NameTable

    init(_ graph: Graph) {
        base = graph
        nodes = graph.nodes
        names = NameTable(graph)
        base.nodes = []
        for (i, node) in graph.nodes.enumerated() { index(i, node) }
        for output in graph.outputs { graphOutputs[output, default: 0] += 1 }
    }

    /// The graph with the removed nodes gone.
    var graph: Graph {
        var g = base
        g.nodes = nodes.compactMap { $0 }
        return g
    }

    var constants: OrderedDictionary<String, Constant> { base.constants }
    var types: [String: TensorType] { base.types }
    var outputs: [String] { base.outputs }
    var specContext: SpecContext { SpecContext(types: base.types, constants: base.constants) }
    /// Indices of the nodes, removed ones included (they read as nil).
    var indices: Range<Int> { nodes.indices }

    subscript(i: Int) -> Node? { nodes[i] }

    func spec(_ i: Int) throws -> NodeSpec { try NodeSpec.make(nodes[i]!, specContext) }

    func producer(of tensor: String) -> Int? { producers[tensor] }

    /// The nodes reading `tensor`, in index order.
    func readers(of tensor: String) -> [Int] { (readers[tensor] ?? [:]).keys.sorted() }

    func isGraphOutput(_ tensor: String) -> Bool { graphOutputs[tensor] != nil }

    /// Input slots reading `tensor`, plus one per graph output that is `tensor`.
    func useCount(of tensor: String) -> Int {
        (readers[tensor]?.values.reduce(0, +) ?? 0) + (graphOutputs[tensor] ?? 0)
    }

    private mutating func index(_ i: Int, _ node: Node) {
        for output in node.outputs where !output.isEmpty { producers[output] = i }
        for input in node.inputs where !input.isEmpty { readers[input, default: [:]][i, default: 0] += 1 }
    }

    private mutating func unindex(_ i: Int, _ node: Node) {
        for output in node.outputs where producers[output] == i { producers[output] = nil }
        for input in node.inputs where !input.isEmpty {
            readers[input]?[i]? -= 1
            if readers[input]?[i] == 0 { readers[input]?[i] = nil }
            if readers[input]?.isEmpty == true { readers[input] = nil }
        }
    }

    /// Replaces node `i` (its indexes follow).
    mutating func update(_ i: Int, _ change: (inout Node) -> Void) {
        guard var node = nodes[i] else { return }
        unindex(i, node)
        change(&node)
        nodes[i] = node
        index(i, node)
    }

    mutating func remove(_ i: Int) {
        guard let node = nodes[i] else { return }
        unindex(i, node)
        nodes[i] = nil
    }

    /// Every node input reading `old` reads `new` instead (graph outputs too).
    mutating func replaceUses(of old: String, with new: String) {
        for r in readers(of: old) {
            update(r) { node in
                for k in node.inputs.indices where node.inputs[k] == old { node.inputs[k] = new }
            }
        }
        if let n = graphOutputs.removeValue(forKey: old) {
            graphOutputs[new, default: 0] += n
            for k in base.outputs.indices where base.outputs[k] == old { base.outputs[k] = new }
        }
    }

    /// Removes node `i`, whose single output reads like its input, rewiring its readers to
    /// the input. When the output is a graph output, the producer of the input is renamed
    /// instead (if it has one and the input is neither a graph output nor read elsewhere).
    /// Returns false when neither is possible.
    mutating func bypass(_ i: Int) -> Bool {
        guard let node = nodes[i] else { return false }
        let input = node.inputs[0], output = node.outputs[0]
        if !isGraphOutput(output) {
            remove(i)
            replaceUses(of: output, with: input)
            return true
        }
        guard let p = producer(of: input), !isGraphOutput(input), useCount(of: input) == 1 else { return false }
        remove(i)
        update(p) { producer in
            if let k = producer.outputs.firstIndex(of: input) { producer.outputs[k] = output }
        }
        return true
    }

    /// Adds a float constant named after `base` and returns its name. Its type is known
    /// at once: later nodes of the pass may read it (a ChannelAffine another
    /// BatchNormalization then tries to fold into).
    mutating func addConstant(_ name: String, _ shape: [Int], _ values: [Float]) -> String {
        let fresh = names.fresh(name)
        base.constants[fresh] = Constant(name: fresh, type: TensorType(shape), data: .float(values))
        base.types[fresh] = TensorType(shape)
        return fresh
    }
}

/// The nodes a pass still has to look at, lowest index first: with "re-examine what an
/// edit touched" it applies the same rewrites, in the same order, as rescanning the whole
/// graph from the start after every edit, without the quadratic cost.
struct NodeWorklist {
    private var heap: MinHeap
    private var queued: Set<Int>

    init(_ indices: Range<Int>) {
        heap = MinHeap(Array(indices))
        queued = Set(indices)
    }

    mutating func pop() -> Int? {
        guard let i = heap.pop() else { return nil }
        queued.remove(i)
        return i
    }

    mutating func push(_ i: Int) {
        if queued.insert(i).inserted { heap.push(i) }
    }

    /// Queues the producers and readers of `tensors`.
    mutating func pushNeighbours(of tensors: [String], in editor: GraphEditor) {
        for t in tensors {
            if let p = editor.producer(of: t) { push(p) }
            for r in editor.readers(of: t) { push(r) }
        }
    }
}
