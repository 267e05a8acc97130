/*
 * Tessera runtime: concatenation (ONNX Concat along any axis), generic in the element size.
 * Input i is viewed as [outer][chunk[i]] and y as [outer][sum(chunk)]: each output row is
 * the inputs' rows o one after the other, each moved as one run. y must not alias an input.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_move.h"

/* The rows, for elements of elem_bytes bytes (inlined: a constant elem_bytes keeps only its
 * loops). The parameters are read into locals first: the stores, words or half words, could
 * alias the struct's int32_t fields as far as the compiler knows. */
static TSR_ALWAYS_INLINE void concat_rows(const tsr_concat_params *p, const void *const *inputs,
                                          void *y, int32_t elem_bytes)
{
    const int32_t outer = p->outer, count = p->count;
    const int32_t *const chunk = p->chunk;
    uint8_t *dst = (uint8_t *)y;
    int32_t o, k;
    for (o = 0; o < outer; ++o) {
        for (k = 0; k < count; ++k) {
            const int32_t n = chunk[k];
            const size_t run = tsr_elem_span(n, elem_bytes);
            tsr_move(dst, (const uint8_t *)inputs[k] + (size_t)o * run, n, elem_bytes);
            dst += run;
        }
    }
}

int tsr_concat(const tsr_concat_params *p, const void *const *inputs, void *y)
{
    int32_t k, row = 0, total;

    if (p == NULL || inputs == NULL || y == NULL || p->chunk == NULL) {
        return TSR_ERR_NULL;
    }
    if (p->outer <= 0 || p->count <= 0 || !tsr_elem_bytes_ok(p->elem_bytes)) {
        return TSR_ERR_PARAM;
    }
    for (k = 0; k < p->count; ++k) {
        if (inputs[k] == NULL) {
            return TSR_ERR_NULL;
        }
    }
    for (k = 0; k < p->count; ++k) {
        if (p->chunk[k] <= 0 || p->chunk[k] > INT32_MAX - row) {
            return TSR_ERR_PARAM;
        }
        row += p->chunk[k];
    }
    total = tsr_mul(p->outer, row);
    if (total <= 0 || total > INT32_MAX / p->elem_bytes) {
        return TSR_ERR_PARAM;
    }
    switch (p->elem_bytes) { /* the float and half sizes with their own loops */
    case 4:
        concat_rows(p, inputs, y, 4);
        break;
    case 2:
        concat_rows(p, inputs, y, 2);
        break;
    default:
        concat_rows(p, inputs, y, p->elem_bytes);
        break;
    }
    return TSR_OK;
}
