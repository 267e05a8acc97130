/*
 * Tessera runtime: softmax or log-softmax along one axis, FP32 (ONNX Softmax and LogSoftmax, opset 13 semantics once the
 * caller has folded the tensor to [outer][axis][inner]). Numerically stable: the maximum
 * is subtracted before expf, the sum is accumulated in float and each exponential is
 * divided by it. y may alias x (every x element is read before its y element is written).
 */
#include <math.h>
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

int tsr_softmax_f32(const tsr_softmax_params *p, const float *x, float *y)
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
            float m = x[base], sum = 0.0f;
            for (k = base + p->inner; k <= last; k += p->inner) {
                if (x[k] > m) {
                    m = x[k];
                }
            }
            if (p->log) {
                /* LogSoftmax: x - m - log(sum), x read again after the sum (y may be x). */
                float shift;
                for (a = 0, k = base; a < p->axis; ++a, k += p->inner) {
                    sum += expf(x[k] - m);
                }
                shift = m + logf(sum);
                for (a = 0, k = base; a < p->axis; ++a, k += p->inner) {
                    y[k] = x[k] - shift;
                }
                continue;
            }
            for (a = 0, k = base; a < p->axis; ++a, k += p->inner) {
                const float e = expf(x[k] - m);
                y[k] = e;
                sum += e;
            }
            for (a = 0, k = base; a < p->axis; ++a, k += p->inner) {
                y[k] /= sum;
            }
        }
    }
    return TSR_OK;
}
