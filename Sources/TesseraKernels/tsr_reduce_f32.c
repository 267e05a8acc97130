/*
 * Tessera runtime: reduction over the middle axis of [outer][reduce][inner], FP32 (ONNX
 * ReduceMean, ReduceSum, ReduceMax, ReduceMin over contiguous axes; GlobalAveragePool: on
 * NHWC outer = N, reduce = H * W, inner = C). The innermost loop runs over the contiguous
 * inner axis: each output row starts as the first reduced row and the others are combined
 * in order (float); the mean divides by `reduce` at the end. Max and min propagate NaN.
 * y must not overlap x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

int tsr_reduce_f32(const tsr_reduce_params *p, const float *x, float *y)
{
    int32_t o, r, i, inner;

    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if ((p->op != TSR_REDUCE_MEAN && p->op != TSR_REDUCE_SUM && p->op != TSR_REDUCE_MAX &&
         p->op != TSR_REDUCE_MIN) ||
        tsr_mul(tsr_mul(p->outer, p->reduce), p->inner) <= 0) {
        return TSR_ERR_PARAM;
    }
    inner = p->inner;
    for (o = 0; o < p->outer; ++o) {
        for (i = 0; i < inner; ++i) {
            y[i] = x[i];
        }
        x += inner;
        for (r = 1; r < p->reduce; ++r) {
            switch (p->op) {
            case TSR_REDUCE_MAX:
                for (i = 0; i < inner; ++i) {
                    y[i] = (y[i] >= x[i] || y[i] != y[i]) ? y[i] : x[i];
                }
                break;
            case TSR_REDUCE_MIN:
                for (i = 0; i < inner; ++i) {
                    y[i] = (y[i] <= x[i] || y[i] != y[i]) ? y[i] : x[i];
                }
                break;
            case TSR_REDUCE_MEAN:
            case TSR_REDUCE_SUM:
            default:
                for (i = 0; i < inner; ++i) {
                    y[i] += x[i];
                }
                break;
            }
            x += inner;
        }
        if (p->op == TSR_REDUCE_MEAN) {
            const float count = (float)p->reduce;
            for (i = 0; i < inner; ++i) {
                y[i] /= count;
            }
        }
        y += inner;
    }
    return TSR_OK;
}
