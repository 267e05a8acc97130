/*
 * Tessera runtime: general matrix product, FP16 (ONNX Gemm).
 * y[m, n] = act(alpha * op(a) * op(b) + beta * c), c broadcast according to c_kind.
 * a, b and c are half; alpha and beta are float. Each dot product accumulates in p->acc
 * (tsr_simd.h); the scaling, the C term and the activation are float; the result is
 * rounded to half once. With TSR_ACC_F32 the result is the FP32 kernel's on the same
 * values, rounded. y must not overlap a, b or c.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_simd.h"

static int gemm_params_ok(const tsr_gemm_params *p)
{
    if (p->c_kind != TSR_BIAS_NONE && p->c_kind != TSR_BIAS_SCALAR &&
        p->c_kind != TSR_BIAS_ROW && p->c_kind != TSR_BIAS_COLUMN && p->c_kind != TSR_BIAS_FULL) {
        return 0;
    }
    return tsr_act_valid(&p->act) && tsr_acc_valid(p->acc) && tsr_mul(p->m, p->k) > 0 &&
           tsr_mul(p->k, p->n) > 0 && tsr_mul(p->m, p->n) > 0;
}

/* Element (i, j) of the broadcast C operand. */
static float gemm_c_at(const tsr_gemm_params *p, const tsr_f16 *c, int32_t i, int32_t j)
{
    switch (p->c_kind) {
    case TSR_BIAS_SCALAR:
        return tsr_h2f(c[0]);
    case TSR_BIAS_ROW:
        return tsr_h2f(c[j]);
    case TSR_BIAS_COLUMN:
        return tsr_h2f(c[i]);
    case TSR_BIAS_FULL:
        return tsr_h2f(c[i * p->n + j]);
    case TSR_BIAS_NONE:
    default:
        return 0.0f;
    }
}

int tsr_gemm_f16(const tsr_gemm_params *p, const tsr_f16 *a, const tsr_f16 *b, const tsr_f16 *c,
                 tsr_f16 *y)
{
    int32_t i, j;
    int32_t a_row, a_step, b_col, b_step;

    if (p == NULL || a == NULL || b == NULL || y == NULL ||
        (c == NULL && p->c_kind != TSR_BIAS_NONE)) {
        return TSR_ERR_NULL;
    }
    if (!gemm_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    /* op(a)[i, t] = a[i * a_row + t * a_step]; op(b)[t, j] = b[t * b_step + j * b_col]. */
    a_row = p->trans_a ? 1 : p->k;
    a_step = p->trans_a ? p->m : 1;
    b_step = p->trans_b ? 1 : p->n;
    b_col = p->trans_b ? p->k : 1;

    for (i = 0; i < p->m; ++i) {
        for (j = 0; j < p->n; ++j) {
            float v = p->alpha * tsr_dot_f16(a + i * a_row, a_step, b + j * b_col, b_step,
                                             p->k, p->acc);
            if (p->c_kind != TSR_BIAS_NONE) {
                v += p->beta * gemm_c_at(p, c, i, j);
            }
            y[i * p->n + j] = tsr_f2h(tsr_act_apply(&p->act, v));
        }
    }
    return TSR_OK;
}
