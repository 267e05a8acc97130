/// Fuses an activation into the op that produces its input, so the kernel applies it as it
/// writes each output instead of a second pass over memory. Recognises x * sigmoid(x)
/// (SiLU / Swish) as one activation.
enum ActivationFusion {
    static func run(_ graph: Graph) throws -> Graph {
        var g = graph
        var i = 0
        while i < g.nodes.count {
            if try fuseActivation(&g, i) || fuseSiLU(&g, i) { i = 0 } else { i += 1 }
        }
        return g
    }

    /// The producer of `tensor` if it can take a fused activation: a Conv, Gemm, binary op
    /// or ChannelAffine without one, whose output only the candidate reads.
    private static func fusableProducer(of tensor: String, readers: Int, _ g: Graph) throws -> Int? {
        guard let p = g.producerIndex(of: tensor), g.nodes[p].op.fusesActivation,
              try Activation.fused(g.nodes[p]) == .none,
              g.useCount(of: tensor) == readers, !g.outputs.contains(tensor) else { return nil }
        return p
    }

    /// Activation node `i` reading a fusable producer: fold it in.
    private static func fuseActivation(_ g: inout Graph, _ i: Int) throws -> Bool {
        let node = g.nodes[i]
        guard node.op.isActivation, let p = try fusableProducer(of: node.inputs[0], readers: 1, g) else { return false }
        let activation = try Activation.of(node, SpecContext(g))
        apply(activation, from: node, to: p, &g)
        return true
    }

    /// Mul(x, Sigmoid(x)) with x from a fusable producer: the producer gets SiLU.
    private static func fuseSiLU(_ g: inout Graph, _ i: Int) throws -> Bool {
        let mul = g.nodes[i]
        guard mul.op == .mul, try Activation.fused(mul) == .none else { return false }
        for (k, candidate) in mul.inputs.enumerated() {
            let other = mul.inputs[1 - k]
            guard let s = g.producerIndex(of: candidate), g.nodes[s].op == .sigmoid, g.nodes[s].inputs[0] == other,
                  g.useCount(of: candidate) == 1, !g.outputs.contains(candidate),
                  let p = try fusableProducer(of: other, readers: 2, g) else { continue }
            let sigmoid = g.nodes[s]
            apply(.silu, from: mul, to: p, &g)
            g.nodes.removeAll { $0.name == sigmoid.name }
            return true
        }
        return false
    }

    /// Records `activation` on producer `p`, which then writes `node`'s output; `node` goes.
    private static func apply(_ activation: Activation, from node: Node, to p: Int, _ g: inout Graph) {
        let produced = node.inputs.first { g.nodes[p].outputs.contains($0) }!
        let k = g.nodes[p].outputs.firstIndex(of: produced)!
        g.nodes[p].outputs[k] = node.outputs[0]
        for (key, value) in activation.fusionAttributes { g.nodes[p].attributes[key] = value }
        g.nodes.removeAll { $0.name == node.name }
    }
}
