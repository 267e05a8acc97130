/// The execution order of a graph with branches (Inception blocks, YOLO necks, Concat):
/// which ready layer runs next decides which tensors are live together. Candidate
/// topological orders are planned and the one with the smallest arena is kept (ties: the
/// model's own order first):
/// - the model's order (as the front end sorted it);
/// - depth first: the ready node that reads the most recently produced tensor, so a branch
///   finishes before the next one starts;
/// - memory greedy: the ready node that adds the fewest live bytes (its output minus the
///   inputs it is the last reader of).
/// A chain (every node ready only after the one before) has one order and is planned once.
enum ExecutionOrder {
    static func best(_ graph: Graph, plan: (Graph) throws -> MemoryPlan) throws -> (graph: Graph, plan: MemoryPlan) {
        var best = (graph: graph, plan: try plan(graph))
        var seen = [graph.nodes.map(\.name)]
        for order in [depthFirst(graph), memoryGreedy(graph)] {
            var g = graph
            g.nodes = order.map { graph.nodes[$0] }
            let names = g.nodes.map(\.name)
            guard !seen.contains(names) else { continue }
            seen.append(names)
            let p = try plan(g)
            if p.arenaBytes < best.plan.arenaBytes { best = (g, p) }
        }
        return best
    }

    /// A topological order that takes, among the ready nodes, the one `score` ranks lowest
    /// (ties: the lower index in the model's order).
    static func order(_ graph: Graph, score: (_ node: Int, _ produced: [String: Int], _ readersLeft: [String: Int]) -> Int) -> [Int] {
        var producer: [String: Int] = [:]
        for (i, node) in graph.nodes.enumerated() { for o in node.outputs { producer[o] = i } }
        var waiting = [Int](repeating: 0, count: graph.nodes.count)
        var dependents = [[Int]](repeating: [], count: graph.nodes.count)
        var readersLeft: [String: Int] = [:]
        for (i, node) in graph.nodes.enumerated() {
            let deps = Set(node.inputs.compactMap { producer[$0] })
            waiting[i] = deps.count
            for d in deps { dependents[d].append(i) }
            for input in Set(node.inputs) where !input.isEmpty { readersLeft[input, default: 0] += 1 }
        }
        var ready = Set(graph.nodes.indices.filter { waiting[$0] == 0 })
        var produced: [String: Int] = [:]  // tensor -> step it was produced at
        var out: [Int] = []
        while let next = ready.min(by: { (score($0, produced, readersLeft), $0) < (score($1, produced, readersLeft), $1) }) {
            ready.remove(next)
            out.append(next)
            for o in graph.nodes[next].outputs { produced[o] = out.count }
            for input in Set(graph.nodes[next].inputs) where !input.isEmpty { readersLeft[input, default: 1] -= 1 }
            for d in dependents[next] {
                waiting[d] -= 1
                if waiting[d] == 0 { ready.insert(d) }
            }
        }
        return out.count == graph.nodes.count ? out : Array(graph.nodes.indices)
    }

    static func depthFirst(_ graph: Graph) -> [Int] {
        order(graph) { i, produced, _ in
            -(graph.nodes[i].inputs.compactMap { produced[$0] }.max() ?? 0)
        }
    }

    static func memoryGreedy(_ graph: Graph) -> [Int] {
        func bytes(_ t: String) -> Int { graph.constants[t] == nil ? (graph.types[t]?.byteCount ?? 0) : 0 }
        return order(graph) { i, produced, readersLeft in
            let node = graph.nodes[i]
            let freed = Set(node.inputs).filter { produced[$0] != nil && readersLeft[$0] == 1 }.map(bytes).reduce(0, +)
            return node.outputs.map(bytes).reduce(0, +) - freed
        }
    }
}
