/*
 * Tessera runtime: fully connected layer with float activations and half weights and bias:
 * y[m][n] = act(sum_k x[m][k] * w[k][n] + bias[n]), with w packed in column blocks of
 * TSR_PACK_COLS_F32 (tsr_kernels.h) and the bias [n] or NULL. The classifier head of the
 * FP16 modes: its logits stay float (a probability is their exponential) while its weights
 * take half the flash. Every half value is exact in float, so this is the FP32 kernel on
 * the same values: products and sums in float, terms in k order. Plain C (the head is a
 * few hundred MACs); y must not overlap x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_simd.h"

int tsr_fully_connected_w16_f32(const tsr_fully_connected_params *p, const float *x,
                                const tsr_f16 *weights, const tsr_f16 *bias, float *y)
{
    int32_t m, j0, j, t;

    if (p == NULL || x == NULL || weights == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (p->m <= 0 || tsr_mul(p->m, p->k) <= 0 || tsr_mul(p->m, p->n) <= 0 ||
        tsr_mul(p->k, p->n) <= 0 || !tsr_act_valid(&p->act)) {
        return TSR_ERR_PARAM;
    }
    for (m = 0; m < p->m; ++m) {
        const float *xm = x + m * p->k;
        for (j0 = 0; j0 < p->n; j0 += TSR_PACK_COLS_F32) {
            const int32_t nb = p->n - j0 < TSR_PACK_COLS_F32 ? p->n - j0 : TSR_PACK_COLS_F32;
            const tsr_f16 *w = weights + j0 * p->k;
            float sum[TSR_PACK_COLS_F32];
            for (j = 0; j < nb; ++j) {
                sum[j] = 0.0f;
            }
            for (t = 0; t < p->k; ++t, w += nb) {
                const float v = xm[t];
                for (j = 0; j < nb; ++j) {
                    sum[j] += v * tsr_h2f(w[j]);
                }
            }
            for (j = 0; j < nb; ++j) {
                const float b = bias != NULL ? tsr_h2f(bias[j0 + j]) : 0.0f;
                y[m * p->n + j0 + j] = tsr_act_apply(&p->act, sum[j] + b);
            }
        }
    }
    return TSR_OK;
}
