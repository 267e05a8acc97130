/*
 * Tessera runtime: general matrix product, FP32 (ONNX Gemm).
 * y[m, n] = act(alpha * op(a) * op(b) + beta * c), c broadcast according to c_kind.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

static int gemm_params_ok(const tsr_gemm_params *p)
{
    if (p->c_kind != TSR_BIAS_NONE && p->c_kind != TSR_BIAS_SCALAR &&
        p->c_kind != TSR_BIAS_ROW && p->c_kind != TSR_BIAS_COLUMN && p->c_kind != TSR_BIAS_FULL) {
        return 0;
    }
    return tsr_act_valid(&p->act) && tsr_mul(p->m, p->k) > 0 && tsr_mul(p->k, p->n) > 0 &&
           tsr_mul(p->m, p->n) > 0;
}

/* Element (i, j) of the broadcast C operand. */
static float gemm_c_at(const tsr_gemm_params *p, const float *c, int32_t i, int32_t j)
{
    switch (p->c_kind) {
    case TSR_BIAS_SCALAR:
        return c[0];
    case TSR_BIAS_ROW:
        return c[j];
    case TSR_BIAS_COLUMN:
        return c[i];
    case TSR_BIAS_FULL:
        return c[i * p->n + j];
    case TSR_BIAS_NONE:
    default:
        return 0.0f;
    }
}

int tsr_gemm_f32(const tsr_gemm_params *p, const float *a, const float *b, const float *c,
                 float *y)
{
    int32_t i, j, t;
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
            int32_t ai = i * a_row;
            int32_t bi = j * b_col;
            float acc = 0.0f;
            float v;
            for (t = 0; t < p->k; ++t, ai += a_step, bi += b_step) {
                acc += a[ai] * b[bi];
            }
            v = p->alpha * acc;
            if (p->c_kind != TSR_BIAS_NONE) {
                v += p->beta * gemm_c_at(p, c, i, j);
            }
            y[i * p->n + j] = tsr_act_apply(&p->act, v);
        }
    }
    return TSR_OK;
}
