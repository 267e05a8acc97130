/*
 * Tessera runtime: blocked matrix micro-kernel, FP32 (see tsr_mm.h). Block b of the packed
 * weights holds columns [b * C, b * C + nb), C = TSR_PACK_COLS_F32, row by row.
 */
#include <stddef.h>

#include "tsr_internal.h"
#include "tsr_mm.h"
#include "tsr_simd.h"

#if TSR_SIMD == TSR_SIMD_HELIUM

/* Activation and store of one row's two vectors (nb <= 8 values) through a float buffer,
 * for the activations tsr_mve_act_f32 does not apply in registers. */
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

/* Activation and store of one row's two vectors (nb <= 8 values). */
static inline void store_row(const tsr_act *act, float32x4_t v0, float32x4_t v1, float *y,
                             int32_t nb)
{
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
static void block_full(const tsr_mm_rows *m, const float *const a[], const float *w,
                       const float *bias, const tsr_act *act, float *const y[])
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
    store_row(act, x00, x01, y[0], TSR_PACK_COLS_F32);
    store_row(act, x10, x11, y[1], TSR_PACK_COLS_F32);
    if (m->rows > 2) {
        store_row(act, x20, x21, y[2], TSR_PACK_COLS_F32);
    }
}

/* A narrow block (nb < 8) or a single row: predicated weight loads, one row at a time. */
#if defined(__GNUC__)
__attribute__((noinline)) /* keeps its set-up out of the common path's frame */
#endif
static void block_rows(const tsr_mm_rows *m, const float *const a[], const float *w,
                       int32_t nb, const float *bias, const tsr_act *act, float *const y[])
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
        store_row(act, s0, s1, y[r], nb);
    }
}

static void block(const tsr_mm_rows *m, const float *const a[], const float *w, int32_t nb,
                  const float *bias, const tsr_act *act, float *const y[])
{
    if (nb == TSR_PACK_COLS_F32 && m->rows > 1) {
        block_full(m, a, w, bias, act, y);
    } else {
        block_rows(m, a, w, nb, bias, act, y);
    }
}

#else /* portable */

static void block(const tsr_mm_rows *m, const float *const a[], const float *w, int32_t nb,
                  const float *bias, const tsr_act *act, float *const y[])
{
    int32_t r, j, s, i;
    for (r = 0; r < m->rows; ++r) {
        float buf[TSR_PACK_COLS_F32];
        for (j = 0; j < nb; ++j) {
            const float *wj = w + j;
            float sum = 0.0f;
            for (s = 0; s < m->nseg; ++s) {
                const float *x = a[r] + s * m->stride[r];
                for (i = 0; i < m->seg; ++i, wj += nb) {
                    sum += x[i] * *wj;
                }
            }
            buf[j] = bias != NULL ? sum + bias[j] : sum;
        }
        tsr_act_apply_n(act, buf, nb);
        for (j = 0; j < nb; ++j) {
            y[r][j] = buf[j];
        }
    }
}

#endif

void tsr_mm_f32(const tsr_mm_rows *m, const float *const a[], const float *w, int32_t n,
                const float *bias, const tsr_act *act, float *const y[])
{
    const int32_t k = m->nseg * m->seg;
    int32_t j0, r;
    for (j0 = 0; j0 < n; j0 += TSR_PACK_COLS_F32) {
        const int32_t nb = n - j0 < TSR_PACK_COLS_F32 ? n - j0 : TSR_PACK_COLS_F32;
        float *yb[TSR_MM_ROWS];
        for (r = 0; r < m->rows; ++r) {
            yb[r] = y[r] + j0;
        }
        block(m, a, w + j0 * k, nb, bias != NULL ? bias + j0 : NULL, act, yb);
    }
}
