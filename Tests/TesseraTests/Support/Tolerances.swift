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

    /// Whole models in FP16 against the FP32 reference: maximum absolute error on softmax
    /// outputs (the bound).
    static let softmaxAbsolute = 2e-3

    /// Whole models at fp16-acc16 against FP32 (the issue sets no bound for this mode):
    /// softmax error, relative error of other outputs, argmax flips allowed of 103 inputs.
    static let acc16Model = (softmaxAbsolute: 1e-2, relative: 5e-2, argmaxFlips: 2)
}
