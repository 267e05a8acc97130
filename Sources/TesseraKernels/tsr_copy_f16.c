/*
 * Tessera runtime: y = x for `size` half elements (Reshape, Flatten, Identity when a copy
 * is needed). x and y must not partially overlap; x == y is allowed and is a no-op.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_simd.h"

int tsr_copy_f16(int32_t size, const tsr_f16 *x, tsr_f16 *y)
{
    int32_t i;
    if (x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (size <= 0) {
        return TSR_ERR_PARAM;
    }
    if (x != y) {
        for (i = 0; i < size; ++i) {
            y[i] = x[i];
        }
    }
    return TSR_OK;
}
