/*
 * Tessera runtime: 2-D convolution, NCHW, FP32 (ONNX Conv: zero padding, dilation, groups).
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

static int conv2d_params_ok(const tsr_conv2d_params *p)
{
    int32_t in_cg;
    if (p->batch <= 0 || p->in_c <= 0 || p->out_c <= 0 || p->groups <= 0 ||
        p->in_c % p->groups != 0 || p->out_c % p->groups != 0 || !tsr_act_valid(&p->act)) {
        return 0;
    }
    if (!tsr_window_axis_ok(p->in_h, p->out_h, p->kernel_h, p->stride_h, p->dilation_h,
                            p->pad_top) ||
        !tsr_window_axis_ok(p->in_w, p->out_w, p->kernel_w, p->stride_w, p->dilation_w,
                            p->pad_left)) {
        return 0;
    }
    in_cg = p->in_c / p->groups;
    /* Every buffer's element count must fit in int32_t. */
    return tsr_mul(tsr_mul(tsr_mul(p->batch, p->in_c), p->in_h), p->in_w) > 0 &&
           tsr_mul(tsr_mul(tsr_mul(p->batch, p->out_c), p->out_h), p->out_w) > 0 &&
           tsr_mul(tsr_mul(tsr_mul(p->out_c, in_cg), p->kernel_h), p->kernel_w) > 0;
}

int tsr_conv2d_f32(const tsr_conv2d_params *p, const float *input, const float *weights,
                   const float *bias, float *output)
{
    int32_t n, oc, oh, ow, ic, kh, kw;
    int32_t in_w, in_cg, out_cg, in_plane, k_plane, w_per_oc;

    if (p == NULL || input == NULL || weights == NULL || output == NULL) {
        return TSR_ERR_NULL;
    }
    if (!conv2d_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    in_w = p->in_w;
    in_cg = p->in_c / p->groups;
    out_cg = p->out_c / p->groups;
    in_plane = p->in_h * in_w;
    k_plane = p->kernel_h * p->kernel_w;
    w_per_oc = in_cg * k_plane;

    for (n = 0; n < p->batch; ++n) {
        const float *x_n = input + n * p->in_c * in_plane;
        for (oc = 0; oc < p->out_c; ++oc) {
            /* First input channel of this output channel's group. */
            const float *x_g = x_n + (oc / out_cg) * in_cg * in_plane;
            const float *w_oc = weights + oc * w_per_oc;
            const float b = bias != NULL ? bias[oc] : 0.0f;
            for (oh = 0; oh < p->out_h; ++oh) {
                const int32_t ih0 = oh * p->stride_h - p->pad_top;
                int32_t kh_lo, kh_hi;
                tsr_tap_range(ih0, p->dilation_h, p->kernel_h, p->in_h, &kh_lo, &kh_hi);
                for (ow = 0; ow < p->out_w; ++ow) {
                    const int32_t iw0 = ow * p->stride_w - p->pad_left;
                    int32_t kw_lo, kw_hi;
                    float acc = 0.0f;
                    tsr_tap_range(iw0, p->dilation_w, p->kernel_w, in_w, &kw_lo, &kw_hi);
                    for (ic = 0; ic < in_cg; ++ic) {
                        const float *x_c = x_g + ic * in_plane;
                        const float *w_c = w_oc + ic * k_plane;
                        for (kh = kh_lo; kh < kh_hi; ++kh) {
                            const float *x_row = x_c + (ih0 + kh * p->dilation_h) * in_w;
                            const float *w_row = w_c + kh * p->kernel_w;
                            int32_t iw = iw0 + kw_lo * p->dilation_w;
                            for (kw = kw_lo; kw < kw_hi; ++kw, iw += p->dilation_w) {
                                acc += x_row[iw] * w_row[kw];
                            }
                        }
                    }
                    *output++ = tsr_act_apply(&p->act, acc + b);
                }
            }
        }
    }
    return TSR_OK;
}
