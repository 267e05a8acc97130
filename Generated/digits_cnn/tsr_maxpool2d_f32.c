/*
 * Tessera runtime: 2-D max pooling, NCHW, FP32 (ONNX MaxPool: pads, dilation, ceil_mode).
 * Padded positions never take part. A window with no tap inside the input (impossible with
 * ONNX-valid parameters) yields -FLT_MAX. A NaN inside a window makes that output NaN.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

int tsr_maxpool2d_f32(const tsr_pool2d_params *p, const float *x, float *y)
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
            int32_t kh_lo, kh_hi;
            tsr_tap_range(ih0, p->dilation_h, p->kernel_h, p->in_h, &kh_lo, &kh_hi);
            for (ow = 0; ow < p->out_w; ++ow) {
                const int32_t iw0 = ow * p->stride_w - p->pad_left;
                int32_t kw_lo, kw_hi;
                float m = TSR_FLT_LOWEST;
                tsr_tap_range(iw0, p->dilation_w, p->kernel_w, p->in_w, &kw_lo, &kw_hi);
                for (kh = kh_lo; kh < kh_hi; ++kh) {
                    const float *x_row = x_p + (ih0 + kh * p->dilation_h) * p->in_w;
                    int32_t iw = iw0 + kw_lo * p->dilation_w;
                    for (kw = kw_lo; kw < kw_hi; ++kw, iw += p->dilation_w) {
                        const float v = x_row[iw];
                        if (v > m || v != v) { /* v != v: NaN wins and then sticks */
                            m = v;
                        }
                    }
                }
                *y++ = m;
            }
        }
    }
    return TSR_OK;
}
