/// The closed set of operators Tessera compiles. Names, attributes and semantics are
/// ONNX's (opset 13 and later), so ONNX import is a mapping.
public enum Op: String, CaseIterable, Sendable {
    case conv = "Conv"
    case gemm = "Gemm"
    case matMul = "MatMul"
    case relu = "Relu"
    case clip = "Clip"
    case add = "Add"
    case maxPool = "MaxPool"
    case averagePool = "AveragePool"
    case globalAveragePool = "GlobalAveragePool"
    case flatten = "Flatten"
    case reshape = "Reshape"
    case transpose = "Transpose"
    case softmax = "Softmax"
    case identity = "Identity"
    case dropout = "Dropout"

    public var name: String { rawValue }

    /// How many inputs the node may list (omitted optional inputs count as "").
    public var inputArity: ClosedRange<Int> {
        switch self {
        case .conv: return 2...3
        case .gemm: return 2...3
        case .matMul, .add, .reshape: return 2...2
        case .clip: return 1...3
        case .dropout: return 1...3
        default: return 1...1
        }
    }

    /// How many outputs the node may list.
    public var outputArity: ClosedRange<Int> {
        switch self {
        case .dropout: return 1...2
        default: return 1...1
        }
    }

    /// Attributes the op accepts, with their kind. Anything else is an error, so that a typo
    /// (`stride` for `strides`) is caught instead of silently ignored.
    public var attributes: [String: AttributeKind] {
        switch self {
        case .conv:
            return ["auto_pad": .string, "dilations": .ints, "group": .int, "kernel_shape": .ints,
                    "pads": .ints, "strides": .ints]
        case .gemm:
            return ["alpha": .float, "beta": .float, "transA": .int, "transB": .int]
        case .maxPool:
            return ["auto_pad": .string, "ceil_mode": .int, "dilations": .ints, "kernel_shape": .ints,
                    "pads": .ints, "storage_order": .int, "strides": .ints]
        case .averagePool:
            return ["auto_pad": .string, "ceil_mode": .int, "count_include_pad": .int, "dilations": .ints,
                    "kernel_shape": .ints, "pads": .ints, "strides": .ints]
        case .clip: return ["min": .float, "max": .float]
        case .flatten, .softmax: return ["axis": .int]
        case .reshape: return ["allowzero": .int]
        case .transpose: return ["perm": .ints]
        case .dropout: return ["seed": .int, "ratio": .float]
        case .matMul, .relu, .add, .globalAveragePool, .identity: return [:]
        }
    }

    /// The output is the input's bytes unchanged (only the shape may differ), so the planner
    /// can let it share the input's storage.
    public var isView: Bool {
        switch self {
        case .identity, .dropout, .reshape, .flatten: return true
        default: return false
        }
    }

    /// Inputs that must be constants (e.g. Reshape's shape), by position.
    public var constantInputs: Set<Int> {
        switch self {
        case .reshape: return [1]
        case .clip: return [1, 2]
        case .dropout: return [1, 2]
        default: return []
        }
    }
}
