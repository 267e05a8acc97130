/*
 * Tessera runtime: 2-D max pooling, NHWC, FP32 (ONNX MaxPool: pads, stride, dilation,
 * ceil_mode). Padded positions never take part. For every tap the innermost loop runs over
 * contiguous channels, keeping the running maxima in the output pixel; y must not overlap
 * x. A window with no tap inside the input (impossible with ONNX-valid parameters) yields
 * -FLT_MAX. A NaN inside a window makes that output NaN.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

int tsr_maxpool2d_f32(const tsr_pool2d_params *p, const float *x, float *y)
{
    const tsr_window *w;
    int32_t n, oh, ow, kh, kw, c, channels, in_row, in_image;

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

    for (n = 0; n < w->batch; ++n) {
        const float *x_n = x + n * in_image;
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
                    y[c] = TSR_FLT_LOWEST;
                }
                for (kh = kh_lo; kh < kh_hi; ++kh, ih += w->dilation_h) {
                    const float *x_row = x_n + ih * in_row;
                    int32_t iw = iw0 + kw_lo * w->dilation_w;
                    for (kw = kw_lo; kw < kw_hi; ++kw, iw += w->dilation_w) {
                        const float *x_px = x_row + iw * channels;
                        for (c = 0; c < channels; ++c) {
                            const float v = x_px[c];
                            if (v > y[c] || v != v) { /* v != v: NaN wins and then sticks */
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
