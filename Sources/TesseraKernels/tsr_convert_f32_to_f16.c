/*
 * Tessera runtime: float to half conversion at a model's boundary (--io fp32 with FP16
 * inside): y[i] = x[i] rounded to nearest even, with subnormals, signed zeros, infinities
 * (also for overflow) and NaN (kept quiet). y may overlap x when it starts at or below
 * x (element i is read before it is written, in order).
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_simd.h"

int tsr_convert_f32_to_f16(int32_t size, const float *x, tsr_f16 *y)
{
    if (x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (size <= 0) {
        return TSR_ERR_PARAM;
    }
    tsr_f2h_n(x, y, size);
    return TSR_OK;
}
