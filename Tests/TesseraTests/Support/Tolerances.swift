@testable import Tessera

/// Every numeric tolerance of the test suite, in one place. Relative errors are normwise
/// (max|a - b| / max|b| over a tensor, see `Comparison`).
enum Tolerance {
    /// FP32 kernels against the float64 reference interpreter, and the interpreter and the
    /// FP32 kernels against onnxruntime: float32 rounding of sums of up to a few hundred
    /// terms (a few float ulps, 2^-24 ≈ 6e-8 each, over the output's largest value).
    /// Measured worst against onnxruntime over the differential sweep: 4.7e-7.
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

    /// FP16 builds against an FP32 reference that shares nothing with the lowering:
    /// onnxruntime's outputs (the differential test) or the reference interpreter on the
    /// model-file graph before any pass (the FP16 and emulator tests), the error taken
    /// relative to max(max|reference|, halfScaleFloor). Every half rounding costs up to
    /// u = 2^-11 ≈ 4.9e-4 relative: the inputs, the weights and each stored activation are
    /// rounded once, so one layer is off by about 2u to 3u and the test models' chains of
    /// up to eight layers by up to about 10u (fp16-acc32, 5e-3). Chunked accumulation
    /// rounds each 32-term partial sum to half once more (fp16, 12u, 6e-3). Half
    /// accumulation rounds at every term, an error that grows with the square root of the
    /// terms (a 400-term convolution: 20u, about 1e-2), hence 2e-2 for fp16-acc16.
    /// Measured worst against onnxruntime over the differential sweep: 1.1e-3 (fp16-acc32),
    /// 1.7e-3 (fp16), 2.6e-3 (fp16-acc16); against the model-file graph in the FP16 and
    /// emulator tests: 5.5e-4, 1.8e-3 and 4.2e-3 (the shape sweep's 400-term convolution).
    static func againstFP32(_ precision: Precision) -> Double {
        switch precision {
        case .fp32: return fp32
        case .fp16Acc32: return 5e-3
        case .fp16: return 6e-3
        case .fp16Acc16: return 2e-2
        }
    }

    /// The FP16 comparisons against an FP32 reference divide the error by
    /// max(max|reference|, this). The test models' inputs and weights are O(1) by
    /// construction, so an output much smaller than 1 is the result of cancellation (a sum
    /// of six values in [-1, 1] that comes to 0.013): its error is set by the half
    /// rounding of its O(1) operands, not by its own magnitude.
    static let halfScaleFloor = 1.0

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
