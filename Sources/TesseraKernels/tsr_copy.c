/*
 * Tessera runtime: y = x for `size` elements of `elem_bytes` bytes (Reshape, Flatten,
 * Identity when a copy is needed; the model's inputs and outputs copied into and out of the
 * arena), generic in the element size. x and y must not partially overlap; x == y is
 * allowed and is a no-op.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_move.h"

int tsr_copy(int32_t size, int32_t elem_bytes, const void *x, void *y)
{
    if (x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (size <= 0 || !tsr_elem_bytes_ok(elem_bytes) || size > INT32_MAX / elem_bytes) {
        return TSR_ERR_PARAM;
    }
    if (x != y) {
        tsr_move(y, x, size, elem_bytes);
    }
    return TSR_OK;
}
