/// Compares a computed tensor with a reference.
///
/// The relative error is normwise: max|a - b| / max|b|. NaN agrees only with NaN. Element-wise relative error is not
/// meaningful for outputs near zero, where cancellation in a float32 dot product leaves
/// an error proportional to the magnitude of its terms, not of its result.
public struct Comparison: Sendable, CustomStringConvertible {
    public var maxAbsError: Double
    public var maxRelError: Double
    /// Flat index of the element with the largest absolute error.
    public var worstIndex: Int
    /// The two values at `worstIndex`.
    public var worstActual: Float = 0
    public var worstExpected: Float = 0
    public var mismatchedShape: Bool

    public init(_ actual: TensorValue, _ expected: TensorValue) {
        mismatchedShape = actual.shape != expected.shape
        maxAbsError = mismatchedShape ? .infinity : 0
        worstIndex = 0
        var scale = 0.0
        if !mismatchedShape {
            for i in 0..<actual.count {
                let a = Double(actual.data[i]), b = Double(expected.data[i])
                let err = a.isNaN && b.isNaN ? 0 : (a.isNaN || b.isNaN ? Double.infinity : Swift.abs(a - b))
                if i == 0 || err > maxAbsError {
                    maxAbsError = err
                    worstIndex = i
                }
                scale = Swift.max(scale, Swift.abs(b))
            }
            if actual.count > 0 {
                worstActual = actual.data[worstIndex]
                worstExpected = expected.data[worstIndex]
            }
        }
        maxRelError = maxAbsError == 0 ? 0 : maxAbsError / Swift.max(scale, .leastNormalMagnitude)
    }

    public func within(relative tolerance: Double) -> Bool { !mismatchedShape && maxRelError <= tolerance }

    public var description: String {
        mismatchedShape ? "shape mismatch" : "max abs error \(maxAbsError), relative \(maxRelError) (worst element \(worstIndex))"
    }
}
