/// Fuses an activation into the op that produces its input, so the kernel applies it as it
/// writes each output instead of a second pass over memory. Recognises x * sigmoid(x)
/// (SiLU / Swish) as one activation. Fusions apply lowest node first, as if the graph were
/// rescanned after each one.
enum ActivationFusion {
    static func run(_ graph: Graph) throws -> Graph {
        var e = GraphEditor(graph)
        var work = NodeWorklist(e.indices)
        while let i = work.pop() {
            guard e[i] != nil else { continue }
            guard let fused = try fuseActivation(&e, i) ?? fuseSiLU(&e, i) else { continue }
            work.push(fused.producer)
            work.pushNeighbours(of: fused.touched, in: e)
        }
        return e.graph
    }

    /// The producer of `tensor` if it can take a fused activation: a Conv, Gemm, binary op
    /// or ChannelAffine without one, whose output only the candidate reads.
    private static func fusableProducer(of tensor: String, readers: Int, _ e: GraphEditor) throws -> Int? {
        guard let p = e.producer(of: tensor), let node = e[p], node.op.fusesActivation,
              try Activation.fused(node) == .none,
              e.useCount(of: tensor) == readers, !e.isGraphOutput(tensor) else { return nil }
        return p
    }

    /// Activation node `i` reading a fusable producer: fold it in. Returns the producer and
    /// the tensors whose producer or readers changed.
    private static func fuseActivation(_ e: inout GraphEditor, _ i: Int) throws -> (producer: Int, touched: [String])? {
        let node = e[i]!
        guard node.op.isActivation, let p = try fusableProducer(of: node.inputs[0], readers: 1, e) else { return nil }
        let activation = try Activation.of(node, e.specContext)
        apply(activation, from: i, to: p, &e)
        return (p, node.inputs + node.outputs)
    }

    /// Mul(x, Sigmoid(x)) with x from a fusable producer: the producer gets SiLU.
    private static func fuseSiLU(_ e: inout GraphEditor, _ i: Int) throws -> (producer: Int, touched: [String])? {
        let mul = e[i]!
        guard mul.op == .mul, try Activation.fused(mul) == .none else { return nil }
        for (k, candidate) in mul.inputs.enumerated() {
            let other = mul.inputs[1 - k]
            guard let s = e.producer(of: candidate), let sigmoid = e[s], sigmoid.op == .sigmoid, sigmoid.inputs[0] == other,
                  e.useCount(of: candidate) == 1, !e.isGraphOutput(candidate),
                  let p = try fusableProducer(of: other, readers: 2, e) else { continue }
            apply(.silu, from: i, to: p, &e)
            e.remove(s)
            return (p, mul.inputs + mul.outputs + sigmoid.inputs)
        }
        return nil
    }

    /// Records `activation` on producer `p`, which then writes node `i`'s output; `i` goes.
    private static func apply(_ activation: Activation, from i: Int, to p: Int, _ e: inout GraphEditor) {
        let node = e[i]!
        let producer = e[p]!
        let produced = node.inputs.first { producer.outputs.contains($0) }!
        e.remove(i)
        e.update(p) { n in
            let k = n.outputs.firstIndex(of: produced)!
            n.outputs[k] = node.outputs[0]
            for (key, value) in activation.fusionAttributes { n.attributes[key] = value }
        }
    }
}
