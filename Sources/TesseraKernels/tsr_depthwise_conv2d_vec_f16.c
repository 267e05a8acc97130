/*
 * Tessera runtime: depthwise 2-D convolution, NHWC, FP16, vectorised over channels
 * (channel multiplier 1; other multipliers: tsr_depthwise_conv2d_f16). Weights are
 * [kernel_h][kernel_w][channels] (HWC), half, and so is the bias. Semantics as
 * tsr_depthwise_conv2d_f16 (p->acc, bias in float, activation, one rounding).
 *
 * Helium: for each block of 8 channels, then each output pixel, the taps inside the input
 * are multiplied lane by lane (one FMA per tap), in half (TSR_ACC_F16, TSR_ACC_CHUNKED:
 * sums moved into float every TSR_ACC_CHUNK taps) or widened to float (TSR_ACC_F32).
 * Elsewhere this is tsr_depthwise_conv2d_f16 (the plain C loop).
 *
 * Calls: tsr_depthwise_conv2d_f16.c
 */
#include <stddef.h>

#include "tsr_internal.h"
#include "tsr_simd.h"

#if TSR_SIMD == TSR_SIMD_HELIUM && TSR_HELIUM_F16

static inline float32x4x2_t add_half(float32x4x2_t t, float16x8_t h)
{
    t.val[0] = vaddq_f32(t.val[0], vcvtbq_f32_f16(h));
    t.val[1] = vaddq_f32(t.val[1], vcvttq_f32_f16(h));
    return t;
}

/* One output pixel of channels [c0, c0 + nc): taps kh in [kh_lo, kh_hi), kw likewise. */
static void pixel(const tsr_depthwise_conv2d_params *p, const tsr_f16 *x, const tsr_f16 *wt,
                  int32_t ih0, int32_t iw0, float32x4x2_t t, mve_pred16_t pc, tsr_f16 *y,
                  int32_t nc)
{
    const tsr_window *w = &p->win;
    const int32_t c = p->in_c;
    int32_t kh_lo, kh_hi, kw_lo, kw_hi, kh, kw, taps = 0;
    float16x8_t s = vdupq_n_f16(0);
    tsr_tap_range(ih0, w->dilation_h, w->kernel_h, w->in_h, &kh_lo, &kh_hi);
    tsr_tap_range(iw0, w->dilation_w, w->kernel_w, w->in_w, &kw_lo, &kw_hi);
    for (kh = kh_lo; kh < kh_hi; ++kh) {
        const tsr_f16 *xr = x + ((ih0 + kh * w->dilation_h) * w->in_w + iw0) * c;
        const tsr_f16 *wr = wt + kh * w->kernel_w * c;
        for (kw = kw_lo; kw < kw_hi; ++kw) {
            const float16x8_t xv = vldrhq_z_f16(TSR_MVE_CH(xr + kw * w->dilation_w * c), pc);
            const float16x8_t wv = vldrhq_z_f16(TSR_MVE_CH(wr + kw * c), pc);
            if (p->acc == TSR_ACC_F32) {
                t.val[0] = vfmaq_f32(t.val[0], vcvtbq_f32_f16(xv), vcvtbq_f32_f16(wv));
                t.val[1] = vfmaq_f32(t.val[1], vcvttq_f32_f16(xv), vcvttq_f32_f16(wv));
                continue;
            }
            s = vfmaq_f16(s, xv, wv);
            if (++taps == TSR_ACC_CHUNK && p->acc == TSR_ACC_CHUNKED) {
                t = add_half(t, s);
                s = vdupq_n_f16(0);
                taps = 0;
            }
        }
    }
    if (p->acc != TSR_ACC_F32) {
        t = add_half(t, s);
    }
    if (tsr_mve_act_inline(&p->act)) {
        float16x8_t h = vcvtbq_f16_f32(vdupq_n_f16(0), tsr_mve_act_f32(&p->act, t.val[0]));
        h = vcvttq_f16_f32(h, tsr_mve_act_f32(&p->act, t.val[1]));
        vstrhq_p_f16(TSR_MVE_H(y), h, pc);
    } else {
        float buf[8];
        vst2q_f32(buf, t);
        tsr_f16_act_store(&p->act, buf, y, nc);
    }
}

int tsr_depthwise_conv2d_vec_f16(const tsr_depthwise_conv2d_params *p, const tsr_f16 *input,
                                 const tsr_f16 *weights, const tsr_f16 *bias, tsr_f16 *output)
{
    const tsr_window *w;
    int32_t n, oh, ow, c0, c;

    if (p == NULL || input == NULL || weights == NULL || output == NULL) {
        return TSR_ERR_NULL;
    }
    w = &p->win;
    c = p->in_c;
    if (p->multiplier != 1 || !tsr_act_valid(&p->act) || !tsr_acc_valid(p->acc) ||
        !tsr_window_ok(w, c, c) || tsr_mul(tsr_mul(w->kernel_h, w->kernel_w), c) <= 0) {
        return TSR_ERR_PARAM;
    }
    for (c0 = 0; c0 < c; c0 += 8) {
        const int32_t nc = c - c0 < 8 ? c - c0 : 8;
        const mve_pred16_t pc = vctp16q((uint32_t)nc);
        float b[8];
        float32x4x2_t t0;
        int32_t j;
        for (j = 0; j < 8; ++j) {
            b[j] = bias != NULL && j < nc ? tsr_h2f(bias[c0 + j]) : 0.0f;
        }
        t0 = vld2q_f32(b); /* even and odd channels, as vcvtb / vcvtt split them */
        for (n = 0; n < w->batch; ++n) {
            const tsr_f16 *x = input + n * w->in_h * w->in_w * c + c0;
            tsr_f16 *y = output + n * w->out_h * w->out_w * c + c0;
            for (oh = 0; oh < w->out_h; ++oh) {
                for (ow = 0; ow < w->out_w; ++ow, y += c) {
                    pixel(p, x, weights + c0, oh * w->stride_h - w->pad_top,
                          ow * w->stride_w - w->pad_left, t0, pc, y, nc);
                }
            }
        }
    }
    return TSR_OK;
}

#else /* portable: the plain C loop */

int tsr_depthwise_conv2d_vec_f16(const tsr_depthwise_conv2d_params *p, const tsr_f16 *input,
                                 const tsr_f16 *weights, const tsr_f16 *bias, tsr_f16 *output)
{
    if (p != NULL && p->multiplier != 1) {
        return TSR_ERR_PARAM;
    }
    return tsr_depthwise_conv2d_f16(p, input, weights, bias, output);
}

#endif
