/*
 * Tessera runtime: the blocked matrix micro-kernels behind the convolution and fully
 * connected kernels (internal, not public API). Portable C99 with a Helium path; the
 * portable path keeps 3 rows by 4 columns of float sums in registers (the scalar FPU
 * cores: Cortex-M4/M7/M33, RV32F).
 *
 * Both compute, for `rows` rows a_r of k values and the packed weights of an n-column
 * matrix (TSR_PACK_COLS_* in tsr_kernels.h),
 *     y_r[j] = act(bias[j] + sum_t a_r[t] * w[t][j])     r < rows, j < n,
 * with bias NULL meaning 0. A row need not be contiguous: it is nseg segments of seg
 * contiguous values, segment s of row r starting stride[r] elements after segment s - 1
 * (k = nseg * seg). A convolution reads its window rows in place that way (one segment per
 * kernel row); a packed or plain row is one segment. rows is 1 .. TSR_MM_ROWS; the y_r
 * must not overlap the a_r or w. The FP16 variant accumulates in `acc` (tsr_simd.h, the
 * terms in order: segment by segment) and rounds each output to half once. The portable
 * code adds the bias after the sum, the Helium code starts from it: the same value up to
 * rounding.
 */
#ifndef TSR_MM_H
#define TSR_MM_H

#include "tsr_kernels.h"

/* Rows one call takes at most (three rows by two vectors of accumulators fill the eight
 * Helium Q registers with the two weight vectors). */
#define TSR_MM_ROWS 3

/* The geometry of one call's rows. */
typedef struct {
    int32_t rows;                /* 1 .. TSR_MM_ROWS */
    int32_t nseg, seg;           /* segments per row and values per segment, both >= 1 */
    int32_t stride[TSR_MM_ROWS]; /* row r: elements from one segment's start to the next */
} tsr_mm_rows;

/* Sets m to `rows` contiguous rows of k values each (a fully connected layer, a 1x1
 * convolution, a packed window). Fields are set one by one: a struct copy could become a
 * memcpy call, a byte loop in some C libraries. */
static inline void tsr_mm_plain(tsr_mm_rows *m, int32_t rows, int32_t k)
{
    int32_t r;
    m->rows = rows;
    m->nseg = 1;
    m->seg = k;
    for (r = 0; r < TSR_MM_ROWS; ++r) {
        m->stride[r] = k;
    }
}

void tsr_mm_f32(const tsr_mm_rows *m, const float *const a[], const float *w, int32_t n,
                const float *bias, const tsr_act *act, float *const y[]);

void tsr_mm_f16(const tsr_mm_rows *m, const tsr_f16 *const a[], const tsr_f16 *w, int32_t n,
                const tsr_f16 *bias, const tsr_act *act, tsr_acc_mode acc, tsr_f16 *const y[]);

/* The same plus a residual row res_r added before the activation,
 *     y_r[j] = act(round(bias[j] + sum_t a_r[t] * w[t][j]) + res_r[j]),
 * the sum rounded to the element type first (what a separate Add reads), the residual
 * added in the micro-kernel's epilogue, where the bias is. res_r is y_r itself or does not
 * overlap any y: each value of res_r is read before the value of y_r at its place is
 * written. */
void tsr_mm_f32_residual(const tsr_mm_rows *m, const float *const a[], const float *w,
                         int32_t n, const float *bias, const tsr_act *act,
                         const float *const res[], float *const y[]);
void tsr_mm_f16_residual(const tsr_mm_rows *m, const tsr_f16 *const a[], const tsr_f16 *w,
                         int32_t n, const tsr_f16 *bias, const tsr_act *act,
                         tsr_acc_mode acc, const tsr_f16 *const res[], tsr_f16 *const y[]);

#endif /* TSR_MM_H */
