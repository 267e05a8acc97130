/*
 * Tessera runtime: the mean and sum loops of the FP16 reduction (internal, not public API),
 * shared by tsr_reduce_f16.c (half out) and tsr_reduce_f16_f32.c (float out, the FP16
 * float head): only the store of a block of float sums differs. Portable C99.
 */
#ifndef TSR_REDUCE_F16_H
#define TSR_REDUCE_F16_H

#include "tsr_internal.h"
#include "tsr_kernels.h"
#include "tsr_simd.h"

/* One outer slice: y[i] = sum over r of x[r * inner + i] (divided by reduce when mean),
 * added in order in float, in blocks of TSR_F16_BLOCK; each block goes to y16 (rounded to
 * half once) when it is not NULL, else to y32. */
static inline void tsr_reduce_sum_f16_run(const tsr_f16 *x, int32_t reduce, int32_t inner, int mean,
                                          tsr_f16 *y16, float *y32)
{
    float sum[TSR_F16_BLOCK];
    const float count = (float)reduce;
    int32_t r, i, i0;
    for (i0 = 0; i0 < inner; i0 += TSR_F16_BLOCK) {
        const int32_t nb = inner - i0 < TSR_F16_BLOCK ? inner - i0 : TSR_F16_BLOCK;
        const tsr_f16 *x_r = x + i0;
        tsr_h2f_n(x_r, sum, nb);
        for (r = 1; r < reduce; ++r) {
            x_r += inner;
            for (i = 0; i < nb; ++i) {
                sum[i] += tsr_h2f(x_r[i]);
            }
        }
        if (mean) {
            for (i = 0; i < nb; ++i) {
                sum[i] /= count;
            }
        }
        if (y16 != NULL) {
            tsr_f2h_n(sum, y16 + i0, nb);
        } else {
            for (i = 0; i < nb; ++i) {
                y32[i0 + i] = sum[i];
            }
        }
    }
}

#endif
