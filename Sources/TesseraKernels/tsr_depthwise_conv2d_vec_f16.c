/*
 * Tessera runtime: depthwise 2-D convolution, NHWC, FP16, vectorised over channels
 * (channel multiplier 1; other multipliers: tsr_depthwise_conv2d_f16). Weights are
 * [kernel_h][kernel_w][channels] (HWC), half, and so is the bias. Semantics as
 * tsr_depthwise_conv2d_f16 (p->acc, bias in float, activation, one rounding).
 *
 * Helium: for each block of 8 channels, then each output row. When a dot product is one
 * half chunk (TSR_ACC_F16, or TSR_ACC_CHUNKED with at most TSR_ACC_CHUNK taps) and the
 * activation a clamp, the pixels whose windows lie inside the input horizontally are taken
 * PIXELS at a time: per tap, one weight vector and one FMA per pixel (three-tap rows at
 * stride 1 load each input vector once for every pixel it serves). Other pixels (the
 * border columns), the last block of fewer than 8 channels and the other modes go one pixel
 * at a time over the taps inside, in half (sums moved into float every TSR_ACC_CHUNK taps)
 * or widened to float (TSR_ACC_F32).
 * Elsewhere (scalar cores: half as a storage format on Cortex-M4/M7/M33, scalar half
 * arithmetic on RV32 Zfh) pixel by pixel, four channels at a time with their sums in
 * registers, in every accumulation mode, with the loop nest's bits.
 * Both are tsr_dw_vec_channels_f16 (tsr_depthwise.h), over any range of channels and any
 * output pixel stride. With p->walk == TSR_WALK_FORWARD Helium too goes pixel by pixel
 * (every block of channels of a pixel before the next pixel), so that the memory planner
 * may place the output over the input (the distance: Tessera's OverlapRules).
 *
 * Calls: tsr_depthwise_conv2d_f16.c
 */
#include <stddef.h>

#include "tsr_depthwise.h"
#include "tsr_internal.h"
#include "tsr_simd.h"

#if TSR_SIMD == TSR_SIMD_HELIUM && TSR_HELIUM_F16

/* Output pixels of one row the blocked path computes together. */
#define PIXELS 4

static inline float32x4x2_t add_half(float32x4x2_t t, float16x8_t h)
{
    t.val[0] = vaddq_f32(t.val[0], vcvtbq_f32_f16(h));
    t.val[1] = vaddq_f32(t.val[1], vcvttq_f32_f16(h));
    return t;
}

/* One output pixel of channels [c0, c0 + nc), any accumulation mode: taps nkh x nkw. x and
 * wk: the input and the weights at the first tap inside (unused without taps); t: the float
 * totals, started from the bias (even channels, odd channels). */
#if defined(__GNUC__)
__attribute__((noinline)) /* the border and odd cases: kept out of the blocked loop */
#endif
static void pixel(const tsr_dw_geom *g, const tsr_depthwise_conv2d_params *p,
                  const float16_t *x, const float16_t *wk, int32_t nkh, int32_t nkw,
                  float32x4x2_t t, mve_pred16_t pc, tsr_f16 *y, int32_t nc)
{
    const int32_t jx = g->row - nkw * g->tap, jw = (g->kw - nkw) * g->c;
    int32_t kh, kw;
    if (p->acc == TSR_ACC_F32) { /* half products are exact in float: FMA in float */
        for (kh = 0; kh < nkh; ++kh, x += jx, wk += jw) {
            for (kw = 0; kw < nkw; ++kw, x += g->tap, wk += g->c) {
                const float16x8_t xv = vldrhq_z_f16(x, pc), wv = vldrhq_z_f16(wk, pc);
                t.val[0] = vfmaq_f32(t.val[0], vcvtbq_f32_f16(xv), vcvtbq_f32_f16(wv));
                t.val[1] = vfmaq_f32(t.val[1], vcvttq_f32_f16(xv), vcvttq_f32_f16(wv));
            }
        }
    } else {
        const int32_t chunk = p->acc == TSR_ACC_CHUNKED ? TSR_ACC_CHUNK : INT32_MAX;
        float16x8_t s = vdupq_n_f16(0);
        int32_t room = chunk;
        for (kh = 0; kh < nkh; ++kh, x += jx, wk += jw) {
            for (kw = 0; kw < nkw; ++kw, x += g->tap, wk += g->c) {
                s = vfmaq_f16(s, vldrhq_z_f16(x, pc), vldrhq_z_f16(wk, pc));
                if (--room == 0) { /* the chunk is full: into the float totals */
                    t = add_half(t, s);
                    s = vdupq_n_f16(0);
                    room = chunk;
                }
            }
        }
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

/* The end of a one-chunk dot product of 8 channels: the bias by one IEEE half addition
 * (the float sum rounded once, as in tsr_mm_f16.c), the activation as a clamp in half. */
static inline float16x8_t finish(float16x8_t a, const float16_t *bias, tsr_mve_clamp_f16 cl)
{
    return tsr_mve_clamp(cl, bias != NULL ? vaddq_f16(a, vld1q_f16(bias)) : a);
}

/* One kernel row of pixels3(): pixel p's tap t reads input column p + t; four: pixel 3
 * as well (columns 0 .. 5), else pixels 0 .. 2 only (columns 0 .. 4). */
static inline void slide_row(const float16_t *x, const float16_t *wk, int32_t c, int four,
                             float16x8_t a[4])
{
    const float16x8_t w0 = vld1q_f16(wk), w1 = vld1q_f16(wk + c);
    const float16x8_t w2 = vld1q_f16(wk + 2 * c);
    float16x8_t v = vld1q_f16(x);
    a[0] = vfmaq_f16(a[0], v, w0);
    v = vld1q_f16(x + c);
    a[0] = vfmaq_f16(a[0], v, w1), a[1] = vfmaq_f16(a[1], v, w0);
    v = vld1q_f16(x + 2 * c);
    a[0] = vfmaq_f16(a[0], v, w2), a[1] = vfmaq_f16(a[1], v, w1), a[2] = vfmaq_f16(a[2], v, w0);
    v = vld1q_f16(x + 3 * c);
    a[1] = vfmaq_f16(a[1], v, w2), a[2] = vfmaq_f16(a[2], v, w1);
    if (four) {
        a[3] = vfmaq_f16(a[3], v, w0);
    }
    v = vld1q_f16(x + 4 * c);
    a[2] = vfmaq_f16(a[2], v, w2);
    if (four) {
        a[3] = vfmaq_f16(a[3], v, w1);
        v = vld1q_f16(x + 5 * c);
        a[3] = vfmaq_f16(a[3], v, w2);
    }
}

/* n (3 or PIXELS) pixels as pixels(), for kernel rows of three taps at stride 1 without
 * dilation: pixel p's tap t reads input column p + t, so each kernel row loads its n + 2
 * input vectors and three weight vectors once (columns past pixel n - 1's taps are not
 * read). The same operations in the same order as pixels(). */
static void pixels3(const tsr_dw_geom *g, const float16_t *x, const float16_t *wk,
                    int32_t nkh, int32_t n, const float16_t *bias, tsr_mve_clamp_f16 cl,
                    float16_t *y)
{
    const int32_t c = g->c;
    float16x8_t a[4];
    int32_t kh;
    a[0] = a[1] = a[2] = a[3] = vdupq_n_f16(0);
    if (n > 3) {
        for (kh = 0; kh < nkh; ++kh, x += g->row, wk += 3 * c) {
            slide_row(x, wk, c, 1, a);
        }
    } else {
        for (kh = 0; kh < nkh; ++kh, x += g->row, wk += 3 * c) {
            slide_row(x, wk, c, 0, a);
        }
    }
    vst1q_f16(y, finish(a[0], bias, cl));
    vst1q_f16(y + g->ys, finish(a[1], bias, cl));
    vst1q_f16(y + 2 * g->ys, finish(a[2], bias, cl));
    if (n > 3) {
        vst1q_f16(y + 3 * g->ys, finish(a[3], bias, cl));
    }
}

/* n (2 .. PIXELS) consecutive output pixels of 8 channels whose windows lie inside the
 * input horizontally, nkh kernel rows inside, half accumulation in one chunk (a missing
 * pixel repeats the last one and is not stored). x and wk: the input and the weights at
 * pixel 0's first tap inside; bias: the 8 channels' bias or NULL. */
static void pixels(const tsr_dw_geom *g, const float16_t *x, const float16_t *wk, int32_t nkh,
                   int32_t n, const float16_t *bias, tsr_mve_clamp_f16 cl, float16_t *y)
{
    const int32_t tap = g->tap, jx = g->row - g->kw * g->tap, c = g->c;
    const int32_t o1 = g->pix, o2 = (n > 2 ? 2 : 1) * g->pix, o3 = (n - 1) * g->pix;
    float16x8_t a0 = vdupq_n_f16(0), a1 = a0, a2 = a0, a3 = a0;
    int32_t kh, kw;
    for (kh = 0; kh < nkh; ++kh, x += jx) {
        for (kw = 0; kw < g->kw; ++kw, x += tap, wk += c) {
            const float16x8_t wv = vld1q_f16(wk);
            a0 = vfmaq_f16(a0, vld1q_f16(x), wv);
            a1 = vfmaq_f16(a1, vld1q_f16(x + o1), wv);
            a2 = vfmaq_f16(a2, vld1q_f16(x + o2), wv);
            a3 = vfmaq_f16(a3, vld1q_f16(x + o3), wv);
        }
    }
    vst1q_f16(y, finish(a0, bias, cl));
    vst1q_f16(y + g->ys, finish(a1, bias, cl));
    if (n > 2) {
        vst1q_f16(y + 2 * g->ys, finish(a2, bias, cl));
    }
    if (n > 3) {
        vst1q_f16(y + 3 * g->ys, finish(a3, bias, cl));
    }
}

/* One output pixel of 8 channels, taps nkh x nkw inside, half accumulation in one chunk;
 * arguments as pixels(). */
static void one(const tsr_dw_geom *g, const float16_t *x, const float16_t *wk, int32_t nkh,
                int32_t nkw, const float16_t *bias, tsr_mve_clamp_f16 cl, float16_t *y)
{
    const int32_t jx = g->row - nkw * g->tap, jw = (g->kw - nkw) * g->c;
    float16x8_t a = vdupq_n_f16(0);
    int32_t kh, kw;
    for (kh = 0; kh < nkh; ++kh, x += jx, wk += jw) {
        for (kw = 0; kw < nkw; ++kw, x += g->tap, wk += g->c) {
            a = vfmaq_f16(a, vld1q_f16(x), vld1q_f16(wk));
        }
    }
    vst1q_f16(y, finish(a, bias, cl));
}

void tsr_dw_vec_channels_f16(const tsr_depthwise_conv2d_params *p, const tsr_f16 *input,
                             const tsr_f16 *weights, const tsr_f16 *bias, int32_t c0,
                             int32_t nc, tsr_f16 *y, int32_t ys)
{
    const tsr_window *w = &p->win;
    const int32_t c = p->in_c;
    /* The blocked path: one chunk per dot product and an activation that is a clamp. */
    const int blocked = p->acc != TSR_ACC_F32 && tsr_mve_act_inline(&p->act) &&
                        (p->acc == TSR_ACC_F16 || w->kernel_h * w->kernel_w <= TSR_ACC_CHUNK);
    const tsr_mve_clamp_f16 cl = tsr_mve_clamp_of(&p->act);
    tsr_dw_geom g;
    int32_t n, oh, ow, b0, slide;

    tsr_dw_geom_of(&g, w, c, ys);
    slide = g.kw == 3 && g.tap == c && g.pix == c; /* pixels3() */
    if (p->walk == TSR_WALK_FORWARD) { /* pixel by pixel: the output may lie over the input */
        for (n = 0; n < w->batch; ++n) {
            for (oh = 0; oh < w->out_h; ++oh) {
                const tsr_dw_row r = tsr_dw_row_of(w, c, n, oh);
                float16_t *yr = TSR_MVE_H(y) + ((n * w->out_h + oh) * w->out_w) * ys;
                for (ow = 0; ow < w->out_w; ++ow) {
                    const tsr_dw_cols s = tsr_dw_cols_of(w, c, ow);
                    for (b0 = 0; b0 < nc; b0 += 8) {
                        const int32_t nb = nc - b0 < 8 ? nc - b0 : 8;
                        const mve_pred16_t pc = vctp16q((uint32_t)nb);
                        const float16_t *bc = bias != NULL ? TSR_MVE_CH(bias + c0 + b0) : NULL;
                        const float16x8_t bh = bc != NULL ? vldrhq_z_f16(bc, pc) : vdupq_n_f16(0);
                        const float16_t *x = TSR_MVE_CH(input) + r.x + s.x + c0 + b0;
                        const float16_t *wk = TSR_MVE_CH(weights) + r.wk + s.wk + c0 + b0;
                        float32x4x2_t t0;
                        t0.val[0] = vcvtbq_f32_f16(bh);
                        t0.val[1] = vcvttq_f32_f16(bh);
                        if (blocked && nb == 8) {
                            one(&g, x, wk, r.nkh, s.nkw, bc, cl, yr + ow * ys + b0);
                        } else {
                            pixel(&g, p, x, wk, r.nkh, s.nkw, t0, pc,
                                  (tsr_f16 *)(void *)(yr + ow * ys + b0), nb);
                        }
                    }
                }
            }
        }
        return;
    }
    for (b0 = 0; b0 < nc; b0 += 8) {
        const int32_t nb = nc - b0 < 8 ? nc - b0 : 8;
        const mve_pred16_t pc = vctp16q((uint32_t)nb);
        const float16_t *bc = bias != NULL ? TSR_MVE_CH(bias + c0 + b0) : NULL;
        const float16x8_t bh = bc != NULL ? vldrhq_z_f16(bc, pc) : vdupq_n_f16(0);
        const int32_t lo = blocked && nb == 8 ? g.col_lo : 0; /* [lo, hi): the blocked path */
        const int32_t hi = blocked && nb == 8 ? g.col_hi : 0;
        float32x4x2_t t0; /* the bias in float: even channels, odd channels */
        t0.val[0] = vcvtbq_f32_f16(bh);
        t0.val[1] = vcvttq_f32_f16(bh);
        for (n = 0; n < w->batch; ++n) {
            for (oh = 0; oh < w->out_h; ++oh) {
                const tsr_dw_row r = tsr_dw_row_of(w, c, n, oh);
                const float16_t *x = TSR_MVE_CH(input) + r.x + c0 + b0;
                const float16_t *wk = TSR_MVE_CH(weights) + r.wk + c0 + b0;
                float16_t *yr = TSR_MVE_H(y) + ((n * w->out_h + oh) * w->out_w) * ys + b0;
                for (ow = 0; ow < w->out_w;) {
                    tsr_dw_cols s;
                    if (ow >= lo && ow + 1 < hi) { /* two or more pixels inside */
                        const int32_t k = hi - ow < PIXELS ? hi - ow : PIXELS;
                        if (k >= 3 && slide) {
                            pixels3(&g, x + ow * c - w->pad_left * c, wk, r.nkh, k, bc, cl,
                                    yr + ow * ys);
                        } else {
                            pixels(&g, x + ow * g.pix - w->pad_left * c, wk, r.nkh, k, bc, cl,
                                   yr + ow * ys);
                        }
                        ow += k;
                        continue;
                    }
                    s = tsr_dw_cols_of(w, c, ow);
                    if (blocked && nb == 8) {
                        one(&g, x + s.x, wk + s.wk, r.nkh, s.nkw, bc, cl, yr + ow * ys);
                    } else {
                        pixel(&g, p, x + s.x, wk + s.wk, r.nkh, s.nkw, t0, pc,
                              (tsr_f16 *)(void *)(yr + ow * ys), nb);
                    }
                    ++ow;
                }
            }
        }
    }
}

#else /* portable */

/* Four channels of one output pixel, taps nkh x nkw inside from x and wk, accumulated in
 * p->acc as tsr_hacc_dot accumulates them (tsr_simd.h: the loop nest's bits) with the
 * sums in registers, plus the bias in float, the activation, one rounding. */
static void four(const tsr_dw_geom *g, const tsr_depthwise_conv2d_params *p,
                 const tsr_f16 *x, const tsr_f16 *wk, int32_t nkh, int32_t nkw,
                 const tsr_f16 *bias, tsr_f16 *y)
{
    const int32_t jx = g->row - nkw * g->tap, jw = (g->kw - nkw) * g->c;
    float out[4], a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
    int32_t kh, kw;
    if (p->acc == TSR_ACC_F32) { /* the float sums from 0 */
        for (kh = 0; kh < nkh; ++kh, x += jx, wk += jw) {
            for (kw = 0; kw < nkw; ++kw, x += g->tap, wk += g->c) {
                float x0, x1, x2, x3, w0, w1, w2, w3;
                tsr_h2f_pair(x, &x0, &x1);
                tsr_h2f_pair(x + 2, &x2, &x3);
                tsr_h2f_pair(wk, &w0, &w1);
                tsr_h2f_pair(wk + 2, &w2, &w3);
                a0 = tsr_fmac_exact(a0, x0, w0), a1 = tsr_fmac_exact(a1, x1, w1);
                a2 = tsr_fmac_exact(a2, x2, w2), a3 = tsr_fmac_exact(a3, x3, w3);
            }
        }
    } else { /* half sums; TSR_ACC_CHUNKED moves them into the float a_i every chunk */
        const int32_t chunk = p->acc == TSR_ACC_CHUNKED ? TSR_ACC_CHUNK : INT32_MAX;
        tsr_hval h0 = TSR_HVAL_ZERO, h1 = h0, h2 = h0, h3 = h0;
        int32_t room = chunk;
        for (kh = 0; kh < nkh; ++kh, x += jx, wk += jw) {
            for (kw = 0; kw < nkw; ++kw, x += g->tap, wk += g->c) {
                h0 = tsr_hmac(h0, x[0], wk[0]), h1 = tsr_hmac(h1, x[1], wk[1]);
                h2 = tsr_hmac(h2, x[2], wk[2]), h3 = tsr_hmac(h3, x[3], wk[3]);
                if (--room == 0) {
                    a0 += tsr_hval_to_f(h0), a1 += tsr_hval_to_f(h1);
                    a2 += tsr_hval_to_f(h2), a3 += tsr_hval_to_f(h3);
                    h0 = h1 = h2 = h3 = TSR_HVAL_ZERO;
                    room = chunk;
                }
            }
        }
        if (p->acc == TSR_ACC_F16) {
            a0 = tsr_hval_to_f(h0), a1 = tsr_hval_to_f(h1);
            a2 = tsr_hval_to_f(h2), a3 = tsr_hval_to_f(h3);
        } else {
            a0 += tsr_hval_to_f(h0), a1 += tsr_hval_to_f(h1);
            a2 += tsr_hval_to_f(h2), a3 += tsr_hval_to_f(h3);
        }
    }
    if (bias != NULL) {
        a0 += tsr_h2f(bias[0]), a1 += tsr_h2f(bias[1]);
        a2 += tsr_h2f(bias[2]), a3 += tsr_h2f(bias[3]);
    }
    out[0] = a0, out[1] = a1, out[2] = a2, out[3] = a3;
    tsr_f16_act_store(&p->act, out, y, 4);
}

/* Scalar cores (Cortex-M4/M7/M33, where half is a storage format accumulated in float;
 * RV32 Zfh, whose half arithmetic is scalar): pixel by pixel, four channels at a time with
 * their sums in registers, each operand loaded once per tap (the loop nest goes channel by
 * channel through its tsr_hacc); the last nc % 4 channels are the loop nest's code
 * (tsr_dw_range_f16). */
void tsr_dw_vec_channels_f16(const tsr_depthwise_conv2d_params *p, const tsr_f16 *input,
                             const tsr_f16 *weights, const tsr_f16 *bias, int32_t c0,
                             int32_t nc, tsr_f16 *y, int32_t ys)
{
    const tsr_window *w = &p->win;
    const int32_t c = p->in_c, wide = nc / 4 * 4;
    tsr_dw_geom g;
    int32_t n, oh, ow, b;

    if (wide < nc) { /* the channels four() does not take */
        tsr_dw_range_f16(p, input, weights, bias, c0 + wide, nc - wide, y + wide, ys);
    }
    if (wide == 0) {
        return;
    }
    tsr_dw_geom_of(&g, w, c, ys);
    for (n = 0; n < w->batch; ++n) {
        for (oh = 0; oh < w->out_h; ++oh) {
            const tsr_dw_row r = tsr_dw_row_of(w, c, n, oh);
            tsr_f16 *yr = y + ((n * w->out_h + oh) * w->out_w) * ys;
            for (ow = 0; ow < w->out_w; ++ow, yr += ys) {
                const tsr_dw_cols s = tsr_dw_cols_of(w, c, ow);
                const tsr_f16 *x = input + r.x + s.x + c0, *wk = weights + r.wk + s.wk + c0;
                for (b = 0; b < wide; b += 4) {
                    four(&g, p, x + b, wk + b, r.nkh, s.nkw,
                         bias != NULL ? bias + c0 + b : NULL, yr + b);
                }
            }
        }
    }
}

#endif

int tsr_depthwise_conv2d_vec_f16(const tsr_depthwise_conv2d_params *p, const tsr_f16 *input,
                                 const tsr_f16 *weights, const tsr_f16 *bias, tsr_f16 *output)
{
    if (p == NULL || input == NULL || weights == NULL || output == NULL) {
        return TSR_ERR_NULL;
    }
    if (!tsr_dw_vec_params_ok(p) || !tsr_acc_valid(p->acc)) {
        return TSR_ERR_PARAM;
    }
    tsr_dw_vec_channels_f16(p, input, weights, bias, 0, p->in_c, output, p->in_c);
    return TSR_OK;
}
