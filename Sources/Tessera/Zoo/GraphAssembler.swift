import OrderedCollections

/// Puts a generated model together: constants and nodes in the order they are added (the
/// order of the model file), then ordered, checked and shape-inferred like a loaded model.
struct GraphAssembler {
    private(set) var constants = OrderedDictionary<String, Constant>()
    private(set) var nodes: [Node] = []

    @discardableResult
    mutating func constant(_ name: String, _ shape: [Int], _ values: [Float]) -> String {
        precondition(constants[name] == nil && values.count == shape.reduce(1, *), "constant \(name)")
        constants[name] = Constant(name: name, type: TensorType(shape), data: .float(values), sourceIndex: constants.count)
        return name
    }

    /// Adds a node whose output tensor is `output` (default: the node's name); returns it.
    @discardableResult
    mutating func node(_ name: String, _ op: Op, _ inputs: [String], _ attributes: Attributes = [:], output: String? = nil) -> String {
        let out = output ?? name
        nodes.append(Node(name: name, op: op, inputs: inputs, outputs: [out], attributes: attributes, sourceIndex: nodes.count))
        return out
    }

    func graph(name: String, doc: String, inputs: [GraphInput], outputs: [String]) throws -> Graph {
        let g = Graph(name: name, doc: doc, inputs: inputs, outputs: outputs, constants: constants, nodes: nodes)
        return try ShapeInference.run(try GraphStructure.ordered(g))
    }
}
