/*
 * Tessera runtime: y = min(max(x, min), max), FP32 (ONNX Clip). y may alias x.
 * NaN passes through; when min > max every (non-NaN) element becomes max, as in ONNX.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

int tsr_clip_f32(const tsr_unary_params *p, const float *x, float *y)
{
    int32_t i;
    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (p->size <= 0) {
        return TSR_ERR_PARAM;
    }
    for (i = 0; i < p->size; ++i) {
        y[i] = tsr_clip(x[i], p->min, p->max);
    }
    return TSR_OK;
}
