/*
 * Tessera runtime: depthwise 2-D convolution, NHWC, FP32, vectorised over channels
 * (channel multiplier 1; other multipliers: tsr_depthwise_conv2d_f32). Weights are
 * [kernel_h][kernel_w][channels] (HWC); bias [channels] or NULL.
 *
 * Helium: for each block of 4 channels, then each output pixel, one FMA per tap inside the
 * input, started from the bias. Elsewhere this is tsr_depthwise_conv2d_f32.
 *
 * Calls: tsr_depthwise_conv2d_f32.c
 */
#include <stddef.h>

#include "tsr_internal.h"
#include "tsr_simd.h"

#if TSR_SIMD == TSR_SIMD_HELIUM

static void pixel(const tsr_depthwise_conv2d_params *p, const float *x, const float *wt,
                  int32_t ih0, int32_t iw0, float32x4_t s, mve_pred16_t pc, float *y,
                  int32_t nc)
{
    const tsr_window *w = &p->win;
    const int32_t c = p->in_c;
    int32_t kh_lo, kh_hi, kw_lo, kw_hi, kh, kw;
    tsr_tap_range(ih0, w->dilation_h, w->kernel_h, w->in_h, &kh_lo, &kh_hi);
    tsr_tap_range(iw0, w->dilation_w, w->kernel_w, w->in_w, &kw_lo, &kw_hi);
    for (kh = kh_lo; kh < kh_hi; ++kh) {
        const float *xr = x + ((ih0 + kh * w->dilation_h) * w->in_w + iw0) * c;
        const float *wr = wt + kh * w->kernel_w * c;
        for (kw = kw_lo; kw < kw_hi; ++kw) {
            s = vfmaq_f32(s, vldrwq_z_f32(xr + kw * w->dilation_w * c, pc),
                          vldrwq_z_f32(wr + kw * c, pc));
        }
    }
    if (tsr_mve_act_inline(&p->act)) {
        vstrwq_p_f32(y, tsr_mve_act_f32(&p->act, s), pc);
    } else {
        float buf[4];
        vst1q_f32(buf, s);
        tsr_act_apply_n(&p->act, buf, nc);
        tsr_mve_copy_f(y, buf, nc);
    }
}

int tsr_depthwise_conv2d_vec_f32(const tsr_depthwise_conv2d_params *p, const float *input,
                                 const float *weights, const float *bias, float *output)
{
    const tsr_window *w;
    int32_t n, oh, ow, c0, c;

    if (p == NULL || input == NULL || weights == NULL || output == NULL) {
        return TSR_ERR_NULL;
    }
    w = &p->win;
    c = p->in_c;
    if (p->multiplier != 1 || !tsr_act_valid(&p->act) || !tsr_window_ok(w, c, c) ||
        tsr_mul(tsr_mul(w->kernel_h, w->kernel_w), c) <= 0) {
        return TSR_ERR_PARAM;
    }
    for (c0 = 0; c0 < c; c0 += 4) {
        const int32_t nc = c - c0 < 4 ? c - c0 : 4;
        const mve_pred16_t pc = vctp32q((uint32_t)nc);
        const float32x4_t b = bias != NULL ? vldrwq_z_f32(bias + c0, pc) : vdupq_n_f32(0.0f);
        for (n = 0; n < w->batch; ++n) {
            const float *x = input + n * w->in_h * w->in_w * c + c0;
            float *y = output + n * w->out_h * w->out_w * c + c0;
            for (oh = 0; oh < w->out_h; ++oh) {
                for (ow = 0; ow < w->out_w; ++ow, y += c) {
                    pixel(p, x, weights + c0, oh * w->stride_h - w->pad_top,
                          ow * w->stride_w - w->pad_left, b, pc, y, nc);
                }
            }
        }
    }
    return TSR_OK;
}

#else /* portable: the plain C loop */

int tsr_depthwise_conv2d_vec_f32(const tsr_depthwise_conv2d_params *p, const float *input,
                                 const float *weights, const float *bias, float *output)
{
    if (p != NULL && p->multiplier != 1) {
        return TSR_ERR_PARAM;
    }
    return tsr_depthwise_conv2d_f32(p, input, weights, bias, output);
}

#endif
