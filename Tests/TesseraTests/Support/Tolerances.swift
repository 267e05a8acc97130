@testable import Tessera

/// Every numeric tolerance of the test suite, in one place. Relative errors are normwise
/// (max|a - b| / max|b| over a tensor, see `Comparison`).
enum Tolerance {
    /// FP32 kernels against the float64 reference interpreter.
    static let fp32 = 1e-5

    /// FP16 kernels against the reference interpreter run on the same lowered graph (which
    /// rounds every half tensor as the C does): the rest is accumulation order and mode, and
    /// a half rounding that lands on the other side of a tie. One half ulp is 2^-11 ≈ 4.9e-4
    /// relative; a few layers compound it.
    static func fp16(_ precision: Precision) -> Double {
        switch precision {
        case .fp32: return fp32
        case .fp16Acc32: return 4e-3
        case .fp16: return 6e-3
        case .fp16Acc16: return 2e-2
        }
    }

    /// Whole models in an FP16 mode against their FP32 build, on the reference inputs and 100
    /// random ones (issue 15's floors): the worst absolute error of a softmax output, and the
    /// worst relative error of other outputs (the auto-encoder's reconstruction). `fp16-acc32`
    /// holds the original 2e-3; `fp16`'s 32-term half chunks add about the same again on
    /// ResNet-8's near-tie random inputs (3e-3); `fp16-acc16` sums up to 576 terms in half.
    static func fp16Model(_ precision: Precision) -> (softmaxAbsolute: Double, relative: Double) {
        switch precision {
        case .fp32: return (fp32, fp32)
        case .fp16Acc32: return (2e-3, 1e-2)
        case .fp16: return (3e-3, 1e-2)
        case .fp16Acc16: return (1e-2, 5e-2)
        }
    }
}
