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
    int32_t idx[TSR_MAX_RANK] = {0}, y_stride[TSR_MAX_RANK];
    int32_t last, inner, n, step, y_step, off, yo, d, i;

    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (!tsr_strided_copy_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    last = p->rank - 1;
    y_stride[last] = 1;
    for (d = last - 1; d >= 0; --d) {
        y_stride[d] = y_stride[d + 1] * p->out_shape[d + 1];
    }
    if (y_stride[0] * p->out_shape[0] == 0) {
        return TSR_OK; /* nothing to copy */
    }
    /* The inner loop runs along the longest output axis (the last one on ties), so that a
     * transpose whose last axis is short (NCHW -> NHWC: the channels) still moves long
     * runs; the other axes advance like an odometer, in row-major order. */
    inner = last;
    for (d = last - 1; d >= 0; --d) {
        if (p->out_shape[d] > p->out_shape[inner]) {
            inner = d;
        }
    }
    n = p->out_shape[inner];
    step = p->in_stride[inner];
    y_step = y_stride[inner];
    off = p->in_offset;
    yo = 0;
    for (;;) {
        if (step == 1 && y_step == 1) {
            const float *src = x + off;
            float *dst = y + yo;
            for (i = 0; i < n; ++i) {
                dst[i] = src[i];
            }
        } else {
            int32_t xi = off, yi = yo;
            for (i = 0; i < n; ++i, xi += step, yi += y_step) {
                y[yi] = x[xi];
            }
        }
        for (d = last; d >= 0; --d) {
            if (d == inner) {
                continue;
            }
            if (++idx[d] < p->out_shape[d]) {
                off += p->in_stride[d];
                yo += y_stride[d];
                break;
            }
            off -= (idx[d] - 1) * p->in_stride[d];
            yo -= (idx[d] - 1) * y_stride[d];
            idx[d] = 0;
        }
        if (d < 0) {
            return TSR_OK;
        }
    }
}
