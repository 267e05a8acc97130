/*
 * Tessera runtime: blocked matrix micro-kernel, FP32 (see tsr_mm.h). Block b of the packed
 * weights holds columns [b * C, b * C + nb), C = TSR_PACK_COLS_F32, row by row.
 */
#include <stddef.h>

#include "tsr_internal.h"
#include "tsr_mm.h"
#include "tsr_simd.h"

#if TSR_SIMD == TSR_SIMD_HELIUM

/* One block of nb <= 8 columns for `rows` rows: two float vectors of accumulators per row,
 * started from the bias, one vector-by-scalar FMA per row, vector and weight row. */
static void block(int32_t rows, const float *const a[], int32_t k, const float *w,
                  int32_t nb, const float *bias, const tsr_act *act, float *const y[])
{
    const mve_pred16_t p0 = vctp32q((uint32_t)nb);
    const mve_pred16_t p1 = vctp32q((uint32_t)(nb > 4 ? nb - 4 : 0));
    const float32x4_t b0 = bias != NULL ? vldrwq_z_f32(bias, p0) : vdupq_n_f32(0.0f);
    const float32x4_t b1 = bias != NULL ? vldrwq_z_f32(bias + 4, p1) : vdupq_n_f32(0.0f);
    float32x4_t x[TSR_MM_ROWS][2];
    int32_t r, i;
    const float *a0 = a[0];
    const float *a1 = rows > 1 ? a[1] : a[0];
    const float *a2 = rows > 2 ? a[2] : a[0];
    if (nb == TSR_PACK_COLS_F32 && rows > 1) {
        float32x4_t x00 = b0, x01 = b1, x10 = b0, x11 = b1, x20 = b0, x21 = b1;
        for (i = 0; i < k; ++i, w += TSR_PACK_COLS_F32) {
            const float32x4_t w0 = vld1q_f32(w);
            const float32x4_t w1 = vld1q_f32(w + 4);
            const float s0 = a0[i], s1 = a1[i], s2 = a2[i];
            x00 = vfmaq_n_f32(x00, w0, s0);
            x01 = vfmaq_n_f32(x01, w1, s0);
            x10 = vfmaq_n_f32(x10, w0, s1);
            x11 = vfmaq_n_f32(x11, w1, s1);
            x20 = vfmaq_n_f32(x20, w0, s2);
            x21 = vfmaq_n_f32(x21, w1, s2);
        }
        x[0][0] = x00, x[0][1] = x01, x[1][0] = x10, x[1][1] = x11, x[2][0] = x20, x[2][1] = x21;
    } else {
        /* A narrow block or one row: predicated weight loads, one row at a time. */
        for (r = 0; r < rows; ++r) {
            const float *ar = a[r];
            const float *wr = w;
            float32x4_t s0 = b0, s1 = b1;
            for (i = 0; i < k; ++i, wr += nb) {
                s0 = vfmaq_n_f32(s0, vldrwq_z_f32(wr, p0), ar[i]);
                s1 = vfmaq_n_f32(s1, vldrwq_z_f32(wr + 4, p1), ar[i]);
            }
            x[r][0] = s0, x[r][1] = s1;
        }
    }
    for (r = 0; r < rows; ++r) {
        if (tsr_mve_act_inline(act)) {
            vstrwq_p_f32(y[r], tsr_mve_act_f32(act, x[r][0]), p0);
            vstrwq_p_f32(y[r] + 4, tsr_mve_act_f32(act, x[r][1]), p1);
        } else {
            float buf[8];
            vst1q_f32(buf, x[r][0]);
            vst1q_f32(buf + 4, x[r][1]);
            tsr_act_apply_n(act, buf, nb);
            tsr_mve_copy_f(y[r], buf, nb);
        }
    }
}

#else /* portable */

static void block(int32_t rows, const float *const a[], int32_t k, const float *w,
                  int32_t nb, const float *bias, const tsr_act *act, float *const y[])
{
    int32_t r, j, i;
    for (r = 0; r < rows; ++r) {
        float buf[TSR_PACK_COLS_F32];
        for (j = 0; j < nb; ++j) {
            float s = 0.0f;
            for (i = 0; i < k; ++i) {
                s += a[r][i] * w[i * nb + j];
            }
            buf[j] = bias != NULL ? s + bias[j] : s;
        }
        tsr_act_apply_n(act, buf, nb);
        for (j = 0; j < nb; ++j) {
            y[r][j] = buf[j];
        }
    }
}

#endif

void tsr_mm_f32(int32_t rows, const float *const a[], int32_t k, const float *w, int32_t n,
                const float *bias, const tsr_act *act, float *const y[])
{
    int32_t j0, r;
    for (j0 = 0; j0 < n; j0 += TSR_PACK_COLS_F32) {
        const int32_t nb = n - j0 < TSR_PACK_COLS_F32 ? n - j0 : TSR_PACK_COLS_F32;
        float *yb[TSR_MM_ROWS];
        for (r = 0; r < rows; ++r) {
            yb[r] = y[r] + j0;
        }
        block(rows, a, k, w + j0 * k, nb, bias != NULL ? bias + j0 : NULL, act, yb);
    }
}
