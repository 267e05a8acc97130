/*
 * Tessera runtime: half to float conversion at a model's boundary (FP16 inside, float
 * outputs): y[i] = x[i], exactly, subnormals, signed zeros, infinities and NaN (kept
 * quiet) included. y must not overlap x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_simd.h"

int tsr_convert_f16_to_f32(int32_t size, const tsr_f16 *x, float *y)
{
    if (x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (size <= 0) {
        return TSR_ERR_PARAM;
    }
    tsr_h2f_n(x, y, size);
    return TSR_OK;
}
