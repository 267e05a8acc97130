/*
 * Tessera runtime: constant padding (ONNX Pad, mode "constant", non-negative pads), generic
 * in the element size: 4-byte elements are float, 2-byte ones IEEE half, and `value` (a
 * float) is converted to the element type once (rounded to half as tsr_f2h does). y
 * (out_shape) is that value everywhere except the block of in_shape starting at pad_begin,
 * which is x. y is written row by row (rows along the last axis) in order, and the rows
 * that meet the block take x's rows in order too, so x is read sequentially. y must not
 * overlap x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_checks.h"
#include "tsr_move.h"
#include "tsr_simd.h"

/* n elements of y set to the value: v32 (elem_bytes 4) or v16 (2). Stored as float and half
 * (the compiler keeps the value in a floating-point register where it can). */
static TSR_ALWAYS_INLINE void fill(uint8_t *y, int32_t n, int32_t elem_bytes, float v32,
                                   tsr_f16 v16)
{
    int32_t i;
    if (elem_bytes == 4) {
        float *yf = (float *)(void *)y;
        for (i = 0; i < n; ++i) {
            yf[i] = v32;
        }
    } else {
        tsr_f16 *yh = (tsr_f16 *)(void *)y;
        for (i = 0; i < n; ++i) {
            yh[i] = v16;
        }
    }
}

/* The output rows, for elements of elem_bytes bytes (inlined: a constant elem_bytes keeps
 * only its loops). */
static TSR_ALWAYS_INLINE void pad_rows(const tsr_pad_params *p, const void *x, void *y,
                                       int32_t elem_bytes, float v32, tsr_f16 v16)
{
    int32_t idx[TSR_MAX_RANK] = {0};
    const int32_t last = p->rank - 1;
    /* n_in >= 1 (tsr_pad_params_ok), spelled out so that the compiler drops the guard of
     * each row's copy */
    const int32_t n_in = p->in_shape[last] > 1 ? p->in_shape[last] : 1;
    const int32_t n_out = p->out_shape[last], before = p->pad_begin[last];
    const int32_t after = n_out - before - n_in;
    const uint8_t *src = (const uint8_t *)x;
    uint8_t *dst = (uint8_t *)y;
    int32_t d;

    for (;;) {
        /* Does this output row meet the block? Only when every outer index does. */
        int inside = 1;
        for (d = 0; d < last; ++d) {
            const int32_t rel = idx[d] - p->pad_begin[d];
            if (rel < 0 || rel >= p->in_shape[d]) {
                inside = 0;
                break;
            }
        }
        if (inside) {
            fill(dst, before, elem_bytes, v32, v16);
            dst += tsr_elem_span(before, elem_bytes);
            tsr_move(dst, src, n_in, elem_bytes);
            dst += tsr_elem_span(n_in, elem_bytes);
            src += tsr_elem_span(n_in, elem_bytes);
            fill(dst, after, elem_bytes, v32, v16);
            dst += tsr_elem_span(after, elem_bytes);
        } else {
            fill(dst, n_out, elem_bytes, v32, v16);
            dst += tsr_elem_span(n_out, elem_bytes);
        }
        /* Advance the index over all axes but the last (row-major odometer). */
        for (d = last - 1; d >= 0; --d) {
            if (++idx[d] < p->out_shape[d]) {
                break;
            }
            idx[d] = 0;
        }
        if (d < 0) {
            return;
        }
    }
}

/* The float and half specialisations (out of line where the compiler chooses). */
static void pad_rows_4(const tsr_pad_params *p, const void *x, void *y)
{
    pad_rows(p, x, y, 4, p->value, tsr_f2h(0.0f));
}

static void pad_rows_2(const tsr_pad_params *p, const void *x, void *y)
{
    pad_rows(p, x, y, 2, 0.0f, tsr_f2h(p->value)); /* rounded to half once */
}

int tsr_pad(const tsr_pad_params *p, const void *x, void *y)
{
    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if ((p->elem_bytes != 2 && p->elem_bytes != 4) || !tsr_pad_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    if (p->elem_bytes == 4) {
        pad_rows_4(p, x, y);
    } else {
        pad_rows_2(p, x, y);
    }
    return TSR_OK;
}
