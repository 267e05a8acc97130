/*
 * Tessera runtime: blocked matrix micro-kernel, FP16 (see tsr_mm.h). Block b of the packed
 * weights holds columns [b * C, b * C + nb), C = TSR_PACK_COLS_F16, row by row.
 *
 * Helium: half accumulators, two 8-lane vectors per row, one vector-by-scalar FMA per row,
 * vector and weight row. TSR_ACC_CHUNKED moves the half sums into float totals every
 * TSR_ACC_CHUNK rows of weights; TSR_ACC_F16 once at the end; TSR_ACC_F32 widens the
 * weights and accumulates in float. Float values of a half vector are kept as its even and
 * odd lanes (vcvtb/vcvtt), which is how the bias is loaded (vld2q) and the outputs narrowed.
 */
#include <stddef.h>

#include "tsr_internal.h"
#include "tsr_mm.h"
#include "tsr_simd.h"

#if TSR_SIMD == TSR_SIMD_HELIUM && TSR_HELIUM_F16

/* Float totals of one row: vector v (columns 8v .. 8v+7) as even lanes e[v] and odd lanes
 * o[v]. Plain vector members, assigned one by one: a struct copy would become a memcpy. */
typedef struct {
    float32x4_t e[2], o[2];
} row_totals;

static inline void add_half(row_totals *t, int v, float16x8_t h)
{
    t->e[v] = vaddq_f32(t->e[v], vcvtbq_f32_f16(h));
    t->o[v] = vaddq_f32(t->o[v], vcvttq_f32_f16(h));
}

/* Activation, rounding to half and a store of nb <= 16 outputs. */
static void store_row(const row_totals *t, const tsr_act *act, tsr_f16 *y, int32_t nb)
{
    int v;
    if (!tsr_mve_act_inline(act)) {
        float buf[16];
        for (v = 0; v < 2; ++v) {
            float32x4x2_t eo;
            eo.val[0] = t->e[v];
            eo.val[1] = t->o[v];
            vst2q_f32(buf + 8 * v, eo);
        }
        tsr_act_apply_n(act, buf, nb);
        tsr_f2h_n(buf, y, nb);
        return;
    }
    for (v = 0; v < 2 && nb > 8 * v; ++v) {
        float16x8_t h = vcvtbq_f16_f32(vdupq_n_f16(0), tsr_mve_act_f32(act, t->e[v]));
        h = vcvttq_f16_f32(h, tsr_mve_act_f32(act, t->o[v]));
        if (nb - 8 * v >= 8) {
            vst1q_f16(TSR_MVE_H(y + 8 * v), h);
        } else {
            vstrhq_p_f16(TSR_MVE_H(y + 8 * v), h, vctp16q((uint32_t)(nb - 8 * v)));
        }
    }
}

static void block(int32_t rows, const tsr_f16 *const a[], int32_t k, const tsr_f16 *w,
                  int32_t nb, const float *bias, const tsr_act *act, tsr_acc_mode acc,
                  tsr_f16 *const y[])
{
    const mve_pred16_t p0 = vctp16q((uint32_t)nb);
    const mve_pred16_t p1 = vctp16q((uint32_t)(nb > 8 ? nb - 8 : 0));
    const float16x8_t zero = vdupq_n_f16(0);
    float32x4x2_t b[2];
    row_totals t[TSR_MM_ROWS];
    int32_t r, i, k0;

    /* The totals start from the bias, split into even and odd lanes. */
    if (bias != NULL && nb == TSR_PACK_COLS_F16) {
        b[0] = vld2q_f32(bias);
        b[1] = vld2q_f32(bias + 8);
    } else {
        float padded[16];
        for (i = 0; i < 16; ++i) {
            padded[i] = bias != NULL && i < nb ? bias[i] : 0.0f;
        }
        b[0] = vld2q_f32(padded);
        b[1] = vld2q_f32(padded + 8);
    }
    for (r = 0; r < TSR_MM_ROWS; ++r) {
        t[r].e[0] = b[0].val[0];
        t[r].o[0] = b[0].val[1];
        t[r].e[1] = b[1].val[0];
        t[r].o[1] = b[1].val[1];
    }
    if (acc == TSR_ACC_F32) {
        /* Half products are exact in float: widen the weights, FMA in float. */
        for (r = 0; r < rows; ++r) {
            const float16_t *ar = TSR_MVE_CH(a[r]);
            const float16_t *wr = TSR_MVE_CH(w);
            float32x4_t e0 = t[r].e[0], o0 = t[r].o[0], e1 = t[r].e[1], o1 = t[r].o[1];
            for (i = 0; i < k; ++i, wr += nb) {
                const float16x8_t w0 = vldrhq_z_f16(wr, p0);
                const float16x8_t w1 = vldrhq_z_f16(wr + 8, p1);
                const float x = (float)ar[i];
                e0 = vfmaq_n_f32(e0, vcvtbq_f32_f16(w0), x);
                o0 = vfmaq_n_f32(o0, vcvttq_f32_f16(w0), x);
                e1 = vfmaq_n_f32(e1, vcvtbq_f32_f16(w1), x);
                o1 = vfmaq_n_f32(o1, vcvttq_f32_f16(w1), x);
            }
            t[r].e[0] = e0, t[r].o[0] = o0, t[r].e[1] = e1, t[r].o[1] = o1;
        }
    } else {
        const int32_t chunk = acc == TSR_ACC_F16 ? k : TSR_ACC_CHUNK;
        for (k0 = 0; k0 < k; k0 += chunk) {
            const int32_t kn = k - k0 < chunk ? k - k0 : chunk;
            const float16_t *wk = TSR_MVE_CH(w + k0 * nb);
            if (nb == TSR_PACK_COLS_F16 && rows > 1) {
                const float16_t *a0 = TSR_MVE_CH(a[0] + k0);
                const float16_t *a1 = TSR_MVE_CH(a[1] + k0);
                const float16_t *a2 = TSR_MVE_CH((rows > 2 ? a[2] : a[1]) + k0);
                float16x8_t x00 = zero, x01 = zero, x10 = zero, x11 = zero, x20 = zero,
                            x21 = zero;
                for (i = 0; i < kn; ++i, wk += TSR_PACK_COLS_F16) {
                    const float16x8_t w0 = vld1q_f16(wk);
                    const float16x8_t w1 = vld1q_f16(wk + 8);
                    const float16_t s0 = a0[i], s1 = a1[i], s2 = a2[i];
                    x00 = vfmaq_n_f16(x00, w0, s0);
                    x01 = vfmaq_n_f16(x01, w1, s0);
                    x10 = vfmaq_n_f16(x10, w0, s1);
                    x11 = vfmaq_n_f16(x11, w1, s1);
                    x20 = vfmaq_n_f16(x20, w0, s2);
                    x21 = vfmaq_n_f16(x21, w1, s2);
                }
                add_half(&t[0], 0, x00);
                add_half(&t[0], 1, x01);
                add_half(&t[1], 0, x10);
                add_half(&t[1], 1, x11);
                add_half(&t[2], 0, x20);
                add_half(&t[2], 1, x21);
            } else {
                /* A narrow block or one row: predicated weight loads, a row at a time. */
                for (r = 0; r < rows; ++r) {
                    const float16_t *ar = TSR_MVE_CH(a[r] + k0);
                    const float16_t *wr = wk;
                    float16x8_t s0 = zero, s1 = zero;
                    for (i = 0; i < kn; ++i, wr += nb) {
                        s0 = vfmaq_n_f16(s0, vldrhq_z_f16(wr, p0), ar[i]);
                        s1 = vfmaq_n_f16(s1, vldrhq_z_f16(wr + 8, p1), ar[i]);
                    }
                    add_half(&t[r], 0, s0);
                    add_half(&t[r], 1, s1);
                }
            }
        }
    }
    for (r = 0; r < rows; ++r) {
        store_row(&t[r], act, y[r], nb);
    }
}

#else /* portable: the reference accumulation of tsr_simd.h, column by column */

static void block(int32_t rows, const tsr_f16 *const a[], int32_t k, const tsr_f16 *w,
                  int32_t nb, const float *bias, const tsr_act *act, tsr_acc_mode acc,
                  tsr_f16 *const y[])
{
    int32_t r, j;
    for (r = 0; r < rows; ++r) {
        float buf[TSR_PACK_COLS_F16];
        for (j = 0; j < nb; ++j) {
            const float s = tsr_dot_f16(a[r], 1, w + j, nb, k, acc);
            buf[j] = bias != NULL ? s + bias[j] : s;
        }
        tsr_f16_act_store(act, buf, y[r], nb);
    }
}

#endif

void tsr_mm_f16(int32_t rows, const tsr_f16 *const a[], int32_t k, const tsr_f16 *w,
                int32_t n, const float *bias, const tsr_act *act, tsr_acc_mode acc,
                tsr_f16 *const y[])
{
    int32_t j0, r;
    for (j0 = 0; j0 < n; j0 += TSR_PACK_COLS_F16) {
        const int32_t nb = n - j0 < TSR_PACK_COLS_F16 ? n - j0 : TSR_PACK_COLS_F16;
        tsr_f16 *yb[TSR_MM_ROWS];
        for (r = 0; r < rows; ++r) {
            yb[r] = y[r] + j0;
        }
        block(rows, a, k, w + j0 * k, nb, bias != NULL ? bias + j0 : NULL, act, acc, yb);
    }
}
