/*
 * Tessera runtime: global average pooling, FP32 (ONNX GlobalAveragePool):
 * y[i] = mean of the `size` contiguous elements of plane i.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

int tsr_global_avgpool_f32(const tsr_global_pool_params *p, const float *x, float *y)
{
    int32_t plane, i;
    float count;

    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (tsr_mul(p->planes, p->size) <= 0) {
        return TSR_ERR_PARAM;
    }
    count = (float)p->size;
    for (plane = 0; plane < p->planes; ++plane) {
        float sum = 0.0f;
        for (i = 0; i < p->size; ++i) {
            sum += x[i];
        }
        y[plane] = sum / count;
        x += p->size;
    }
    return TSR_OK;
}
