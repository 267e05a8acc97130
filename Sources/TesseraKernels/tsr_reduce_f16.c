/*
 * Tessera runtime: reduction over the middle axis of [outer][reduce][inner], FP16 (ONNX
 * ReduceMean, ReduceSum, ReduceMax, ReduceMin over contiguous axes; GlobalAveragePool: on
 * NHWC outer = N, reduce = H * W, inner = C). Mean and sum add the reduced rows in order
 * in float (the mean divides by `reduce` at the end), then round to half once: the FP32
 * kernel's arithmetic on the same values. The inner axis is processed in blocks of
 * TSR_F16_BLOCK float sums on the stack, so the innermost loop still runs over contiguous
 * elements (the loops: tsr_reduce_f16.h). Max and min compare halves and are exact; they propagate NaN. y must not
 * overlap x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_simd.h"
#include "tsr_reduce_f16.h"

static int reduce_op_valid(tsr_reduce_op op)
{
    switch (op) {
    case TSR_REDUCE_MEAN:
    case TSR_REDUCE_SUM:
    case TSR_REDUCE_MAX:
    case TSR_REDUCE_MIN:
        return 1;
    default:
        return 0;
    }
}

int tsr_reduce_f16(const tsr_reduce_params *p, const tsr_f16 *x, tsr_f16 *y)
{
    int32_t o, r, i, inner, reduce;

    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (!reduce_op_valid(p->op) || tsr_mul(tsr_mul(p->outer, p->reduce), p->inner) <= 0) {
        return TSR_ERR_PARAM;
    }
    inner = p->inner;
    reduce = p->reduce;
    for (o = 0; o < p->outer; ++o) {
        switch (p->op) {
        case TSR_REDUCE_MAX:
        case TSR_REDUCE_MIN: {
            const int is_max = p->op == TSR_REDUCE_MAX;
            const tsr_f16 *x_r = x + inner;
            for (i = 0; i < inner; ++i) {
                y[i] = x[i];
            }
            for (r = 1; r < reduce; ++r, x_r += inner) {
                for (i = 0; i < inner; ++i) {
                    /* Keep y when it wins (or ties) or is NaN; otherwise take x. */
                    const int keep = is_max ? tsr_h_ge(y[i], x_r[i]) : tsr_h_ge(x_r[i], y[i]);
                    if (!keep && !tsr_h_isnan(y[i])) {
                        y[i] = x_r[i];
                    }
                }
            }
            break;
        }
        case TSR_REDUCE_MEAN:
        case TSR_REDUCE_SUM:
        default:
            tsr_reduce_sum_f16_run(x, reduce, inner, p->op == TSR_REDUCE_MEAN, y, NULL);
            break;
        }
        x += reduce * inner;
        y += inner;
    }
    return TSR_OK;
}
