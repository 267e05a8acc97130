/*
 * Tessera runtime: 2-D average pooling, NHWC, FP16 (ONNX AveragePool: pads, stride,
 * dilation, ceil_mode, count_include_pad), with onnxruntime's divisor:
 *  - the window of output o spans [start, end) with start = o * stride - pad_begin and
 *    end = min(start + (kernel - 1) * dilation + 1, in + pad_end), so taps that lie beyond
 *    the explicit end pad (they exist only through ceil_mode) never count;
 *  - count_include_pad != 0: divide by the number of taps in [start, end) (height times
 *    width), padded taps included;
 *  - otherwise: divide by the number of taps inside the input.
 * A window with nothing to divide by (impossible with ONNX-valid parameters) yields 0.
 * The taps are summed in float and divided in float (the FP32 kernel's arithmetic on the
 * same values), then rounded to half once. Channels are processed in blocks of
 * TSR_F16_BLOCK float sums on the stack: for every tap the innermost loop runs over
 * contiguous channels (the loops: tsr_avgpool_f16.h). y must not overlap x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_simd.h"
#include "tsr_avgpool_f16.h"

int tsr_avgpool2d_f16(const tsr_pool2d_params *p, const tsr_f16 *x, tsr_f16 *y)
{
    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (!tsr_pool2d_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    tsr_avgpool2d_f16_run(p, x, y, NULL);
    return TSR_OK;
}
