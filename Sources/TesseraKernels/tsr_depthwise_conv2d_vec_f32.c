/*
 * Tessera runtime: depthwise 2-D convolution, NHWC, FP32, vectorised over channels
 * (channel multiplier 1; other multipliers: tsr_depthwise_conv2d_f32). Weights are
 * [kernel_h][kernel_w][channels] (HWC); bias [channels] or NULL.
 *
 * Helium: for each block of 4 channels, then each output row. With an activation Helium
 * applies in registers, the pixels whose windows lie inside the input horizontally are
 * taken PIXELS at a time: per tap, one weight vector and one FMA per pixel, started from
 * the bias. Other pixels (the border columns), the last block of fewer than 4 channels and
 * the other activations go one pixel at a time over the taps inside. Elsewhere this is
 * tsr_depthwise_conv2d_f32.
 *
 * Calls: tsr_depthwise_conv2d_f32.c
 */
#include <stddef.h>

#include "tsr_internal.h"
#include "tsr_simd.h"

#if TSR_SIMD == TSR_SIMD_HELIUM

/* Output pixels of one row the blocked path computes together. */
#define PIXELS 4

/* The call's geometry, in elements. */
typedef struct {
    int32_t c;    /* channels (input and output) */
    int32_t kw;   /* taps per kernel row */
    int32_t tap;  /* input: from one tap of a kernel row to the next (dilation_w * c) */
    int32_t row;  /* input: from one kernel row to the next (dilation_h * in_w * c) */
    int32_t pix;  /* input: from one output pixel's window to the next (stride_w * c) */
} geom;

/* One output pixel of channels [c0, c0 + nc), any activation: taps nkh x nkw inside. x and
 * wk: the input and the weights at the first tap inside (unused without taps); s: the
 * bias. */
#if defined(__GNUC__)
__attribute__((noinline)) /* the odd cases: kept out of the blocked loop */
#endif
static void pixel(const geom *g, const tsr_act *act, const float *x, const float *wk,
                  int32_t nkh, int32_t nkw, float32x4_t s, mve_pred16_t pc, float *y,
                  int32_t nc)
{
    const int32_t jx = g->row - nkw * g->tap, jw = (g->kw - nkw) * g->c;
    int32_t kh, kw;
    for (kh = 0; kh < nkh; ++kh, x += jx, wk += jw) {
        for (kw = 0; kw < nkw; ++kw, x += g->tap, wk += g->c) {
            s = vfmaq_f32(s, vldrwq_z_f32(x, pc), vldrwq_z_f32(wk, pc));
        }
    }
    if (tsr_mve_act_inline(act)) {
        vstrwq_p_f32(y, tsr_mve_act_f32(act, s), pc);
    } else {
        float buf[4];
        vst1q_f32(buf, s);
        tsr_act_apply_n(act, buf, nc);
        tsr_mve_copy_f(y, buf, nc);
    }
}

/* n (2 .. PIXELS) consecutive output pixels of 4 channels whose windows lie inside the
 * input horizontally, nkh kernel rows inside, an activation applied in registers (a
 * missing pixel repeats the last one and is not stored). x and wk: the input and the
 * weights at pixel 0's first tap inside; b: the bias. */
static void pixels(const geom *g, const float *x, const float *wk, int32_t nkh, int32_t n,
                   float32x4_t b, const tsr_act *act, float *y)
{
    const int32_t tap = g->tap, jx = g->row - g->kw * g->tap, c = g->c;
    const int32_t o1 = g->pix, o2 = (n > 2 ? 2 : 1) * g->pix, o3 = (n - 1) * g->pix;
    float32x4_t a0 = b, a1 = b, a2 = b, a3 = b;
    int32_t kh, kw;
    for (kh = 0; kh < nkh; ++kh, x += jx) {
        for (kw = 0; kw < g->kw; ++kw, x += tap, wk += c) {
            const float32x4_t wv = vld1q_f32(wk);
            a0 = vfmaq_f32(a0, vld1q_f32(x), wv);
            a1 = vfmaq_f32(a1, vld1q_f32(x + o1), wv);
            a2 = vfmaq_f32(a2, vld1q_f32(x + o2), wv);
            a3 = vfmaq_f32(a3, vld1q_f32(x + o3), wv);
        }
    }
    vst1q_f32(y, tsr_mve_act_f32(act, a0));
    vst1q_f32(y + c, tsr_mve_act_f32(act, a1));
    if (n > 2) {
        vst1q_f32(y + 2 * c, tsr_mve_act_f32(act, a2));
    }
    if (n > 3) {
        vst1q_f32(y + 3 * c, tsr_mve_act_f32(act, a3));
    }
}

/* One output pixel of 4 channels, taps nkh x nkw inside, an activation applied in
 * registers; arguments as pixels(). */
static void one(const geom *g, const float *x, const float *wk, int32_t nkh, int32_t nkw,
                float32x4_t a, const tsr_act *act, float *y)
{
    const int32_t jx = g->row - nkw * g->tap, jw = (g->kw - nkw) * g->c;
    int32_t kh, kw;
    for (kh = 0; kh < nkh; ++kh, x += jx, wk += jw) {
        for (kw = 0; kw < nkw; ++kw, x += g->tap, wk += g->c) {
            a = vfmaq_f32(a, vld1q_f32(x), vld1q_f32(wk));
        }
    }
    vst1q_f32(y, tsr_mve_act_f32(act, a));
}

int tsr_depthwise_conv2d_vec_f32(const tsr_depthwise_conv2d_params *p, const float *input,
                                 const float *weights, const float *bias, float *output)
{
    const tsr_window *w;
    geom g;
    int32_t n, oh, ow, c0, c, col_lo, col_hi, blocked;
    int32_t in_w, out_w, stride_w, pad_left, dil_w, kernel_w;

    if (p == NULL || input == NULL || weights == NULL || output == NULL) {
        return TSR_ERR_NULL;
    }
    w = &p->win;
    c = p->in_c;
    if (p->multiplier != 1 || !tsr_act_valid(&p->act) || !tsr_window_ok(w, c, c) ||
        tsr_mul(tsr_mul(w->kernel_h, w->kernel_w), c) <= 0) {
        return TSR_ERR_PARAM;
    }
    in_w = w->in_w, out_w = w->out_w, stride_w = w->stride_w, pad_left = w->pad_left;
    dil_w = w->dilation_w, kernel_w = w->kernel_w;
    g.c = c;
    g.kw = kernel_w;
    g.tap = dil_w * c;
    g.row = w->dilation_h * in_w * c;
    g.pix = stride_w * c;
    tsr_inside_outputs(in_w, out_w, (kernel_w - 1) * dil_w + 1, stride_w, pad_left, &col_lo,
                       &col_hi);
    blocked = tsr_mve_act_inline(&p->act); /* the blocked path: the activation in registers */
    for (c0 = 0; c0 < c; c0 += 4) {
        const int32_t nc = c - c0 < 4 ? c - c0 : 4;
        const mve_pred16_t pc = vctp32q((uint32_t)nc);
        const float32x4_t b = bias != NULL ? vldrwq_z_f32(bias + c0, pc) : vdupq_n_f32(0.0f);
        const int32_t fast = blocked && nc == 4;
        for (n = 0; n < w->batch; ++n) {
            for (oh = 0; oh < w->out_h; ++oh) {
                const int32_t ih0 = oh * w->stride_h - w->pad_top;
                float *y = output + ((n * w->out_h + oh) * out_w) * c + c0;
                const float *x, *wk;
                int32_t kh_lo, kh_hi, ih, nkh;
                tsr_tap_range(ih0, w->dilation_h, w->kernel_h, w->in_h, &kh_lo, &kh_hi);
                nkh = kh_hi - kh_lo;
                /* Kernel row kh_lo: its input row and its weights (without taps: row 0 and
                 * kernel row 0, not read). */
                ih = nkh > 0 ? ih0 + kh_lo * w->dilation_h : 0;
                x = input + ((n * w->in_h + ih) * in_w) * c + c0;
                wk = weights + (nkh > 0 ? kh_lo : 0) * kernel_w * c + c0;
                for (ow = 0; ow < out_w;) {
                    const int32_t iw0 = ow * stride_w - pad_left;
                    int32_t kw_lo, kw_hi, at;
                    if (fast && ow >= col_lo && ow + 1 < col_hi) { /* two or more inside */
                        const int32_t k = col_hi - ow < PIXELS ? col_hi - ow : PIXELS;
                        pixels(&g, x + iw0 * c, wk, nkh, k, b, &p->act, y + ow * c);
                        ow += k;
                        continue;
                    }
                    tsr_tap_range(iw0, dil_w, kernel_w, in_w, &kw_lo, &kw_hi);
                    if (kw_hi == kw_lo) { /* no taps: pointers not read */
                        kw_lo = kw_hi = 0;
                    }
                    at = kw_hi > kw_lo ? iw0 + kw_lo * dil_w : 0; /* the first tap's column */
                    if (fast) {
                        one(&g, x + at * c, wk + kw_lo * c, nkh, kw_hi - kw_lo, b, &p->act,
                            y + ow * c);
                    } else {
                        pixel(&g, &p->act, x + at * c, wk + kw_lo * c, nkh, kw_hi - kw_lo, b,
                              pc, y + ow * c, nc);
                    }
                    ++ow;
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
