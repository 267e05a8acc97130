/// Structural checks of a graph and its topological order: every tensor produced exactly
/// once, every input produced somewhere, arities right, no cycles, outputs produced.
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
        g.nodes = try topologicalOrder(graph, producers)
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
        var nodeNames: [String: Int] = [:]
        for (i, node) in graph.nodes.enumerated() {
            if let j = nodeNames[node.name] {
                throw TesseraError.invalidModel(location: node.location, message: "duplicate node name (also \(graph.nodes[j].location))")
            }
            nodeNames[node.name] = i
            for output in node.outputs {
                guard !output.isEmpty else {
                    throw TesseraError.invalidModel(location: node.location, message: "output names must be non-empty")
                }
                if let other = producers[output] {
                    throw TesseraError.invalidModel(location: node.location, message: "output \"\(output)\" is already produced by \(describe(other))")
                }
                producers[output] = .node(i)
            }
        }
        return producers
    }

    static func checkNodes(_ graph: Graph, _ producers: [String: Producer]) throws {
        for node in graph.nodes {
            let op = node.op
            guard op.inputArity.contains(node.inputs.count) else {
                throw TesseraError.invalidModel(location: node.location, message: "\(op.name) takes \(arityText(op.inputArity)) inputs, got \(node.inputs.count)")
            }
            guard op.outputArity.contains(node.outputs.count) else {
                throw TesseraError.invalidModel(location: node.location, message: "\(op.name) takes \(arityText(op.outputArity)) outputs, got \(node.outputs.count)")
            }
            for (k, input) in node.inputs.enumerated() {
                if input.isEmpty {
                    if k < op.inputArity.lowerBound {
                        throw TesseraError.invalidModel(location: node.location, message: "input \(k) of \(op.name) is required but empty")
                    }
                    continue
                }
                guard let p = producers[input] else {
                    throw TesseraError.invalidModel(location: node.location, message: "input \"\(input)\" is not a graph input, a constant, or the output of any node")
                }
                if op.constantInputs.contains(k), case .constant = p {} else if op.constantInputs.contains(k) {
                    throw TesseraError.unsupported(location: node.location, message: "input \(k) (\"\(input)\") of \(op.name) must be a constant")
                }
            }
        }
    }

    private static func arityText(_ r: ClosedRange<Int>) -> String {
        r.lowerBound == r.upperBound ? "\(r.lowerBound)" : "\(r.lowerBound) to \(r.upperBound)"
    }

    static func topologicalOrder(_ graph: Graph, _ producers: [String: Producer]) throws -> [Node] {
        let n = graph.nodes.count
        var pending = [Int](repeating: 0, count: n)
        var readers = [[Int]](repeating: [], count: n)
        for (i, node) in graph.nodes.enumerated() {
            for input in Set(node.inputs) where !input.isEmpty {
                if case let .node(j)? = producers[input] {
                    pending[i] += 1
                    readers[j].append(i)
                }
            }
        }
        // Kahn's algorithm, always taking the lowest-numbered ready node: stable.
        var ready = (0..<n).filter { pending[$0] == 0 }
        var order: [Int] = []
        while !ready.isEmpty {
            let i = ready.min()!
            ready.removeAll { $0 == i }
            order.append(i)
            for r in readers[i] {
                pending[r] -= 1
                if pending[r] == 0 { ready.append(r) }
            }
        }
        if order.count < n {
            let stuck = Set(0..<n).subtracting(order)
            let cycle = findCycle(graph, producers, stuck)
            let first = graph.nodes[cycle[0]]
            let path = (cycle + [cycle[0]]).map { "\"\(graph.nodes[$0].name)\"" }.joined(separator: " -> ")
            throw TesseraError.invalidModel(location: first.location, message: "the graph has a cycle: \(path)")
        }
        return order.map { graph.nodes[$0] }
    }

    /// One cycle among the nodes that could not be ordered, starting at its lowest index.
    private static func findCycle(_ graph: Graph, _ producers: [String: Producer], _ stuck: Set<Int>) -> [Int] {
        func predecessors(_ i: Int) -> [Int] {
            graph.nodes[i].inputs.compactMap {
                if case let .node(j)? = producers[$0], stuck.contains(j) { return j }
                return nil
            }.sorted()
        }
        // Walk backwards through stuck predecessors until a node repeats.
        var path: [Int] = []
        var index: [Int: Int] = [:]
        var current = stuck.min()!
        while index[current] == nil {
            index[current] = path.count
            path.append(current)
            current = predecessors(current).first!
        }
        var cycle = Array(path[index[current]!...]).reversed() as [Int]
        let start = cycle.firstIndex(of: cycle.min()!)!
        cycle = Array(cycle[start...] + cycle[..<start])
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
