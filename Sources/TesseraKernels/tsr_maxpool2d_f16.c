/*
 * Tessera runtime: 2-D max pooling, NHWC, FP16 (ONNX MaxPool: pads, stride, dilation,
 * ceil_mode). Padded positions never take part. The maximum of halves is a half, so the
 * result is exact: the compares run on the half values and the winner is stored as read.
 * For every tap the innermost loop runs over contiguous channels, keeping the running
 * maxima in the output pixel; y must not overlap x. A window with no tap inside the input
 * (impossible with ONNX-valid parameters) yields -65504, the lowest finite half. A NaN
 * inside a window makes that output NaN.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_simd.h"

int tsr_maxpool2d_f16(const tsr_pool2d_params *p, const tsr_f16 *x, tsr_f16 *y)
{
    const tsr_window *w;
    int32_t n, oh, ow, kh, kw, c, channels, in_row, in_image;
    tsr_f16 lowest;

    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (!tsr_pool2d_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    w = &p->win;
    channels = p->channels;
    in_row = w->in_w * channels;
    in_image = w->in_h * in_row;
    lowest = tsr_f2h(-65504.0f);

    for (n = 0; n < w->batch; ++n) {
        const tsr_f16 *x_n = x + n * in_image;
        for (oh = 0; oh < w->out_h; ++oh) {
            const int32_t ih0 = oh * w->stride_h - w->pad_top;
            int32_t kh_lo, kh_hi;
            tsr_tap_range(ih0, w->dilation_h, w->kernel_h, w->in_h, &kh_lo, &kh_hi);
            for (ow = 0; ow < w->out_w; ++ow) {
                const int32_t iw0 = ow * w->stride_w - w->pad_left;
                int32_t ih = ih0 + kh_lo * w->dilation_h;
                int32_t kw_lo, kw_hi;
                tsr_tap_range(iw0, w->dilation_w, w->kernel_w, w->in_w, &kw_lo, &kw_hi);
                for (c = 0; c < channels; ++c) {
                    y[c] = lowest;
                }
                for (kh = kh_lo; kh < kh_hi; ++kh, ih += w->dilation_h) {
                    const tsr_f16 *x_row = x_n + ih * in_row;
                    int32_t iw = iw0 + kw_lo * w->dilation_w;
                    for (kw = kw_lo; kw < kw_hi; ++kw, iw += w->dilation_w) {
                        const tsr_f16 *x_px = x_row + iw * channels;
                        for (c = 0; c < channels; ++c) {
                            const tsr_f16 v = x_px[c];
                            /* NaN wins and then sticks. */
                            if (tsr_h_gt(v, y[c]) || tsr_h_isnan(v)) {
                                y[c] = v;
                            }
                        }
                    }
                }
                y += channels;
            }
        }
    }
    return TSR_OK;
}
