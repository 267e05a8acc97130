/*
 * Tessera runtime: 2-D average pooling, NCHW, FP32 (ONNX AveragePool: pads, dilation,
 * ceil_mode, count_include_pad), with onnxruntime's divisor:
 *  - the window of output o spans [start, end) with start = o * stride - pad_begin and
 *    end = min(start + (kernel - 1) * dilation + 1, in + pad_end), so taps that lie beyond
 *    the explicit end pad (they exist only through ceil_mode) never count;
 *  - count_include_pad != 0: divide by the number of taps in [start, end) (height times
 *    width), padded taps included;
 *  - otherwise: divide by the number of taps inside the input.
 * A window with nothing to divide by (impossible with ONNX-valid parameters) yields 0.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

/* Number of taps start + t * dilation (t < kernel) that lie below min(window end, limit). */
static int32_t taps_below(int32_t start, int32_t kernel, int32_t dilation, int32_t limit)
{
    const int32_t window_end = start + (kernel - 1) * dilation + 1;
    const int32_t end = window_end < limit ? window_end : limit;
    return end > start ? (end - start - 1) / dilation + 1 : 0;
}

int tsr_avgpool2d_f32(const tsr_pool2d_params *p, const float *x, float *y)
{
    int32_t plane, oh, ow, kh, kw, planes, in_plane;

    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (!tsr_pool2d_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    planes = p->batch * p->channels;
    in_plane = p->in_h * p->in_w;

    for (plane = 0; plane < planes; ++plane) {
        const float *x_p = x + plane * in_plane;
        for (oh = 0; oh < p->out_h; ++oh) {
            const int32_t ih0 = oh * p->stride_h - p->pad_top;
            const int32_t padded_h =
                taps_below(ih0, p->kernel_h, p->dilation_h, p->in_h + p->pad_bottom);
            int32_t kh_lo, kh_hi;
            tsr_tap_range(ih0, p->dilation_h, p->kernel_h, p->in_h, &kh_lo, &kh_hi);
            for (ow = 0; ow < p->out_w; ++ow) {
                const int32_t iw0 = ow * p->stride_w - p->pad_left;
                int32_t kw_lo, kw_hi, count;
                float sum = 0.0f;
                tsr_tap_range(iw0, p->dilation_w, p->kernel_w, p->in_w, &kw_lo, &kw_hi);
                for (kh = kh_lo; kh < kh_hi; ++kh) {
                    const float *x_row = x_p + (ih0 + kh * p->dilation_h) * p->in_w;
                    int32_t iw = iw0 + kw_lo * p->dilation_w;
                    for (kw = kw_lo; kw < kw_hi; ++kw, iw += p->dilation_w) {
                        sum += x_row[iw];
                    }
                }
                if (p->count_include_pad) {
                    count = padded_h * taps_below(iw0, p->kernel_w, p->dilation_w,
                                                  p->in_w + p->pad_right);
                } else {
                    count = (kh_hi - kh_lo) * (kw_hi - kw_lo);
                }
                *y++ = count > 0 ? sum / (float)count : 0.0f;
            }
        }
    }
    return TSR_OK;
}
