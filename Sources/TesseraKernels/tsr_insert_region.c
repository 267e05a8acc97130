/*
 * Tessera runtime: a dense patch written into its place in a larger dense tensor
 * (InsertRegion, see tsr_kernels.h), generic in the element size. The trailing axes the
 * patch spans whole are one run (tsr_move); the axes before them advance
 * like an odometer.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_move.h"

int tsr_insert_region(const tsr_insert_region_params *p, const void *x, void *y)
{
    int32_t y_stride[TSR_MAX_RANK], idx[TSR_MAX_RANK];
    int32_t d, inner, run, run_n, count = 1, total = 1, start = 0;
    const uint8_t *src = (const uint8_t *)x;
    uint8_t *dst = (uint8_t *)y;

    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (p->rank < 1 || p->rank > TSR_MAX_RANK || !tsr_elem_bytes_ok(p->elem_bytes)) {
        return TSR_ERR_PARAM;
    }
    for (d = 0; d < p->rank; ++d) {
        if (p->shape[d] < 0 || p->offsets[d] < 0 || p->y_shape[d] < 1 ||
            p->offsets[d] > p->y_shape[d] - p->shape[d]) {
            return TSR_ERR_PARAM;
        }
        total = tsr_mul(total, p->y_shape[d]);
        if (total < 0 || total > INT32_MAX / p->elem_bytes) {
            return TSR_ERR_PARAM;
        }
        if (p->shape[d] == 0) {
            return TSR_OK; /* an empty patch */
        }
    }
    y_stride[p->rank - 1] = p->elem_bytes;
    for (d = p->rank - 2; d >= 0; --d) {
        y_stride[d] = y_stride[d + 1] * p->y_shape[d + 1];
    }
    for (d = 0; d < p->rank; ++d) {
        start += p->offsets[d] * y_stride[d];
    }
    /* The run: the last axis, and every axis before it while the ones after are whole. */
    inner = p->rank - 1;
    run = p->shape[inner] * p->elem_bytes;
    while (inner > 0 && p->shape[inner] == p->y_shape[inner]) {
        --inner;
        run *= p->shape[inner];
    }
    run_n = run / p->elem_bytes; /* in elements */
    for (d = 0; d < inner; ++d) {
        count *= p->shape[d];
        idx[d] = 0;
    }
    dst += start;
    while (count-- > 0) {
        int32_t off = 0;
        for (d = 0; d < inner; ++d) {
            off += idx[d] * y_stride[d];
        }
        tsr_move(dst + off, src, run_n, p->elem_bytes);
        src += run;
        for (d = inner - 1; d >= 0; --d) { /* the odometer */
            if (++idx[d] < p->shape[d]) {
                break;
            }
            idx[d] = 0;
        }
    }
    return TSR_OK;
}
