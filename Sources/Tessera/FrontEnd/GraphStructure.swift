/// Structural checks of a graph and its topological order: every tensor produced exactly
/// once, every input produced somewhere, arities right, no cycles, outputs produced.
///
/// The node-level checks are generic over `StructuralNode`, so that the ONNX importer runs
/// the same checks, with the same messages, on an ONNX graph before it imports a node
/// (ONNXStructure.swift).
public enum GraphStructure {
    /// Where a tensor comes from.
    public enum Producer: Equatable {
        case input(Int)
        case constant(String)
        case node(Int)
    }

    /// Checks the structure and returns the graph with its nodes in a stable topological
    /// order (nodes already in order keep it).
    public static func ordered(_ graph: Graph) throws -> Graph {
        let producers = try checkNames(graph)
        try checkNodes(graph, producers)
        var g = graph
        g.nodes = try topologicalOrder(graph.nodes, producers).map { graph.nodes[$0] }
        try checkOutputs(g, producers)
        return g
    }

    /// The same checks without reordering: the verifier's form, for graphs passes produced.
    public static func verify(_ graph: Graph) throws {
        let producers = try checkNames(graph)
        try checkNodes(graph, producers)
        var seen = Set(graph.inputs.map(\.name)).union(graph.constants.keys)
        for node in graph.nodes {
            for input in node.inputs where !input.isEmpty && !seen.contains(input) {
                throw TesseraError.internalError("\(node.location) reads \"\(input)\" before it is produced (nodes are not in topological order)")
            }
            seen.formUnion(node.outputs)
        }
        try checkOutputs(graph, producers)
    }

    static func checkNames(_ graph: Graph) throws -> [String: Producer] {
        var producers: [String: Producer] = [:]
        func describe(_ p: Producer) -> String {
            switch p {
            case let .input(i): return place("inputs", i, graph.inputs[i].name)
            case let .constant(name): return place("constants", graph.constants[name]?.sourceIndex ?? graph.constants.index(forKey: name) ?? 0, name)
            case let .node(i): return graph.nodes[i].location
            }
        }
        for (i, input) in graph.inputs.enumerated() {
            if let other = producers[input.name] {
                throw TesseraError.invalidModel(location: place("inputs", i, input.name), message: "duplicate tensor name (also \(describe(other)))")
            }
            producers[input.name] = .input(i)
        }
        for (name, c) in graph.constants {
            if let other = producers[name] {
                throw TesseraError.invalidModel(location: place("constants", c.sourceIndex ?? 0, name), message: "duplicate tensor name (also \(describe(other)))")
            }
            producers[name] = .constant(name)
        }
        try addOutputs(of: graph.nodes, to: &producers, describe: describe)
        return producers
    }

    /// Records every node output in `producers`: node names unique, outputs non-empty
    /// (`optionalOutputs`: ONNX omits an optional output with an empty name, which
    /// produces nothing), each tensor produced once.
    static func addOutputs<N: StructuralNode>(of nodes: [N], to producers: inout [String: Producer], optionalOutputs: Bool = false,
                                              describe: (Producer) -> String) throws {
        // Concrete arrays first: the loops below then run without generic dispatch.
        let names = nodes.map(\.name), outputs = nodes.map(\.outputs)
        var nodeNames: [String: Int] = [:]
        nodeNames.reserveCapacity(nodes.count)
        for i in names.indices {
            if let j = nodeNames.updateValue(i, forKey: names[i]) {
                throw TesseraError.invalidModel(location: nodes[i].location, message: "duplicate node name (also \(nodes[j].location))")
            }
            for k in outputs[i].indices {
                let output = outputs[i][k]
                if output.isEmpty {
                    if optionalOutputs && k > 0 { continue }
                    throw TesseraError.invalidModel(location: nodes[i].location, message: "output names must be non-empty")
                }
                if let other = producers.updateValue(.node(i), forKey: output) {
                    throw TesseraError.invalidModel(location: nodes[i].location, message: "output \"\(output)\" is already produced by \(describe(other))")
                }
            }
        }
    }

    static func checkNodes(_ graph: Graph, _ producers: [String: Producer]) throws {
        for node in graph.nodes { try checkNode(node) { producers[$0] } }
    }

    /// One Tessera node: arity, required inputs present, every input produced, constant
    /// operands constant. `producer(name)` says where a tensor comes from.
    static func checkNode(_ node: Node, _ producer: (String) -> Producer?) throws {
        let op = node.op
        try checkArity(node, op.name, inputs: op.inputArity, outputs: op.outputArity)
        try checkInputs(node, op.name, required: op.inputArity.lowerBound, producer)
        for (k, input) in node.inputs.enumerated() where !input.isEmpty && op.constantInputs.contains(k) {
            guard case .constant? = producer(input) else {
                throw TesseraError.unsupported(location: node.location, message: "input \(k) (\"\(input)\") of \(op.name) must be a constant")
            }
        }
    }

    /// The node lists a number of inputs and outputs its op takes.
    static func checkArity(_ node: some StructuralNode, _ op: String, inputs: ClosedRange<Int>, outputs: ClosedRange<Int>) throws {
        guard inputs.contains(node.inputs.count) else {
            throw TesseraError.invalidModel(location: node.location, message: "\(op) takes \(arityText(inputs)) inputs, got \(node.inputs.count)")
        }
        guard outputs.contains(node.outputs.count) else {
            throw TesseraError.invalidModel(location: node.location, message: "\(op) takes \(arityText(outputs)) outputs, got \(node.outputs.count)")
        }
    }

    /// The first `required` inputs are named, and every named input is produced.
    static func checkInputs(_ node: some StructuralNode, _ op: String, required: Int, _ producer: (String) -> Producer?) throws {
        for (k, input) in node.inputs.enumerated() {
            if input.isEmpty {
                if k < required {
                    throw TesseraError.invalidModel(location: node.location, message: "input \(k) of \(op) is required but empty")
                }
                continue
            }
            guard producer(input) != nil else {
                throw TesseraError.invalidModel(location: node.location, message: "input \"\(input)\" is not a graph input, a constant, or the output of any node")
            }
        }
    }

    private static func arityText(_ r: ClosedRange<Int>) -> String {
        if r.upperBound == Int.max { return "\(r.lowerBound) or more" }
        return r.lowerBound == r.upperBound ? "\(r.lowerBound)" : "\(r.lowerBound) to \(r.upperBound)"
    }

    /// A stable topological order of `nodes` (indices; nodes already in order keep it), or
    /// an error naming one cycle. O(n log n) in the number of nodes.
    static func topologicalOrder<N: StructuralNode>(_ nodes: [N], _ producers: [String: Producer]) throws -> [Int] {
        let n = nodes.count
        let inputs = nodes.map(\.inputs)
        var pending = [Int](repeating: 0, count: n)
        var readers = [[Int]](repeating: [], count: n)
        for i in 0..<n {
            var seen: [Int] = []  // producers already counted for this node (few)
            for input in inputs[i] where !input.isEmpty {
                if case let .node(j)? = producers[input], !seen.contains(j) {
                    seen.append(j)
                    pending[i] += 1
                    readers[j].append(i)
                }
            }
        }
        // Kahn's algorithm, always taking the lowest-numbered ready node: stable.
        var ready = MinHeap((0..<n).filter { pending[$0] == 0 })
        var order: [Int] = []
        order.reserveCapacity(n)
        while let i = ready.pop() {
            order.append(i)
            for r in readers[i] {
                pending[r] -= 1
                if pending[r] == 0 { ready.push(r) }
            }
        }
        if order.count < n {
            let stuck = Set(0..<n).subtracting(order)
            let cycle = findCycle(nodes, producers, stuck)
            let path = (cycle + [cycle[0]]).map { "\"\(nodes[$0].name)\"" }.joined(separator: " -> ")
            throw TesseraError.invalidModel(location: nodes[cycle[0]].location, message: "the graph has a cycle: \(path)")
        }
        return order
    }

    /// One cycle among the nodes that could not be ordered, starting at its lowest index.
    /// Every stuck node reads a stuck node, so the walk backwards always finds one.
    private static func findCycle<N: StructuralNode>(_ nodes: [N], _ producers: [String: Producer], _ stuck: Set<Int>) -> [Int] {
        func predecessor(_ i: Int) -> Int? {
            nodes[i].inputs.compactMap {
                if case let .node(j)? = producers[$0], stuck.contains(j) { return j }
                return nil
            }.min()
        }
        var path: [Int] = []
        var index: [Int: Int] = [:]
        var current = stuck.min() ?? 0
        while index[current] == nil, let previous = predecessor(current) {
            index[current] = path.count
            path.append(current)
            current = previous
        }
        guard let start = index[current] else { return [current] }
        var cycle = Array(path[start...]).reversed() as [Int]
        if let lowest = cycle.indices.min(by: { cycle[$0] < cycle[$1] }) {
            cycle = Array(cycle[lowest...] + cycle[..<lowest])
        }
        return cycle
    }

    static func checkOutputs(_ graph: Graph, _ producers: [String: Producer]) throws {
        var seen = Set<String>()
        for (i, output) in graph.outputs.enumerated() {
            let at = place("outputs", i, output)
            guard seen.insert(output).inserted else {
                throw TesseraError.invalidModel(location: at, message: "listed twice")
            }
            switch producers[output] {
            case nil:
                throw TesseraError.invalidModel(location: at, message: "no node produces this tensor")
            case .input?:
                throw TesseraError.unsupported(location: at, message: "is a graph input; outputs must be produced by a node")
            case .constant?:
                throw TesseraError.unsupported(location: at, message: "is a constant; outputs must be produced by a node")
            case .node?:
                break
            }
        }
    }
}

/// What the structural checks read of a node: Tessera's nodes, and the ONNX importer's
/// view of an ONNX node.
protocol StructuralNode {
    var name: String { get }
    /// The place messages name, e.g. `nodes[3] "conv2"`.
    var location: String { get }
    var inputs: [String] { get }
    var outputs: [String] { get }
}

extension Node: StructuralNode {}

/// A binary min-heap of node indices (the ready set of the topological sort).
struct MinHeap {
    private var items: [Int] = []

    init(_ values: [Int]) {
        for v in values { push(v) }
    }

    mutating func push(_ v: Int) {
        items.append(v)
        var i = items.count - 1
        while i > 0, items[(i - 1) / 2] > items[i] {
            items.swapAt(i, (i - 1) / 2)
            i = (i - 1) / 2
        }
    }

    mutating func pop() -> Int? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, items[l] < items[m] { m = l }
                if r < items.count, items[r] < items[m] { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
