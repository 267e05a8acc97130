/*
 * Tessera runtime: y = max(x, 0), FP32 (ONNX Relu). y may alias x. NaN passes through.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

int tsr_relu_f32(const tsr_unary_params *p, const float *x, float *y)
{
    int32_t i;
    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (p->size <= 0) {
        return TSR_ERR_PARAM;
    }
    for (i = 0; i < p->size; ++i) {
        y[i] = tsr_relu(x[i]);
    }
    return TSR_OK;
}
