/*
 * Tessera runtime: the blocked matrix micro-kernels behind the convolution and fully
 * connected kernels (internal, not public API). Portable C99 with a Helium path.
 *
 * Both compute, for `rows` rows a_r of k values (each contiguous) and the packed weights of
 * an n-column matrix (TSR_PACK_COLS_* in tsr_kernels.h),
 *     y_r[j] = act(bias[j] + sum_t a_r[t] * w[t][j])     r < rows, j < n,
 * with bias NULL meaning 0. rows is 1 .. TSR_MM_ROWS; the y_r must not overlap the a_r or
 * w. The FP16 variant accumulates in `acc` (tsr_simd.h) and rounds each output to half
 * once. The portable code adds the bias after the sum, the Helium code starts from it:
 * the same value up to rounding.
 */
#ifndef TSR_MM_H
#define TSR_MM_H

#include "tsr_kernels.h"

/* Rows one call takes at most (three rows by two vectors of accumulators fill the eight
 * Helium Q registers with the two weight vectors). */
#define TSR_MM_ROWS 3

void tsr_mm_f32(int32_t rows, const float *const a[], int32_t k, const float *w, int32_t n,
                const float *bias, const tsr_act *act, float *const y[]);

void tsr_mm_f16(int32_t rows, const tsr_f16 *const a[], int32_t k, const tsr_f16 *w,
                int32_t n, const float *bias, const tsr_act *act, tsr_acc_mode acc,
                tsr_f16 *const y[]);

#endif /* TSR_MM_H */
