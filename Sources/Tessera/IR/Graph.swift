import OrderedCollections

/// One operation of the graph.
public struct Node: Equatable, Sendable {
    public var name: String
    public var op: Op
    /// Tensor names; "" marks an omitted optional input, as in ONNX.
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: Attributes
    /// Position in the model file's `nodes` array, for messages; nil for nodes made by passes.
    public var sourceIndex: Int?

    public init(name: String, op: Op, inputs: [String], outputs: [String],
                attributes: Attributes = [:], sourceIndex: Int? = nil) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.sourceIndex = sourceIndex
    }

    /// `nodes[3] "conv2"` (or `node "conv2"` for nodes a pass created).
    public var location: String {
        if let i = sourceIndex { return place("nodes", i, name) }
        return "node \"\(name)\""
    }

    /// The input at `i`, or nil when it is absent or omitted ("").
    public func input(_ i: Int) -> String? {
        i < inputs.count && !inputs[i].isEmpty ? inputs[i] : nil
    }
}

/// Constant data (weights, shape operands), stored widened: floats as Float, ints as Int64.
public enum ConstantData: Equatable, Sendable {
    case float([Float])
    case int64([Int64])

    public var count: Int {
        switch self {
        case let .float(v): return v.count
        case let .int64(v): return v.count
        }
    }
}

public struct Constant: Equatable, Sendable {
    public var name: String
    public var type: TensorType
    public var data: ConstantData
    /// Position in the model file's `constants` array, for messages.
    public var sourceIndex: Int?

    public init(name: String, type: TensorType, data: ConstantData, sourceIndex: Int? = nil) {
        self.name = name
        self.type = type
        self.data = data
        self.sourceIndex = sourceIndex
    }

    public var floats: [Float]? {
        if case let .float(v) = data { return v }
        return nil
    }

    /// The values as integers (int64 constants, or float constants holding integers).
    public var integers: [Int]? {
        switch data {
        case let .int64(v): return v.map { Int($0) }
        case let .float(v): return v.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e15 }) ? v.map { Int($0) } : nil
        }
    }
}

/// A graph input with its declared type.
public struct GraphInput: Equatable, Sendable {
    public var name: String
    /// The shape as the generated API takes it: NHWC for a 4-D input of `layout` .nhwc.
    public var type: TensorType
    /// The physical order of a 4-D input's axes: the model's NCHW, or NHWC when the
    /// compilation takes it channels-last (`--input-layout nhwc`, LayoutLowering).
    public var layout: DataLayout = .nchw

    public init(name: String, type: TensorType, layout: DataLayout = .nchw) {
        self.name = name
        self.type = type
        self.layout = layout
    }
}

/// The intermediate representation: an ONNX-semantics dataflow graph in NCHW.
///
/// After `verify` the nodes are in topological order, every tensor has a type in `types`,
/// and every name is produced exactly once.
public struct Graph: Equatable, Sendable {
    public var name: String
    public var doc: String
    public var inputs: [GraphInput]
    public var outputs: [String]
    public var constants: OrderedDictionary<String, Constant>
    public var nodes: [Node]
    /// Inferred type of every tensor (inputs, constants, node outputs).
    public var types: [String: TensorType]

    public init(name: String, doc: String = "", inputs: [GraphInput], outputs: [String],
                constants: OrderedDictionary<String, Constant>, nodes: [Node],
                types: [String: TensorType] = [:]) {
        self.name = name
        self.doc = doc
        self.inputs = inputs
        self.outputs = outputs
        self.constants = constants
        self.nodes = nodes
        self.types = types
    }

    public func type(of tensor: String) throws -> TensorType {
        guard let t = types[tensor] else {
            throw TesseraError.internalError("tensor \"\(tensor)\" has no inferred type")
        }
        return t
    }

    public func isGraphInput(_ tensor: String) -> Bool { inputs.contains { $0.name == tensor } }

    /// For each tensor, the indices (in `nodes`) of the nodes that read it.
    public func consumers() -> [String: [Int]] {
        var result: [String: [Int]] = [:]
        for (i, node) in nodes.enumerated() {
            for input in node.inputs where !input.isEmpty { result[input, default: []].append(i) }
        }
        return result
    }
}
