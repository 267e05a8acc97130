/// Element types Tessera knows. Graph inputs and activations are float32 in this version;
/// float16 is a storage format for constants (widened on load); int64 holds shape-like
/// constant operands such as Reshape's target shape.
public enum DType: String, CaseIterable, Sendable {
    case float32
    case float16
    case int64

    /// float32 or float16: the dtypes of weights and activations.
    public var isFloat: Bool { self != .int64 }

    public var byteSize: Int {
        switch self {
        case .float32: return 4
        case .float16: return 2
        case .int64: return 8
        }
    }
}

/// Shape and element type of a tensor.
public struct TensorType: Equatable, Sendable, CustomStringConvertible {
    public var shape: [Int]
    public var dtype: DType

    public init(_ shape: [Int], _ dtype: DType = .float32) {
        self.shape = shape
        self.dtype = dtype
    }

    public var rank: Int { shape.count }
    /// Element count; shapes are checked against overflow when they are created.
    public var elementCount: Int { shape.reduce(1, *) }
    public var byteCount: Int { elementCount * dtype.byteSize }
    public var description: String { "\(dtype.rawValue)\(shapeText(shape))" }
}

/// The largest element count Tessera accepts for one tensor: kernels index with int32.
public let maxTensorElements = Int(Int32.max)

/// Element count of `shape`, or nil when it overflows `maxTensorElements`.
public func checkedElementCount(_ shape: [Int]) -> Int? {
    var n = 1
    for d in shape {
        guard d >= 0 else { return nil }
        let (p, overflow) = n.multipliedReportingOverflow(by: d)
        if overflow || p > maxTensorElements { return nil }
        n = p
    }
    return n
}
