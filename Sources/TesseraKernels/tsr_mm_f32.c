/*
 * Tessera runtime: blocked matrix micro-kernel, FP32 (see tsr_mm.h). Block b of the packed
 * weights holds columns [b * C, b * C + nb), C = TSR_PACK_COLS_F32, row by row.
 */
#include <stddef.h>

#include "tsr_internal.h"
#include "tsr_mm.h"
#include "tsr_simd.h"

#if TSR_SIMD == TSR_SIMD_HELIUM

/* Activation and store of one row's two vectors (nb <= 8 values, the residual already
 * added) through a float buffer, for the activations tsr_mve_act_f32 does not apply in
 * registers. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void store_row_buffered(const tsr_act *act, float32x4_t v0, float32x4_t v1, float *y,
                               int32_t nb)
{
    float buf[8];
    vst1q_f32(buf, v0);
    vst1q_f32(buf + 4, v1);
    tsr_act_apply_n(act, buf, nb);
    tsr_mve_copy_f(y, buf, nb);
}

/* Residual (NULL: none), activation and store of one row's two vectors (nb <= 8 values).
 * The residual is read just before the store: it may be y itself. */
static TSR_ALWAYS_INLINE void store_row(const tsr_act *act, float32x4_t v0, float32x4_t v1,
                             const float *res, float *y, int32_t nb)
{
    if (res != NULL) {
        v0 = vaddq_f32(v0, vldrwq_z_f32(res, vctp32q((uint32_t)nb)));
        v1 = vaddq_f32(v1, vldrwq_z_f32(res + 4, vctp32q((uint32_t)(nb > 4 ? nb - 4 : 0))));
    }
    if (tsr_mve_act_inline(act)) {
        vstrwq_p_f32(y, tsr_mve_act_f32(act, v0), vctp32q((uint32_t)nb));
        vstrwq_p_f32(y + 4, tsr_mve_act_f32(act, v1), vctp32q((uint32_t)(nb > 4 ? nb - 4 : 0)));
    } else {
        store_row_buffered(act, v0, v1, y, nb);
    }
}

/* A full block of 8 columns for two or three rows (a missing third row repeats the
 * second; its sums are dropped): two float vectors of accumulators per row, started from
 * the bias, one vector-by-scalar FMA per row, vector and weight row. */
static TSR_ALWAYS_INLINE void block_full(const tsr_mm_rows *m, const float *const a[], const float *w,
                       const float *bias, const tsr_act *act, const float *const res[],
                       float *const y[])
{
    const float32x4_t b0 = bias != NULL ? vld1q_f32(bias) : vdupq_n_f32(0.0f);
    const float32x4_t b1 = bias != NULL ? vld1q_f32(bias + 4) : vdupq_n_f32(0.0f);
    const int32_t seg = m->seg, r2 = m->rows > 2 ? 2 : 1;
    const float *q0 = a[0], *q1 = a[1], *q2 = a[r2];
    const int32_t j0 = m->stride[0] - seg, j1 = m->stride[1] - seg, j2 = m->stride[r2] - seg;
    float32x4_t x00 = b0, x01 = b1, x10 = b0, x11 = b1, x20 = b0, x21 = b1;
    int32_t s = m->nseg, i;
    do { /* nseg, seg >= 1 (k > 0) */
        i = seg;
        do {
            const float32x4_t w0 = vld1q_f32(w);
            const float32x4_t w1 = vld1q_f32(w + 4);
            const float s0 = *q0++, s1 = *q1++, s2 = *q2++;
            x00 = vfmaq_n_f32(x00, w0, s0);
            x01 = vfmaq_n_f32(x01, w1, s0);
            x10 = vfmaq_n_f32(x10, w0, s1);
            x11 = vfmaq_n_f32(x11, w1, s1);
            x20 = vfmaq_n_f32(x20, w0, s2);
            x21 = vfmaq_n_f32(x21, w1, s2);
            w += TSR_PACK_COLS_F32;
        } while (--i > 0);
        q0 += j0, q1 += j1, q2 += j2;
    } while (--s > 0);
    store_row(act, x00, x01, res != NULL ? res[0] : NULL, y[0], TSR_PACK_COLS_F32);
    store_row(act, x10, x11, res != NULL ? res[1] : NULL, y[1], TSR_PACK_COLS_F32);
    if (m->rows > 2) {
        store_row(act, x20, x21, res != NULL ? res[2] : NULL, y[2], TSR_PACK_COLS_F32);
    }
}

/* A narrow block (nb < 8) or a single row: predicated weight loads, one row at a time. */
#if defined(__GNUC__)
__attribute__((noinline)) /* keeps its set-up out of the common path's frame */
#endif
static void block_rows(const tsr_mm_rows *m, const float *const a[], const float *w,
                       int32_t nb, const float *bias, const tsr_act *act,
                       const float *const res[], float *const y[])
{
    const mve_pred16_t p0 = vctp32q((uint32_t)nb);
    const mve_pred16_t p1 = vctp32q((uint32_t)(nb > 4 ? nb - 4 : 0));
    const float32x4_t b0 = bias != NULL ? vldrwq_z_f32(bias, p0) : vdupq_n_f32(0.0f);
    const float32x4_t b1 = bias != NULL ? vldrwq_z_f32(bias + 4, p1) : vdupq_n_f32(0.0f);
    int32_t r, s, i;
    for (r = 0; r < m->rows; ++r) {
        const float *q = a[r];
        const float *wr = w;
        float32x4_t s0 = b0, s1 = b1;
        for (s = 0; s < m->nseg; ++s, q += m->stride[r] - m->seg) {
            for (i = 0; i < m->seg; ++i, wr += nb) {
                const float x = *q++;
                s0 = vfmaq_n_f32(s0, vldrwq_z_f32(wr, p0), x);
                s1 = vfmaq_n_f32(s1, vldrwq_z_f32(wr + 4, p1), x);
            }
        }
        store_row(act, s0, s1, res != NULL ? res[r] : NULL, y[r], nb);
    }
}

static TSR_ALWAYS_INLINE void block(const tsr_mm_rows *m, const float *const a[],
                                    const float *w, int32_t nb, const float *bias,
                                    const tsr_act *act, const float *const res[],
                                    float *const y[])
{
    if (nb == TSR_PACK_COLS_F32 && m->rows > 1) {
        block_full(m, a, w, bias, act, res, y);
    } else {
        block_rows(m, a, w, nb, bias, act, res, y);
    }
}

#else /* portable */

/* Stores four sums s plus their bias, then plus the residual (either NULL: none), at y.
 * The residual is read before the store: it may be y itself. */
static void put4(float *y, const float *bias, const float *res, const float s[4])
{
    float v0 = s[0], v1 = s[1], v2 = s[2], v3 = s[3];
    if (bias != NULL) {
        v0 += bias[0], v1 += bias[1], v2 += bias[2], v3 += bias[3];
    }
    if (res != NULL) {
        v0 += res[0], v1 += res[1], v2 += res[2], v3 += res[3];
    }
    y[0] = v0, y[1] = v1, y[2] = v2, y[3] = v3;
}

/* Columns [j, j + 4) of every row (rows past m->rows repeat the last one): the twelve dot
 * products in registers, each summed term by term in the order of column(). Out of line,
 * so that the caller's pointers do not take the registers of its loop. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void quad(const tsr_mm_rows *m, const float *const a[], const float *w, int32_t nb,
                 float t[TSR_MM_ROWS][4])
{
    const int32_t r1 = m->rows > 1 ? 1 : 0, r2 = m->rows > 2 ? 2 : r1;
    float s00 = 0.0f, s01 = 0.0f, s02 = 0.0f, s03 = 0.0f;
    float s10 = 0.0f, s11 = 0.0f, s12 = 0.0f, s13 = 0.0f;
    float s20 = 0.0f, s21 = 0.0f, s22 = 0.0f, s23 = 0.0f;
    int32_t s, i;
    for (s = 0; s < m->nseg; ++s) {
        const float *x0 = a[0] + s * m->stride[0], *x1 = a[r1] + s * m->stride[r1];
        const float *x2 = a[r2] + s * m->stride[r2];
        for (i = 0; i < m->seg; ++i, w += nb) {
            const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
            const float v0 = x0[i], v1 = x1[i], v2 = x2[i];
            s00 += v0 * w0, s01 += v0 * w1, s02 += v0 * w2, s03 += v0 * w3;
            s10 += v1 * w0, s11 += v1 * w1, s12 += v1 * w2, s13 += v1 * w3;
            s20 += v2 * w0, s21 += v2 * w1, s22 += v2 * w2, s23 += v2 * w3;
        }
    }
    t[0][0] = s00, t[0][1] = s01, t[0][2] = s02, t[0][3] = s03;
    t[1][0] = s10, t[1][1] = s11, t[1][2] = s12, t[1][3] = s13;
    t[2][0] = s20, t[2][1] = s21, t[2][2] = s22, t[2][3] = s23;
}

/* Column j of row r: the dot product term by term. */
static float column(const tsr_mm_rows *m, const float *x, int32_t stride, const float *wj,
                    int32_t nb)
{
    float sum = 0.0f;
    int32_t s, i;
    for (s = 0; s < m->nseg; ++s, x += stride) {
        for (i = 0; i < m->seg; ++i, wj += nb) {
            sum += x[i] * *wj;
        }
    }
    return sum;
}

/* Scalar FPU cores (Cortex-M4/M7/M33, RV32F): four columns at a time for all rows, twelve
 * sums in registers (7 loads per 12 multiply-adds, where one column at a time loads two
 * per multiply-add); the last nb % 4 columns one by one. The sums go straight to y, where
 * the activation is applied (through a buffer, the copy to y became a memcpy call). */
static TSR_ALWAYS_INLINE void block(const tsr_mm_rows *m, const float *const a[],
                                    const float *w, int32_t nb, const float *bias,
                                    const tsr_act *act, const float *const res[],
                                    float *const y[])
{
    int32_t r, j;
    for (j = 0; j + 4 <= nb; j += 4) {
        float t[TSR_MM_ROWS][4];
        const float *bj = bias != NULL ? bias + j : NULL;
        quad(m, a, w + j, nb, t);
        for (r = 0; r < m->rows; ++r) {
            put4(y[r] + j, bj, res != NULL ? res[r] + j : NULL, t[r]);
        }
    }
    for (; j < nb; ++j) {
        for (r = 0; r < m->rows; ++r) {
            const float sum = column(m, a[r], m->stride[r], w + j, nb);
            float v = bias != NULL ? sum + bias[j] : sum;
            if (res != NULL) {
                v += res[r][j];
            }
            y[r][j] = v;
        }
    }
    for (r = 0; r < m->rows; ++r) {
        tsr_act_apply_n(act, y[r], nb);
    }
}

#endif

/* Both entry points: block by block of TSR_PACK_COLS_F32 columns (res NULL: none),
 * inlined into each, so that tsr_mm_f32 has no residual code at all. */
static TSR_ALWAYS_INLINE void mm(const tsr_mm_rows *m, const float *const a[], const float *w, int32_t n,
               const float *bias, const tsr_act *act, const float *const res[],
               float *const y[])
{
    const int32_t k = m->nseg * m->seg;
    int32_t j0, r;
    for (j0 = 0; j0 < n; j0 += TSR_PACK_COLS_F32) {
        const int32_t nb = n - j0 < TSR_PACK_COLS_F32 ? n - j0 : TSR_PACK_COLS_F32;
        const float *rb[TSR_MM_ROWS];
        float *yb[TSR_MM_ROWS];
        for (r = 0; r < m->rows; ++r) {
            yb[r] = y[r] + j0;
            rb[r] = res != NULL ? res[r] + j0 : NULL;
        }
        block(m, a, w + j0 * k, nb, bias != NULL ? bias + j0 : NULL, act,
              res != NULL ? rb : NULL, yb);
    }
}

void tsr_mm_f32(const tsr_mm_rows *m, const float *const a[], const float *w, int32_t n,
                const float *bias, const tsr_act *act, float *const y[])
{
    mm(m, a, w, n, bias, act, NULL, y);
}

void tsr_mm_f32_residual(const tsr_mm_rows *m, const float *const a[], const float *w,
                         int32_t n, const float *bias, const tsr_act *act,
                         const float *const res[], float *const y[])
{
    mm(m, a, w, n, bias, act, res, y);
}
