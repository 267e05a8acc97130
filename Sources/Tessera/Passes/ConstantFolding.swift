/// Replaces every node whose inputs are all constants by constants holding its outputs,
/// computed with the reference interpreter.
enum ConstantFolding {
    static func run(_ graph: Graph) throws -> Graph {
        var g = graph
        var index = 0
        while index < g.nodes.count {
            let node = g.nodes[index]
            let inputs = node.inputs.filter { !$0.isEmpty }
            guard !inputs.isEmpty, inputs.allSatisfy({ g.constants[$0] != nil }) else {
                index += 1
                continue
            }
            let spec = try NodeSpec.of(node, in: g)
            let values = node.inputs.map { name -> TensorValue? in
                guard let c = name.isEmpty ? nil : g.constants[name] else { return nil }
                switch c.data {
                case let .float(v): return TensorValue(shape: c.type.shape, data: v)
                case let .int64(v): return TensorValue(shape: c.type.shape, data: v.map { Float($0) })
                }
            }
            let results = ReferenceOps.evaluate(spec, values[0]!, values)
            for (name, value) in zip(node.outputs, results) {
                g.constants[name] = Constant(name: name, type: TensorType(value.shape), data: .float(value.data))
                g.types[name] = TensorType(value.shape)
            }
            g.nodes.remove(at: index)
        }
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
enum IdentityRemoval {
    static func run(_ graph: Graph) throws -> Graph {
        var g = graph
        var i = 0
        while i < g.nodes.count {
            if try simplify(&g, i) { i = 0 } else { i += 1 }
        }
        return g
    }

    /// Simplifies node `i`; true when the graph changed.
    private static func simplify(_ g: inout Graph, _ i: Int) throws -> Bool {
        let node = g.nodes[i]
        switch node.op {
        case .identity, .dropout:
            return g.bypass(i)
        case .reshape, .flatten, .squeeze, .unsqueeze:
            return g.types[node.inputs[0]]?.shape == g.types[node.outputs[0]]?.shape && g.bypass(i)
        case .transpose:
            let perm = try NodeSpec.of(node, in: g).transposePerm
            if perm == Array(perm.indices) { return g.bypass(i) }
            guard let p = g.producerIndex(of: node.inputs[0]), g.nodes[p].op == .transpose else { return false }
            let inner = try NodeSpec.of(g.nodes[p], in: g).transposePerm
            let composed = perm.map { inner[$0] }
            let innerNode = g.nodes[p]
            g.nodes[i].inputs[0] = innerNode.inputs[0]
            g.nodes[i].attributes["perm"] = .ints(composed)
            if g.useCount(of: innerNode.outputs[0]) == 0 { g.nodes.removeAll { $0.name == innerNode.name } }
            if composed == Array(composed.indices), let k = g.nodes.firstIndex(where: { $0.name == node.name }) { _ = g.bypass(k) }
            return true
        default:
            return false
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
