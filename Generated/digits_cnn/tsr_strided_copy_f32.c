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
#include "tsr_simd.h"

/* One row read contiguously and written every y_step elements (a transpose's rows):
 * Helium scatters four values per store; returns how many it moved. */
static int32_t scatter_row(const float *x, float *y, int32_t n, int32_t y_step)
{
    int32_t i = 0;
#if TSR_SIMD == TSR_SIMD_HELIUM
    if (y_step > 0 && y_step <= INT32_MAX / 4) {
        const uint32x4_t off = vmulq_n_u32(vidupq_n_u32(0, 1), (uint32_t)y_step);
        for (; i + 4 <= n; i += 4) {
            vstrwq_scatter_shifted_offset_f32(y + i * y_step, off, vld1q_f32(x + i));
        }
    }
#else
    (void)x, (void)y, (void)n, (void)y_step;
#endif
    return i;
}

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
            int32_t xi, yi;
            i = w.step == 1 ? scatter_row(x + w.off, y + w.yo, w.n, w.y_step) : 0;
            for (xi = w.off + i * w.step, yi = w.yo + i * w.y_step; i < w.n;
                 ++i, xi += w.step, yi += w.y_step) {
                y[yi] = x[xi];
            }
        }
    } while (tsr_strided_next(&w));
    return TSR_OK;
}
