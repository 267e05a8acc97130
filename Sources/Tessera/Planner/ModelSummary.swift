/// Per-layer figures of a graph: what `tessera inspect` prints and `report.json` records.
public struct LayerInfo: Equatable, Sendable {
    public var index: Int
    public var node: String
    public var op: String
    public var description: String
    public var outputShape: [Int]
    /// Weight elements this layer reads (each constant counted at its first use only), in
    /// any float dtype: the count is the model's, the same in every precision.
    public var params: Int
    public var macs: Int
    /// Bytes of the layer's output activation.
    public var activationBytes: Int
}

public struct ModelSummary: Equatable, Sendable {
    public var model: String
    public var layers: [LayerInfo]

    public var params: Int { layers.map(\.params).reduce(0, +) }
    /// Elements of integer constants (shape operands such as Reshape's target): not
    /// parameters, but counted by tools that count every initializer element.
    public var integerConstantElements: Int
    public var macs: Int { layers.map(\.macs).reduce(0, +) }

    public init(_ graph: Graph) throws {
        model = graph.name
        layers = []
        integerConstantElements = graph.constants.values.filter { $0.type.dtype == .int64 }.map(\.type.elementCount).reduce(0, +)
        var counted = Set<String>()
        for (i, node) in graph.nodes.enumerated() {
            let spec = try NodeSpec.of(node, in: graph)
            var params = 0
            for (k, name) in node.inputs.enumerated() where !node.op.constantInputs.contains(k) {
                if let c = graph.constants[name], c.type.dtype.isFloat, counted.insert(name).inserted {
                    params += c.type.elementCount
                }
            }
            let out = try graph.type(of: node.outputs[0])
            layers.append(LayerInfo(index: i, node: node.name, op: node.op.name,
                                    description: KernelCalls.summary(node, spec), outputShape: out.shape,
                                    params: params, macs: spec.macs, activationBytes: out.byteCount))
        }
    }
}
