/*
 * Tessera runtime: half to float conversion at a model's boundary (FP16 inside, float
 * outputs): y[i] = x[i], exactly, subnormals, signed zeros, infinities and NaN (kept
 * quiet) included. y may overlap x when it starts at or above x (walked backwards), or
 * lies wholly below it.
 */
#include <stddef.h>
#include <stdint.h>

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
    if ((uintptr_t)(void *)y >= (uintptr_t)(const void *)x) {
        /* The output may start above the input and overlap it (the memory planner's
         * overlapped placement): from the last element to the first, a block at a time,
         * each block read before it is written. */
        int32_t end = size;
        while (end > 0) {
            const int32_t start = end > 8 ? end - 8 : 0;
            float block[8];
            int32_t i;
            tsr_h2f_n(x + start, block, end - start);
            for (i = 0; i < end - start; ++i) {
                y[start + i] = block[i];
            }
            end = start;
        }
        return TSR_OK;
    }
    tsr_h2f_n(x, y, size);
    return TSR_OK;
}
