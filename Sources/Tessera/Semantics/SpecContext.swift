import OrderedCollections

/// What op semantics may look at while resolving a node: tensor types and constant values.
/// Both are the graph's own storage (copy on write), so making one costs nothing.
struct SpecContext {
    var types: [String: TensorType]
    var constants: OrderedDictionary<String, Constant>

    init(types: [String: TensorType], constants: OrderedDictionary<String, Constant>) {
        self.types = types
        self.constants = constants
    }

    init(_ graph: Graph) {
        self.init(types: graph.types, constants: graph.constants)
    }

    func type(_ node: Node, _ i: Int) throws -> TensorType {
        guard let name = node.input(i) else {
            throw TesseraError.internalError("\(node.location) has no input \(i)")
        }
        guard let t = types[name] else {
            throw TesseraError.internalError("\(node.location): input \"\(name)\" has no type yet")
        }
        return t
    }

    func shape(_ node: Node, _ i: Int) throws -> [Int] { try type(node, i).shape }

    /// A float operand that must be a float32 tensor (activations and weights).
    func floatShape(_ node: Node, _ i: Int) throws -> [Int] {
        let t = try type(node, i)
        guard t.dtype == .float32 || t.dtype == .float16 else {
            throw TesseraError.unsupported(location: node.location, message: "input \(i) (\"\(node.inputs[i])\") of \(node.op.name) must be float, got \(t.dtype.rawValue)")
        }
        return t.shape
    }

    func constant(_ node: Node, _ i: Int) -> Constant? {
        node.input(i).flatMap { constants[$0] }
    }
}

/// Normalises an axis in [-rank, rank + extra) to [0, rank + extra).
func normalizedAxis(_ axis: Int, rank: Int, extra: Int = 0, _ node: Node) throws -> Int {
    guard axis >= -rank && axis < rank + extra else {
        throw TesseraError.invalidModel(location: node.location, message: "axis \(axis) is out of range for rank \(rank)")
    }
    return axis < 0 ? axis + rank : axis
}
