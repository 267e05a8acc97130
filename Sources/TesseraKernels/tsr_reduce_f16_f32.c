/*
 * Tessera runtime: ReduceMean / ReduceSum / GlobalAveragePool (x viewed as
 * [outer][reduce][inner]) of a half x written in float: the FP16 float head, where the
 * feature map stays half and only the reduced values are float. The arithmetic of
 * tsr_reduce_f16 (rows added in order in float, the mean divided at the end; the loops of
 * tsr_reduce_f16.h) without its final rounding to half. Only MEAN and SUM: max and min of
 * halves are exact in half. y must not overlap x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_simd.h"
#include "tsr_reduce_f16.h"

int tsr_reduce_f16_f32(const tsr_reduce_params *p, const tsr_f16 *x, float *y)
{
    int32_t o;

    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if ((p->op != TSR_REDUCE_MEAN && p->op != TSR_REDUCE_SUM) ||
        tsr_mul(tsr_mul(p->outer, p->reduce), p->inner) <= 0) {
        return TSR_ERR_PARAM;
    }
    for (o = 0; o < p->outer; ++o) {
        tsr_reduce_sum_f16_run(x, p->reduce, p->inner, p->op == TSR_REDUCE_MEAN, NULL, y);
        x += p->reduce * p->inner;
        y += p->inner;
    }
    return TSR_OK;
}
