import OrderedCollections

/// Small graph-rewriting helpers the passes share.
extension Graph {
    /// Replaces every read of `old` by `new` (node inputs and graph outputs).
    mutating func replaceUses(of old: String, with new: String) {
        for i in nodes.indices {
            for k in nodes[i].inputs.indices where nodes[i].inputs[k] == old { nodes[i].inputs[k] = new }
        }
        for k in outputs.indices where outputs[k] == old { outputs[k] = new }
    }

    /// The index of the node that produces `tensor`.
    func producerIndex(of tensor: String) -> Int? {
        nodes.firstIndex { $0.outputs.contains(tensor) }
    }

    /// Nodes reading `tensor`, plus one per graph output that is `tensor`.
    func useCount(of tensor: String) -> Int {
        nodes.reduce(0) { $0 + $1.inputs.filter { $0 == tensor }.count } + outputs.filter { $0 == tensor }.count
    }

    /// A tensor or node name not used yet, derived from `base`.
    func freshName(_ base: String) -> String {
        var taken = Set(inputs.map(\.name)).union(constants.keys)
        for n in nodes {
            taken.formUnion(n.outputs)
            taken.insert(n.name)
        }
        if !taken.contains(base) { return base }
        var k = 2
        while taken.contains("\(base)_\(k)") { k += 1 }
        return "\(base)_\(k)"
    }

    /// Adds a float constant and returns its name.
    mutating func addConstant(_ base: String, _ shape: [Int], _ values: [Float]) -> String {
        let name = freshName(base)
        constants[name] = Constant(name: name, type: TensorType(shape), data: .float(values))
        return name
    }

    /// Removes `node` whose single output reads like its input, rewiring readers to the
    /// input. When the output is a graph output, the producer of the input is renamed
    /// instead (if it has one and the input is not itself a graph output or input).
    /// Returns false when neither is possible.
    mutating func bypass(_ index: Int) -> Bool {
        let node = nodes[index]
        let input = node.inputs[0], output = node.outputs[0]
        if !outputs.contains(output) {
            nodes.remove(at: index)
            replaceUses(of: output, with: input)
            return true
        }
        guard let p = producerIndex(of: input), !outputs.contains(input), useCount(of: input) == 1 else { return false }
        nodes.remove(at: index)
        let k = nodes[p > index ? p - 1 : p].outputs.firstIndex(of: input)!
        nodes[p > index ? p - 1 : p].outputs[k] = output
        return true
    }
}
