/*
 * Tessera runtime: strided gather into a dense tensor converting half to float on the way (a
 * Convert carrying a permutation: the FP16 model's NCHW input converted and transposed to
 * NHWC in one pass):
 *     y[i0..ir] = tsr_h2f(x[in_offset + sum(i_d * in_stride[d])]), strides of any sign,
 * with tsr_strided_copy's walk and checks (tsr_checks.h); conversions round to nearest
 * even as tsr_convert_*. y must not alias x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_checks.h"
#include "tsr_simd.h"

int tsr_strided_convert_f16_to_f32(const tsr_strided_copy_params *p, const tsr_f16 *x, float *y)
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
            tsr_h2f_n(x + w.off, y + w.yo, w.n);
        } else {
            int32_t xi = w.off, yi = w.yo;
            for (i = 0; i < w.n; ++i, xi += w.step, yi += w.y_step) {
                y[yi] = tsr_h2f(x[xi]);
            }
        }
    } while (tsr_strided_next(&w));
    return TSR_OK;
}
