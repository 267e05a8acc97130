/*
 * Tessera runtime: nearest-neighbour resize, NHWC (ONNX Resize, mode "nearest", any
 * coordinate transformation and rounding mode, which the compiler folds into the source
 * index tables), generic in the element size: y[n][oh][ow][c] = x[n][src_h[oh]][src_w[ow]][c],
 * each pixel's channels moved as one run. The tables are checked, so no read
 * leaves x. An output row whose source row equals the previous one is copied from that
 * (already written) output row. y must not overlap x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_checks.h"
#include "tsr_move.h"

/* The output rows, for elements of elem_bytes bytes (inlined: a constant elem_bytes keeps
 * only its loops). The parameters are read into locals first: the stores, words or half
 * words, could alias the struct's int32_t fields as far as the compiler knows. */
static TSR_ALWAYS_INLINE void resize_rows(const tsr_resize_nearest_params *p, const void *x,
                                          void *y, int32_t elem_bytes)
{
    /* channels >= 1 (checked), spelled out so that the compiler drops the guard of each
     * pixel's loop */
    const int32_t channels = p->channels > 1 ? p->channels : 1;
    const int32_t batch = p->batch, out_h = p->out_h, out_w = p->out_w;
    const int32_t *const src_h = p->src_h, *const src_w = p->src_w;
    const size_t pixel = tsr_elem_span(channels, elem_bytes);
    const size_t in_row = (size_t)p->in_w * pixel, in_image = (size_t)p->in_h * in_row;
    const size_t out_row = (size_t)out_w * pixel;
    const uint8_t *src = (const uint8_t *)x;
    uint8_t *dst = (uint8_t *)y;
    int32_t n, oh, ow;

    for (n = 0; n < batch; ++n) {
        const uint8_t *x_n = src + (size_t)n * in_image;
        for (oh = 0; oh < out_h; ++oh) {
            if (oh > 0 && src_h[oh] == src_h[oh - 1]) {
                tsr_move(dst, dst - out_row, out_w * channels, elem_bytes);
            } else {
                const uint8_t *x_row = x_n + (size_t)src_h[oh] * in_row;
                uint8_t *y_px = dst;
                for (ow = 0; ow < out_w; ++ow, y_px += pixel) {
                    tsr_move(y_px, x_row + (size_t)src_w[ow] * pixel, channels, elem_bytes);
                }
            }
            dst += out_row;
        }
    }
}

/* The specialisations, each a function of its own (TSR_NOINLINE). */
static TSR_NOINLINE void resize_rows_4(const tsr_resize_nearest_params *p, const void *x, void *y)
{
    resize_rows(p, x, y, 4);
}

static TSR_NOINLINE void resize_rows_2(const tsr_resize_nearest_params *p, const void *x, void *y)
{
    resize_rows(p, x, y, 2);
}

int tsr_resize_nearest(const tsr_resize_nearest_params *p, const void *x, void *y)
{
    if (p == NULL || x == NULL || y == NULL || p->src_h == NULL || p->src_w == NULL) {
        return TSR_ERR_NULL;
    }
    if (!tsr_elem_bytes_ok(p->elem_bytes) || !tsr_resize_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    switch (p->elem_bytes) { /* the float and half sizes with their own loops */
    case 4:
        resize_rows_4(p, x, y);
        break;
    case 2:
        resize_rows_2(p, x, y);
        break;
    default:
        resize_rows(p, x, y, p->elem_bytes);
        break;
    }
    return TSR_OK;
}
