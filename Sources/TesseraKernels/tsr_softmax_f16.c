/*
 * Tessera runtime: softmax or log-softmax along one axis, FP16 (ONNX Softmax and
 * LogSoftmax, opset 13 semantics once the caller has folded the tensor to
 * [outer][axis][inner]). Entirely in float: the halves are widened as they are read, and
 * each result is rounded to half once when it is stored. Numerically stable: the maximum
 * is subtracted before expf and the sum is accumulated in float. The exponentials are
 * computed twice (once for the sum, once for the result) rather than staged in the half
 * output, which would round them twice. y may alias x (every x element is read for the
 * last time just before its y element is written).
 */
#include <math.h>
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_simd.h"

int tsr_softmax_f16(const tsr_softmax_params *p, const tsr_f16 *x, tsr_f16 *y)
{
    int32_t o, j, a, block;

    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (tsr_mul(tsr_mul(p->outer, p->axis), p->inner) <= 0) {
        return TSR_ERR_PARAM;
    }
    block = p->axis * p->inner;
    for (o = 0; o < p->outer; ++o) {
        for (j = 0; j < p->inner; ++j) {
            /* One softmax over x[base + a * inner], a < axis. */
            const int32_t base = o * block + j;
            const int32_t last = base + (p->axis - 1) * p->inner;
            int32_t k;
            float m = tsr_h2f(x[base]), sum = 0.0f;
            for (k = base + p->inner; k <= last; k += p->inner) {
                const float v = tsr_h2f(x[k]);
                if (v > m) {
                    m = v;
                }
            }
            for (a = 0, k = base; a < p->axis; ++a, k += p->inner) {
                sum += expf(tsr_h2f(x[k]) - m);
            }
            if (p->log) {
                /* LogSoftmax: x - m - log(sum). */
                const float shift = m + logf(sum);
                for (a = 0, k = base; a < p->axis; ++a, k += p->inner) {
                    y[k] = tsr_f2h(tsr_h2f(x[k]) - shift);
                }
                continue;
            }
            for (a = 0, k = base; a < p->axis; ++a, k += p->inner) {
                y[k] = tsr_f2h(expf(tsr_h2f(x[k]) - m) / sum);
            }
        }
    }
    return TSR_OK;
}
