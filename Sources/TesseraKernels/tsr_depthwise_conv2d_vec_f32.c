/*
 * Tessera runtime: depthwise 2-D convolution, NHWC, FP32, vectorised over channels
 * (channel multiplier 1; other multipliers: tsr_depthwise_conv2d_f32). Weights are
 * [kernel_h][kernel_w][channels] (HWC); bias [channels] or NULL.
 *
 * Helium: for each block of 4 channels, then each output row. With an activation Helium
 * applies in registers, the pixels whose windows lie inside the input horizontally are
 * taken PIXELS at a time: per tap, one weight vector and one FMA per pixel, started from
 * the bias (three-tap rows at stride 1 load each input vector once for every pixel it
 * serves). Other pixels (the border columns), the last block of fewer than 4 channels and
 * the other activations go one pixel at a time over the taps inside. Elsewhere (scalar FPU
 * cores) pixel by pixel, four channels at a time in registers, with the loop nest's bits.
 * Both are tsr_dw_vec_channels_f32 (tsr_depthwise.h), over any range of channels and any
 * output pixel stride. With p->walk == TSR_WALK_FORWARD Helium too goes pixel by pixel
 * (every block of channels of a pixel before the next pixel), so that the memory planner
 * may place the output over the input (the distance: Tessera's OverlapRules).
 */
#include <stddef.h>

#include "tsr_depthwise.h"
#include "tsr_internal.h"
#include "tsr_simd.h"

#if TSR_SIMD == TSR_SIMD_HELIUM

/* Output pixels of one row the blocked path computes together. */
#define PIXELS 4

/* One output pixel of channels [c0, c0 + nc), any activation: taps nkh x nkw inside. x and
 * wk: the input and the weights at the first tap inside (unused without taps); s: the
 * bias. */
#if defined(__GNUC__)
__attribute__((noinline)) /* the odd cases: kept out of the blocked loop */
#endif
static void pixel(const tsr_dw_geom *g, const tsr_act *act, const float *x, const float *wk,
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

/* One kernel row of pixels3(): pixel p's tap t reads input column p + t; four: pixel 3
 * as well (columns 0 .. 5), else pixels 0 .. 2 only (columns 0 .. 4). */
static inline void slide_row(const float *x, const float *wk, int32_t c, int four,
                             float32x4_t a[4])
{
    const float32x4_t w0 = vld1q_f32(wk), w1 = vld1q_f32(wk + c);
    const float32x4_t w2 = vld1q_f32(wk + 2 * c);
    float32x4_t v = vld1q_f32(x);
    a[0] = vfmaq_f32(a[0], v, w0);
    v = vld1q_f32(x + c);
    a[0] = vfmaq_f32(a[0], v, w1), a[1] = vfmaq_f32(a[1], v, w0);
    v = vld1q_f32(x + 2 * c);
    a[0] = vfmaq_f32(a[0], v, w2), a[1] = vfmaq_f32(a[1], v, w1), a[2] = vfmaq_f32(a[2], v, w0);
    v = vld1q_f32(x + 3 * c);
    a[1] = vfmaq_f32(a[1], v, w2), a[2] = vfmaq_f32(a[2], v, w1);
    if (four) {
        a[3] = vfmaq_f32(a[3], v, w0);
    }
    v = vld1q_f32(x + 4 * c);
    a[2] = vfmaq_f32(a[2], v, w2);
    if (four) {
        a[3] = vfmaq_f32(a[3], v, w1);
        v = vld1q_f32(x + 5 * c);
        a[3] = vfmaq_f32(a[3], v, w2);
    }
}

/* n (3 or PIXELS) pixels as pixels(), for kernel rows of three taps at stride 1 without
 * dilation: pixel p's tap t reads input column p + t, so each kernel row loads its n + 2
 * input vectors and three weight vectors once (columns past pixel n - 1's taps are not
 * read). The same operations in the same order as pixels(). */
static void pixels3(const tsr_dw_geom *g, const float *x, const float *wk, int32_t nkh,
                    int32_t n, float32x4_t b, const tsr_act *act, float *y)
{
    const int32_t c = g->c;
    float32x4_t a[4];
    int32_t kh;
    a[0] = a[1] = a[2] = a[3] = b;
    if (n > 3) {
        for (kh = 0; kh < nkh; ++kh, x += g->row, wk += 3 * c) {
            slide_row(x, wk, c, 1, a);
        }
    } else {
        for (kh = 0; kh < nkh; ++kh, x += g->row, wk += 3 * c) {
            slide_row(x, wk, c, 0, a);
        }
    }
    vst1q_f32(y, tsr_mve_act_f32(act, a[0]));
    vst1q_f32(y + g->ys, tsr_mve_act_f32(act, a[1]));
    vst1q_f32(y + 2 * g->ys, tsr_mve_act_f32(act, a[2]));
    if (n > 3) {
        vst1q_f32(y + 3 * g->ys, tsr_mve_act_f32(act, a[3]));
    }
}

/* n (2 .. PIXELS) consecutive output pixels of 4 channels whose windows lie inside the
 * input horizontally, nkh kernel rows inside, an activation applied in registers (a
 * missing pixel repeats the last one and is not stored). x and wk: the input and the
 * weights at pixel 0's first tap inside; b: the bias. */
static void pixels(const tsr_dw_geom *g, const float *x, const float *wk, int32_t nkh,
                   int32_t n, float32x4_t b, const tsr_act *act, float *y)
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
    vst1q_f32(y + g->ys, tsr_mve_act_f32(act, a1));
    if (n > 2) {
        vst1q_f32(y + 2 * g->ys, tsr_mve_act_f32(act, a2));
    }
    if (n > 3) {
        vst1q_f32(y + 3 * g->ys, tsr_mve_act_f32(act, a3));
    }
}

/* One output pixel of 4 channels, taps nkh x nkw inside, an activation applied in
 * registers; arguments as pixels(). */
static void one(const tsr_dw_geom *g, const float *x, const float *wk, int32_t nkh, int32_t nkw,
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

void tsr_dw_vec_channels_f32(const tsr_depthwise_conv2d_params *p, const float *input,
                             const float *weights, const float *bias, int32_t c0, int32_t nc,
                             float *y, int32_t ys)
{
    const tsr_window *w = &p->win;
    const int32_t c = p->in_c;
    const int blocked = tsr_mve_act_inline(&p->act); /* the blocked path: act in registers */
    tsr_dw_geom g;
    int32_t n, oh, ow, b0, slide;

    tsr_dw_geom_of(&g, w, c, ys);
    slide = g.kw == 3 && g.tap == c && g.pix == c; /* pixels3() */
    if (p->walk == TSR_WALK_FORWARD) { /* pixel by pixel: the output may lie over the input */
        for (n = 0; n < w->batch; ++n) {
            for (oh = 0; oh < w->out_h; ++oh) {
                const tsr_dw_row r = tsr_dw_row_of(w, c, n, oh);
                float *yr = y + ((n * w->out_h + oh) * w->out_w) * ys;
                for (ow = 0; ow < w->out_w; ++ow) {
                    const tsr_dw_cols s = tsr_dw_cols_of(w, c, ow);
                    for (b0 = 0; b0 < nc; b0 += 4) {
                        const int32_t nb = nc - b0 < 4 ? nc - b0 : 4;
                        const mve_pred16_t pc = vctp32q((uint32_t)nb);
                        const float32x4_t b = bias != NULL ? vldrwq_z_f32(bias + c0 + b0, pc)
                                                           : vdupq_n_f32(0.0f);
                        const float *x = input + r.x + s.x + c0 + b0;
                        const float *wk = weights + r.wk + s.wk + c0 + b0;
                        if (blocked && nb == 4) {
                            one(&g, x, wk, r.nkh, s.nkw, b, &p->act, yr + ow * ys + b0);
                        } else {
                            pixel(&g, &p->act, x, wk, r.nkh, s.nkw, b, pc, yr + ow * ys + b0, nb);
                        }
                    }
                }
            }
        }
        return;
    }
    for (b0 = 0; b0 < nc; b0 += 4) {
        const int32_t nb = nc - b0 < 4 ? nc - b0 : 4;
        const mve_pred16_t pc = vctp32q((uint32_t)nb);
        const float32x4_t b = bias != NULL ? vldrwq_z_f32(bias + c0 + b0, pc)
                                           : vdupq_n_f32(0.0f);
        const int32_t lo = blocked && nb == 4 ? g.col_lo : 0; /* [lo, hi): blocked */
        const int32_t hi = blocked && nb == 4 ? g.col_hi : 0;
        for (n = 0; n < w->batch; ++n) {
            for (oh = 0; oh < w->out_h; ++oh) {
                const tsr_dw_row r = tsr_dw_row_of(w, c, n, oh);
                const float *x = input + r.x + c0 + b0, *wk = weights + r.wk + c0 + b0;
                float *yr = y + ((n * w->out_h + oh) * w->out_w) * ys + b0;
                for (ow = 0; ow < w->out_w;) {
                    tsr_dw_cols s;
                    if (ow >= lo && ow + 1 < hi) { /* two or more pixels inside */
                        const int32_t k = hi - ow < PIXELS ? hi - ow : PIXELS;
                        if (k >= 3 && slide) {
                            pixels3(&g, x + ow * c - w->pad_left * c, wk, r.nkh, k, b,
                                    &p->act, yr + ow * ys);
                        } else {
                            pixels(&g, x + ow * g.pix - w->pad_left * c, wk, r.nkh, k, b,
                                   &p->act, yr + ow * ys);
                        }
                        ow += k;
                        continue;
                    }
                    s = tsr_dw_cols_of(w, c, ow);
                    if (blocked && nb == 4) {
                        one(&g, x + s.x, wk + s.wk, r.nkh, s.nkw, b, &p->act, yr + ow * ys);
                    } else {
                        pixel(&g, &p->act, x + s.x, wk + s.wk, r.nkh, s.nkw, b, pc,
                              yr + ow * ys, nb);
                    }
                    ++ow;
                }
            }
        }
    }
}

#else /* portable: scalar FPU cores */

/* Four channels of one output pixel, taps nkh x nkw inside from x and wk: the sums in
 * registers, each tap by tap from 0 as the loop nest sums them (its bits), plus the bias. */
static void four(const tsr_dw_geom *g, const float *x, const float *wk, int32_t nkh,
                 int32_t nkw, const float *bias, float *y)
{
    const int32_t jx = g->row - nkw * g->tap, jw = (g->kw - nkw) * g->c;
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
    int32_t kh, kw;
    for (kh = 0; kh < nkh; ++kh, x += jx, wk += jw) {
        for (kw = 0; kw < nkw; ++kw, x += g->tap, wk += g->c) {
            a0 += x[0] * wk[0], a1 += x[1] * wk[1], a2 += x[2] * wk[2], a3 += x[3] * wk[3];
        }
    }
    if (bias != NULL) {
        a0 += bias[0], a1 += bias[1], a2 += bias[2], a3 += bias[3];
    }
    y[0] = a0, y[1] = a1, y[2] = a2, y[3] = a3;
}

/* Scalar FPU cores (Cortex-M4/M7/M33, RV32F): pixel by pixel, four channels at a time in
 * registers over the pixel's taps inside (the loop nest keeps its sums in the output and
 * loads and stores one per multiply-add); the last nc % 4 channels one by one. */
void tsr_dw_vec_channels_f32(const tsr_depthwise_conv2d_params *p, const float *input,
                             const float *weights, const float *bias, int32_t c0, int32_t nc,
                             float *y, int32_t ys)
{
    const tsr_window *w = &p->win;
    const int32_t c = p->in_c;
    tsr_dw_geom g;
    int32_t n, oh, ow, b;

    tsr_dw_geom_of(&g, w, c, ys);
    for (n = 0; n < w->batch; ++n) {
        for (oh = 0; oh < w->out_h; ++oh) {
            const tsr_dw_row r = tsr_dw_row_of(w, c, n, oh);
            float *yr = y + ((n * w->out_h + oh) * w->out_w) * ys;
            for (ow = 0; ow < w->out_w; ++ow, yr += ys) {
                const tsr_dw_cols s = tsr_dw_cols_of(w, c, ow);
                const float *x = input + r.x + s.x + c0, *wk = weights + r.wk + s.wk + c0;
                for (b = 0; b + 4 <= nc; b += 4) {
                    four(&g, x + b, wk + b, r.nkh, s.nkw, bias != NULL ? bias + c0 + b : NULL,
                         yr + b);
                }
                for (; b < nc; ++b) {
                    const float *xb = x + b, *wb = wk + b;
                    float sum = 0.0f;
                    int32_t kh, kw;
                    for (kh = 0; kh < r.nkh; ++kh) {
                        for (kw = 0; kw < s.nkw; ++kw) {
                            sum += xb[kh * g.row + kw * g.tap] * wb[(kh * g.kw + kw) * c];
                        }
                    }
                    yr[b] = bias != NULL ? sum + bias[c0 + b] : sum;
                }
                tsr_act_apply_n(&p->act, yr, nc);
            }
        }
    }
}

#endif

int tsr_depthwise_conv2d_vec_f32(const tsr_depthwise_conv2d_params *p, const float *input,
                                 const float *weights, const float *bias, float *output)
{
    if (p == NULL || input == NULL || weights == NULL || output == NULL) {
        return TSR_ERR_NULL;
    }
    if (!tsr_dw_vec_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    tsr_dw_vec_channels_f32(p, input, weights, bias, 0, p->in_c, output, p->in_c);
    return TSR_OK;
}
