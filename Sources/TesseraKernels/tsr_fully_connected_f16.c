/*
 * Tessera runtime: fully connected layer, FP16: y[m][n] = act(sum_k x[m][k] * w[k][n]
 * + bias[n]), with w packed in column blocks of TSR_PACK_COLS_F16 (tsr_mm.h) and a half
 * bias (or NULL). Rows go through the blocked micro-kernel TSR_MM_ROWS at a time;
 * accumulation follows p->acc. y must not overlap x.
 *
 * Calls: tsr_mm_f16.c
 */
#include <stddef.h>

#include "tsr_internal.h"
#include "tsr_mm.h"
#include "tsr_simd.h"

int tsr_fully_connected_f16(const tsr_fully_connected_params *p, const tsr_f16 *x,
                            const tsr_f16 *weights, const tsr_f16 *bias, tsr_f16 *y)
{
    int32_t m, r, rows;
    tsr_mm_rows mr;
    const tsr_f16 *a[TSR_MM_ROWS];
    tsr_f16 *out[TSR_MM_ROWS];

    if (p == NULL || x == NULL || weights == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (p->m <= 0 || tsr_mul(p->m, p->k) <= 0 || tsr_mul(p->m, p->n) <= 0 ||
        tsr_mul(p->k, p->n) <= 0 || !tsr_act_valid(&p->act) || !tsr_acc_valid(p->acc)) {
        return TSR_ERR_PARAM;
    }
    for (m = 0; m < p->m; m += rows) {
        rows = p->m - m < TSR_MM_ROWS ? p->m - m : TSR_MM_ROWS;
        for (r = 0; r < rows; ++r) {
            a[r] = x + (m + r) * p->k;
            out[r] = y + (m + r) * p->n;
        }
        tsr_mm_plain(&mr, rows, p->k);
        tsr_mm_f16(&mr, a, weights, p->n, bias, &p->act, p->acc, out);
    }
    return TSR_OK;
}
