/*
 * Tessera runtime: constant padding, FP32 (ONNX Pad, mode "constant", non-negative pads).
 * y (out_shape) is `value` everywhere except the block of in_shape starting at pad_begin,
 * which is x. y is written row by row (rows along the last axis) in order, and the rows
 * that meet the block take x's rows in order too, so x is read sequentially. y must not
 * overlap x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_checks.h"

int tsr_pad_f32(const tsr_pad_params *p, const float *x, float *y)
{
    int32_t idx[TSR_MAX_RANK] = {0};
    int32_t last, n_out, n_in, before, after, d, i;
    float value;

    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (!tsr_pad_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    last = p->rank - 1;
    n_out = p->out_shape[last];
    n_in = p->in_shape[last];
    before = p->pad_begin[last];
    after = n_out - before - n_in;
    value = p->value;
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
            for (i = 0; i < before; ++i) {
                y[i] = value;
            }
            y += before;
            for (i = 0; i < n_in; ++i) {
                y[i] = x[i];
            }
            y += n_in;
            x += n_in;
            for (i = 0; i < after; ++i) {
                y[i] = value;
            }
            y += after;
        } else {
            for (i = 0; i < n_out; ++i) {
                y[i] = value;
            }
            y += n_out;
        }
        /* Advance the index over all axes but the last (row-major odometer). */
        for (d = last - 1; d >= 0; --d) {
            if (++idx[d] < p->out_shape[d]) {
                break;
            }
            idx[d] = 0;
        }
        if (d < 0) {
            return TSR_OK;
        }
    }
}
