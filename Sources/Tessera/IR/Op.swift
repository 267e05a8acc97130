/// The closed set of operators Tessera compiles. Names, attributes and semantics are
/// ONNX's (opset 13 and later), so ONNX import is a mapping. A few ops and attributes are
/// Tessera's own and only appear after passes (`isInternal`, `Op.fusionAttributes`).
public enum Op: String, CaseIterable, Sendable {
    case conv = "Conv"
    case gemm = "Gemm"
    case matMul = "MatMul"
    case relu = "Relu"
    case clip = "Clip"
    case sigmoid = "Sigmoid"
    case hardSigmoid = "HardSigmoid"
    case hardSwish = "HardSwish"
    case tanh = "Tanh"
    case leakyRelu = "LeakyRelu"
    case abs = "Abs"
    case neg = "Neg"
    case exp = "Exp"
    case log = "Log"
    case sqrt = "Sqrt"
    case reciprocal = "Reciprocal"
    case elu = "Elu"
    case selu = "Selu"
    case softplus = "Softplus"
    case softsign = "Softsign"
    case erf = "Erf"
    case floor = "Floor"
    case ceil = "Ceil"
    case gelu = "Gelu"
    case add = "Add"
    case sub = "Sub"
    case mul = "Mul"
    case div = "Div"
    case max = "Max"
    case min = "Min"
    case pow = "Pow"
    case pRelu = "PRelu"
    case batchNormalization = "BatchNormalization"
    case maxPool = "MaxPool"
    case averagePool = "AveragePool"
    case globalAveragePool = "GlobalAveragePool"
    case reduceMean = "ReduceMean"
    case reduceSum = "ReduceSum"
    case reduceMax = "ReduceMax"
    case reduceMin = "ReduceMin"
    case concat = "Concat"
    case split = "Split"
    case slice = "Slice"
    case pad = "Pad"
    case resize = "Resize"
    case flatten = "Flatten"
    case reshape = "Reshape"
    case squeeze = "Squeeze"
    case unsqueeze = "Unsqueeze"
    case transpose = "Transpose"
    case softmax = "Softmax"
    case logSoftmax = "LogSoftmax"
    case identity = "Identity"
    case dropout = "Dropout"
    /// y = x * scale[c] + shift[c] along `axis`: what an unfused BatchNormalization lowers to.
    case channelAffine = "ChannelAffine"
    /// y = x converted to the dtype `to` ("float16" or "float32"): the model's boundary when
    /// it computes in FP16 (PrecisionLowering). With `perm` it is also a Transpose (the
    /// conversion done on the way, one pass over the data): y = Transpose(x, perm) in `to`.
    case convert = "Convert"
    /// y = base (input 1, or undefined where omitted) with the region starting at `offsets`
    /// replaced by x (input 0), y of `shape`: a patch of a scheduled stage written into its
    /// place in the stage's whole output (StageRewrite). The output shares the base's
    /// storage, so a tensor is assembled patch by patch in one buffer.
    case insertRegion = "InsertRegion"
    /// y = the region of the graph input x (input 0) starting at `offsets`, of `shape`,
    /// pulled through the generated callback `<model>_read_input(row, col, height, width,
    /// dst)` instead of read from a caller buffer (`--input streamed`, InputStreaming): a
    /// camera frame never has to sit whole in RAM. Its semantics are a Slice's.
    case readInput = "ReadInput"

    public var name: String { rawValue }

    /// Ops that passes create; model files cannot use them.
    public var isInternal: Bool { self == .channelAffine || self == .convert || self == .insertRegion || self == .readInput }

    /// How many inputs the node may list (omitted optional inputs count as "").
    public var inputArity: ClosedRange<Int> {
        switch self {
        case .conv: return 2...4  // X, W, optional B, optional residual (Op.residualInput)
        case .gemm: return 2...3
        case .matMul, .add, .sub, .mul, .div, .max, .min, .pow, .pRelu, .reshape: return 2...2
        case .clip, .dropout: return 1...3
        case .batchNormalization: return 5...5
        case .channelAffine: return 3...3
        case .concat: return 1...64
        case .split, .squeeze, .unsqueeze, .reduceMean, .reduceSum, .reduceMax, .reduceMin: return 1...2
        case .slice: return 3...5
        case .pad: return 2...4
        case .resize: return 1...4
        case .insertRegion: return 1...2
        default: return 1...1
        }
    }

    /// How many outputs the node may list.
    public var outputArity: ClosedRange<Int> {
        switch self {
        case .dropout: return 1...2
        case .split: return 1...64
        case .batchNormalization: return 1...1
        default: return 1...1
        }
    }

    /// Attributes the op accepts, with their kind. Anything else is an error, so that a typo
    /// (`stride` for `strides`) is caught instead of silently ignored.
    public var attributes: [String: AttributeKind] {
        var a: [String: AttributeKind]
        switch self {
        case .conv:
            a = ["auto_pad": .string, "dilations": .ints, "group": .int, "kernel_shape": .ints, "pads": .ints, "strides": .ints]
        case .gemm:
            a = ["alpha": .float, "beta": .float, "transA": .int, "transB": .int]
        case .maxPool:
            a = ["auto_pad": .string, "ceil_mode": .int, "dilations": .ints, "kernel_shape": .ints,
                 "pads": .ints, "storage_order": .int, "strides": .ints]
        case .averagePool:
            a = ["auto_pad": .string, "ceil_mode": .int, "count_include_pad": .int, "dilations": .ints,
                 "kernel_shape": .ints, "pads": .ints, "strides": .ints]
        case .clip: a = ["min": .float, "max": .float]
        case .hardSigmoid: a = ["alpha": .float, "beta": .float]
        case .leakyRelu, .elu: a = ["alpha": .float]
        case .selu: a = ["alpha": .float, "gamma": .float]
        case .gelu: a = ["approximate": .string]
        case .flatten, .softmax, .logSoftmax, .concat: a = ["axis": .int]
        case .split: a = ["axis": .int, "split": .ints, "num_outputs": .int]
        case .reshape: a = ["allowzero": .int]
        case .squeeze, .unsqueeze: a = ["axes": .ints]
        case .reduceMean, .reduceSum, .reduceMax, .reduceMin: a = ["axes": .ints, "keepdims": .int, "noop_with_empty_axes": .int]
        case .transpose: a = ["perm": .ints]
        case .dropout: a = ["seed": .int, "ratio": .float]
        case .batchNormalization: a = ["epsilon": .float, "momentum": .float, "training_mode": .int]
        case .pad: a = ["mode": .string]
        case .resize:
            a = ["mode": .string, "coordinate_transformation_mode": .string, "nearest_mode": .string,
                 "cubic_coeff_a": .float, "exclude_outside": .int, "extrapolation_value": .float,
                 "antialias": .int, "keep_aspect_ratio_policy": .string]
        case .channelAffine: a = ["axis": .int]
        case .convert: a = ["to": .string, "perm": .ints]
        case .insertRegion, .readInput: a = ["shape": .ints, "offsets": .ints]
        case .matMul, .relu, .sigmoid, .hardSwish, .tanh, .add, .sub, .mul, .div, .max, .min, .pow, .pRelu,
             .globalAveragePool, .identity, .slice, .abs, .neg, .exp, .log, .sqrt, .reciprocal, .softplus, .softsign,
             .erf, .floor, .ceil:
            a = [:]
        }
        if fusesActivation { a.merge(Op.fusionAttributes) { x, _ in x } }
        if hasLayout { a[Op.layoutAttribute] = .string }
        if convertsOnOutput { a[Op.outputDTypeAttribute] = .string }
        return a
    }

    /// Tessera's attributes for an activation fused into a producer (see ActivationFusion).
    public static let fusionAttributes: [String: AttributeKind] = [
        "fused_activation": .string, "fused_min": .float, "fused_max": .float, "fused_alpha": .float, "fused_beta": .float,
    ]

    /// Conv's optional fourth input: a tensor of the output's shape added to the
    /// convolution before its activation, y = act(conv(x) + bias + residual) (written by
    /// ResidualFusion, which folds a residual Add into the convolution).
    public static let residualInput = 3

    /// Tessera's attribute naming the physical layout of a spatial op's activations
    /// ("NCHW", the default, or "NHWC"; see LayoutLowering).
    public static let layoutAttribute = "data_layout"

    /// Tessera's attribute of a reduction that reads half and writes float32
    /// ("float32"): the float head of the FP16 precisions, where the feature map stays half
    /// and only the reduced values are float (PrecisionLowering).
    public static let outputDTypeAttribute = "output_dtype"

    /// Reductions that may write another dtype than they read (`outputDTypeAttribute`).
    public var convertsOnOutput: Bool {
        self == .averagePool || self == .globalAveragePool || self == .reduceMean || self == .reduceSum
    }

    /// Elementwise binary ops with numpy broadcasting.
    public var isBinary: Bool {
        switch self {
        case .add, .sub, .mul, .div, .max, .min, .pow, .pRelu: return true
        default: return false
        }
    }

    /// The op can end with a fused activation.
    public var fusesActivation: Bool {
        switch self {
        case .conv, .gemm, .add, .sub, .mul, .div, .max, .min, .pow, .pRelu, .channelAffine: return true
        default: return false
        }
    }

    /// The op has spatial structure and reads `data_layout`.
    public var hasLayout: Bool {
        switch self {
        case .conv, .maxPool, .averagePool, .globalAveragePool, .resize: return true
        default: return false
        }
    }

    /// The output is the input's bytes unchanged (only the shape may differ), so the planner
    /// can let it share the input's storage.
    public var isView: Bool {
        switch self {
        case .identity, .dropout, .reshape, .flatten, .squeeze, .unsqueeze: return true
        default: return false
        }
    }

    /// Elementwise activation ops (one input, same shape out).
    public var isActivation: Bool {
        switch self {
        case .relu, .clip, .sigmoid, .hardSigmoid, .hardSwish, .tanh, .leakyRelu, .abs, .neg, .exp, .log, .sqrt,
             .reciprocal, .elu, .selu, .softplus, .softsign, .erf, .floor, .ceil, .gelu:
            return true
        default: return false
        }
    }

    /// Inputs that must be constants (shape operands, bounds, statistics), by position.
    public var constantInputs: Set<Int> {
        switch self {
        case .reshape: return [1]
        case .clip, .dropout: return [1, 2]
        case .split, .squeeze, .unsqueeze, .reduceMean, .reduceSum, .reduceMax, .reduceMin: return [1]
        case .slice: return [1, 2, 3, 4]
        case .pad: return [1, 2, 3]
        case .resize: return [1, 2, 3]
        case .batchNormalization: return [1, 2, 3, 4]
        default: return []
        }
    }
}
