/*
 * Tessera runtime: batched matrix product with broadcast batch axes, FP16 (ONNX MatMul).
 * Each dot product accumulates in p->acc (tsr_simd.h) and is rounded to half once. With
 * TSR_ACC_F32 the result is the FP32 kernel's on the same values, rounded. y must not
 * overlap a or b.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_simd.h"

static int matmul_params_ok(const tsr_matmul_params *p)
{
    int32_t d;
    int32_t y_elems = tsr_mul(p->m, p->n);
    if (p->batch_rank < 0 || p->batch_rank > 4 || !tsr_acc_valid(p->acc) ||
        tsr_mul(p->m, p->k) <= 0 || tsr_mul(p->k, p->n) <= 0) {
        return 0;
    }
    for (d = 0; d < p->batch_rank; ++d) {
        if (p->a_batch_stride[d] < 0 || p->b_batch_stride[d] < 0) {
            return 0;
        }
        y_elems = tsr_mul(y_elems, p->batch_shape[d]);
    }
    return y_elems > 0;
}

/* y[m, n] = a[m, k] * b[k, n], all dense. */
static void matmul_one(int32_t m, int32_t n, int32_t k, const tsr_f16 *a, const tsr_f16 *b,
                       tsr_f16 *y, tsr_acc_mode acc)
{
    int32_t i, j;
    for (i = 0; i < m; ++i) {
        const tsr_f16 *a_i = a + i * k;
        for (j = 0; j < n; ++j) {
            *y++ = tsr_f2h(tsr_dot_f16(a_i, 1, b + j, n, k, acc));
        }
    }
}

int tsr_matmul_f16(const tsr_matmul_params *p, const tsr_f16 *a, const tsr_f16 *b, tsr_f16 *y)
{
    int32_t idx[4] = {0, 0, 0, 0};
    int32_t a_off = 0, b_off = 0, d;
    int32_t y_step;

    if (p == NULL || a == NULL || b == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (!matmul_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    y_step = p->m * p->n;
    for (;;) {
        matmul_one(p->m, p->n, p->k, a + a_off, b + b_off, y, p->acc);
        y += y_step;
        /* Advance the batch index (row-major odometer) and the operand offsets with it. */
        for (d = p->batch_rank - 1; d >= 0; --d) {
            if (++idx[d] < p->batch_shape[d]) {
                a_off += p->a_batch_stride[d];
                b_off += p->b_batch_stride[d];
                break;
            }
            a_off -= (idx[d] - 1) * p->a_batch_stride[d];
            b_off -= (idx[d] - 1) * p->b_batch_stride[d];
            idx[d] = 0;
        }
        if (d < 0) {
            return TSR_OK;
        }
    }
}
