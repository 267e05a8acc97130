/*
 * Tessera runtime: strided gather into a dense tensor converting float to half on the way (a
 * Convert carrying a permutation: the FP16 model's NCHW input converted and transposed to
 * NHWC in one pass):
 *     y[i0..ir] = tsr_f2h(x[in_offset + sum(i_d * in_stride[d])]), strides of any sign,
 * with tsr_strided_copy's walk and checks (tsr_checks.h); conversions round to nearest
 * even as tsr_convert_*. y must not alias x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_checks.h"
#include "tsr_simd.h"

/* One row read contiguously and written every y_step elements (the NCHW -> NHWC input):
 * Helium converts eight values into one half vector, x[0..3] to its even lanes and
 * x[4..7] to its odd lanes, and scatters them to their places in one store; returns how
 * many it moved. */
static int32_t scatter_row(const float *x, tsr_f16 *y, int32_t n, int32_t y_step)
{
    int32_t i = 0;
#if TSR_SIMD == TSR_SIMD_HELIUM && TSR_HELIUM_F16
    if (y_step > 0 && y_step <= 65535 / 7) { /* the offsets are 16-bit */
        const uint16_t s = (uint16_t)y_step;
        const uint16_t lanes[8] = {0, (uint16_t)(4 * s), s, (uint16_t)(5 * s),
                                   (uint16_t)(2 * s), (uint16_t)(6 * s), (uint16_t)(3 * s),
                                   (uint16_t)(7 * s)};
        const uint16x8_t off = vld1q_u16(lanes);
        for (; i + 8 <= n; i += 8) {
            float16x8_t h = vcvtbq_f16_f32(vdupq_n_f16(0), vld1q_f32(x + i));
            h = vcvttq_f16_f32(h, vld1q_f32(x + i + 4));
            vstrhq_scatter_shifted_offset_f16(TSR_MVE_H(y + i * y_step), off, h);
        }
    }
#else
    (void)x, (void)y, (void)n, (void)y_step;
#endif
    return i;
}

int tsr_strided_convert_f32_to_f16(const tsr_strided_copy_params *p, const float *x, tsr_f16 *y)
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
    do { /* one row along the walk's inner axis */
        if (w.step == 1 && w.y_step == 1) {
            tsr_f2h_n(x + w.off, y + w.yo, w.n);
        } else {
            int32_t xi, yi;
            i = w.step == 1 ? scatter_row(x + w.off, y + w.yo, w.n, w.y_step) : 0;
            for (xi = w.off + i * w.step, yi = w.yo + i * w.y_step; i < w.n;
                 ++i, xi += w.step, yi += w.y_step) {
                y[yi] = tsr_f2h(x[xi]);
            }
        }
    } while (tsr_strided_next(&w));
    return TSR_OK;
}
