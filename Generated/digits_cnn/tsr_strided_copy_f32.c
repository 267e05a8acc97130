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
    tsr_strided_walk w;
    int32_t i;

    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (!tsr_strided_copy_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    if (!tsr_strided_start(&w, p)) {
        return TSR_OK; /* nothing to copy */
    }
    do { /* one row along the walk's inner axis (tsr_checks.h) */
        if (w.step == 1 && w.y_step == 1) {
            const float *src = x + w.off;
            float *dst = y + w.yo;
            for (i = 0; i < w.n; ++i) {
                dst[i] = src[i];
            }
        } else {
            int32_t xi = w.off, yi = w.yo;
            for (i = 0; i < w.n; ++i, xi += w.step, yi += w.y_step) {
                y[yi] = x[xi];
            }
        }
    } while (tsr_strided_next(&w));
    return TSR_OK;
}
