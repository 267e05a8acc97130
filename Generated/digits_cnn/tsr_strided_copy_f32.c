/*
 * Tessera runtime: strided gather into a dense tensor, FP32 (ONNX Transpose, Slice with any
 * steps, each output of Split, and any other view):
 *     y[i0..ir] = x[in_offset + sum(i_d * in_stride[d])], strides of any sign.
 * The kernel cannot know the size of x: the caller guarantees that every index read is
 * inside x. The kernel checks what it can: rank and shape, that no index is negative and
 * that no offset arithmetic leaves int32_t. y must not alias x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_checks.h"

int tsr_strided_copy_f32(const tsr_strided_copy_params *p, const float *x, float *y)
{
    int32_t idx[TSR_MAX_RANK] = {0};
    int32_t last, n, step, off, d, i;

    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (!tsr_strided_copy_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    last = p->rank - 1;
    n = p->out_shape[last];
    step = p->in_stride[last];
    off = p->in_offset;
    for (;;) {
        if (step == 1) {
            const float *src = x + off;
            for (i = 0; i < n; ++i) {
                y[i] = src[i];
            }
        } else {
            int32_t xi = off;
            for (i = 0; i < n; ++i, xi += step) {
                y[i] = x[xi];
            }
        }
        y += n;
        /* Advance the index over all axes but the last (row-major odometer). */
        for (d = last - 1; d >= 0; --d) {
            if (++idx[d] < p->out_shape[d]) {
                off += p->in_stride[d];
                break;
            }
            off -= (idx[d] - 1) * p->in_stride[d];
            idx[d] = 0;
        }
        if (d < 0) {
            return TSR_OK;
        }
    }
}
