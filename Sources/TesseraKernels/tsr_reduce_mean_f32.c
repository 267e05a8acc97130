/*
 * Tessera runtime: mean over the middle axis of [outer][reduce][inner], FP32 (ONNX
 * ReduceMean over contiguous axes, GlobalAveragePool: on NHWC outer = N, reduce = H * W,
 * inner = C). The innermost loop runs over the contiguous inner axis: each output row is
 * initialised from the first reduced row, the others are added in order (float), and the
 * row is divided by `reduce` at the end.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

int tsr_reduce_mean_f32(const tsr_reduce_params *p, const float *x, float *y)
{
    int32_t o, r, i, inner;
    float count;

    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (tsr_mul(tsr_mul(p->outer, p->reduce), p->inner) <= 0) {
        return TSR_ERR_PARAM;
    }
    inner = p->inner;
    count = (float)p->reduce;
    for (o = 0; o < p->outer; ++o) {
        for (i = 0; i < inner; ++i) {
            y[i] = x[i];
        }
        x += inner;
        for (r = 1; r < p->reduce; ++r) {
            for (i = 0; i < inner; ++i) {
                y[i] += x[i];
            }
            x += inner;
        }
        for (i = 0; i < inner; ++i) {
            y[i] /= count;
        }
        y += inner;
    }
    return TSR_OK;
}
