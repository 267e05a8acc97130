/// Replaces every node whose inputs are all constants by constants holding its outputs,
/// computed with the reference interpreter. One pass in topological order folds whole
/// chains. Left to run are a node that writes a graph output (the model's API writes it),
/// and one whose result would be much larger than its inputs (beyond `maxElements`
/// values) or not finite: constants are finite, and a file must not make the compiler
/// compute gigabytes.
enum ConstantFolding {
    static let maxElements = 1 << 20

    static func run(_ graph: Graph) throws -> Graph {
        var g = graph
        var kept: [Node] = []
        kept.reserveCapacity(graph.nodes.count)
        let graphOutputs = Set(graph.outputs)
        for node in graph.nodes {
            let inputs = node.inputs.filter { !$0.isEmpty }
            // A graph output stays computed by a node: the model's API writes it.
            guard !inputs.isEmpty, inputs.allSatisfy({ g.constants[$0] != nil }), !node.outputs.contains(where: graphOutputs.contains) else {
                kept.append(node)
                continue
            }
            let spec = try NodeSpec.of(node, in: g)
            // A result may be as large as its inputs (a transposed weight), not much larger.
            let budget = max(maxElements, 2 * inputs.map { g.constants[$0]!.type.elementCount }.reduce(0, +))
            guard spec.outputShapes.allSatisfy({ (checkedElementCount($0) ?? .max) <= budget }) else {
                kept.append(node)
                continue
            }
            let values = node.inputs.map { name -> TensorValue? in
                guard let c = name.isEmpty ? nil : g.constants[name] else { return nil }
                switch c.data {
                case let .float(v): return TensorValue(shape: c.type.shape, data: v)
                case let .int64(v): return TensorValue(shape: c.type.shape, data: v.map { Float($0) })
                }
            }
            let results = ReferenceOps.evaluate(spec, values[0]!, values)
            guard results.allSatisfy({ $0.data.allSatisfy(\.isFinite) }) else {
                kept.append(node)
                continue
            }
            for (name, value) in zip(node.outputs, results) {
                g.constants[name] = Constant(name: name, type: TensorType(value.shape), data: .float(value.data))
                g.types[name] = TensorType(value.shape)
            }
        }
        g.nodes = kept
        return g
    }
}

/// Removes nodes whose outputs nothing reads, then constants nothing reads.
enum DeadCodeElimination {
    static func run(_ graph: Graph) throws -> Graph {
        var g = graph
        var used = Set(g.outputs)
        var kept: [Node] = []
        for node in g.nodes.reversed() where node.outputs.contains(where: used.contains) {
            kept.append(node)
            used.formUnion(node.inputs.filter { !$0.isEmpty })
        }
        g.nodes = kept.reversed()
        g.constants = g.constants.filter { used.contains($0.key) }
        return g
    }
}

/// Removes nodes that do nothing at inference: Identity, Dropout, reshapes to the same
/// shape, identity transposes, and transposes that cancel (or merge) with the one before.
/// Rewrites apply lowest node first, as if the graph were rescanned after each one.
enum IdentityRemoval {
    static func run(_ graph: Graph) throws -> Graph {
        var e = GraphEditor(graph)
        var work = NodeWorklist(e.indices)
        while let i = work.pop() {
            guard let node = e[i] else { continue }
            guard let touched = try simplify(&e, i) else { continue }
            // What the edit touched may now simplify (or no longer): look again.
            work.push(i)
            for o in node.outputs { for r in e.readers(of: o) { work.push(r) } }
            work.pushNeighbours(of: touched, in: e)
        }
        return e.graph
    }

    /// Simplifies node `i`; the tensors whose producer or readers changed, or nil when
    /// nothing changed.
    private static func simplify(_ e: inout GraphEditor, _ i: Int) throws -> [String]? {
        let node = e[i]!
        let changed = node.inputs.filter { !$0.isEmpty } + node.outputs
        switch node.op {
        case .identity, .dropout:
            return e.bypass(i) ? changed : nil
        case .reshape, .flatten, .squeeze, .unsqueeze:
            return e.types[node.inputs[0]]?.shape == e.types[node.outputs[0]]?.shape && e.bypass(i) ? changed : nil
        case .transpose:
            let perm = try e.spec(i).transposePerm
            if perm == Array(perm.indices) { return e.bypass(i) ? changed : nil }
            guard let p = e.producer(of: node.inputs[0]), let innerNode = e[p], innerNode.op == .transpose else { return nil }
            let inner = try e.spec(p).transposePerm
            let composed = perm.map { inner[$0] }
            e.update(i) { n in
                n.inputs[0] = innerNode.inputs[0]
                n.attributes["perm"] = .ints(composed)
            }
            if e.useCount(of: innerNode.outputs[0]) == 0 { e.remove(p) }
            if composed == Array(composed.indices) { _ = e.bypass(i) }
            return changed + innerNode.inputs
        default:
            return nil
        }
    }
}

extension NodeSpec {
    /// The perm of a Transpose node's spec.
    var transposePerm: [Int] {
        if case let .copy(_, perm?) = self { return perm }
        return []
    }
}
