/*
 * Tessera runtime: 2-D convolution, NHWC, F16, on the blocked matrix micro-kernel
 * (tsr_mm.h), im2col at the borders only. For groups == 1 (other groupings:
 * tsr_conv2d_f16). Up to TSR_MM_ROWS output pixels at a time are multiplied by the packed
 * weights: the K x out_c matrix (K = kernel_h * kernel_w * in_c, in kernel row, kernel
 * column, input channel order) in column blocks of TSR_PACK_COLS_F16. A pixel whose window
 * lies inside the input (and dilation_w == 1) is read in place, one segment of kernel_w *
 * in_c values per kernel row; any other pixel's window is copied into the caller-owned
 * scratch with zeros where it leaves the input (im2col). The bias is half (added in
 * float); accumulation follows p->acc. The output must not overlap the input.
 *
 * Calls: tsr_mm_f16.c
 */
#include <stddef.h>

#include "tsr_im2col.h"
#include "tsr_internal.h"
#include "tsr_mm.h"
#include "tsr_simd.h"

static int32_t patch_size(const tsr_conv2d_params *p)
{
    if (p->groups != 1 || !tsr_act_valid(&p->act) || !tsr_acc_valid(p->acc) ||
        !tsr_window_ok(&p->win, p->in_c, p->out_c)) {
        return -1;
    }
    return tsr_mul(tsr_mul(p->win.kernel_h, p->win.kernel_w), p->in_c);
}

int32_t tsr_conv2d_im2col_f16_scratch_bytes(const tsr_conv2d_params *p)
{
    const int32_t k = p != NULL ? patch_size(p) : -1;
    const int32_t bytes = tsr_mul(tsr_mul(k, TSR_MM_ROWS), (int32_t)sizeof(tsr_f16));
    return bytes > 0 ? bytes : TSR_ERR_PARAM;
}

/* The window of the output pixel whose top-left input is (ih0, iw0) in image x, as
 * k = kh * kw * c halves. */
static void pack(const tsr_window *w, int32_t c, const tsr_f16 *x, int32_t ih0, int32_t iw0,
                 tsr_f16 *col)
{
    const int32_t row = w->kernel_w * c;
    int32_t kh, kw, kw_lo, kw_hi;
    tsr_tap_range(iw0, w->dilation_w, w->kernel_w, w->in_w, &kw_lo, &kw_hi);
    for (kh = 0; kh < w->kernel_h; ++kh, col += row) {
        const int32_t ih = ih0 + kh * w->dilation_h;
        const tsr_f16 *x_row;
        if (ih < 0 || ih >= w->in_h || kw_lo >= kw_hi) {
            tsr_h_zero(col, row);
            continue;
        }
        x_row = x + (ih * w->in_w + iw0) * c;
        tsr_h_zero(col, kw_lo * c);
        if (w->dilation_w == 1) {
            tsr_h_copy(col + kw_lo * c, x_row + kw_lo * c, (kw_hi - kw_lo) * c);
        } else {
            for (kw = kw_lo; kw < kw_hi; ++kw) {
                tsr_h_copy(col + kw * c, x_row + kw * w->dilation_w * c, c);
            }
        }
        tsr_h_zero(col + kw_hi * c, (w->kernel_w - kw_hi) * c);
    }
}

int tsr_conv2d_im2col_f16(const tsr_conv2d_params *p, const tsr_f16 *input,
                          const tsr_f16 *weights, const tsr_f16 *bias, const tsr_f16 *residual,
                          tsr_f16 *output, void *scratch, int32_t scratch_bytes)
{
    const tsr_window *w;
    int32_t k, total, q, r, in_c, out_c, image, first;
    tsr_im2col_walk s;
    tsr_f16 *cols = (tsr_f16 *)scratch;
    tsr_f16 *yq = output;
    tsr_mm_rows m;
    const tsr_f16 *a[TSR_MM_ROWS];
    tsr_f16 *y[TSR_MM_ROWS];
    const tsr_f16 *res[TSR_MM_ROWS];

    if (p == NULL || input == NULL || weights == NULL || output == NULL) {
        return TSR_ERR_NULL;
    }
    k = patch_size(p);
    if (k <= 0) {
        return TSR_ERR_PARAM;
    }
    if (scratch == NULL || scratch_bytes < tsr_conv2d_im2col_f16_scratch_bytes(p)) {
        return TSR_ERR_SCRATCH;
    }
    w = &p->win;
    in_c = p->in_c, out_c = p->out_c;
    image = w->in_h * w->in_w * in_c;
    total = w->batch * w->out_h * w->out_w;
    tsr_im2col_start(&s, &m, w, in_c, k);
    for (q = 0; q < total; q += m.rows, yq += m.rows * out_c) {
        m.rows = total - q < TSR_MM_ROWS ? total - q : TSR_MM_ROWS;
        first = tsr_im2col_take_inside(&s, &m);
        for (r = 0; first >= 0 && r < TSR_MM_ROWS; ++r) { /* the common case */
            a[r] = input + first + r * s.step;
            y[r] = yq + r * out_c;
        }
        for (r = 0; first < 0 && r < m.rows; ++r, tsr_im2col_next(&s)) {
            if (tsr_im2col_in(&s)) {
                a[r] = input + s.at;
                m.stride[r] = s.window_stride;
            } else {
                pack(w, in_c, input + s.n * image, tsr_im2col_ih0(&s), tsr_im2col_iw0(&s),
                     cols + r * k);
                a[r] = cols + r * k;
                m.stride[r] = m.seg;
            }
            y[r] = yq + r * out_c;
        }
        if (residual != NULL) {
            for (r = 0; r < m.rows; ++r) { /* the same place in the residual */
                res[r] = residual + (y[r] - output);
            }
            tsr_mm_f16_residual(&m, a, weights, out_c, bias, &p->act, p->acc, res, y);
        } else {
            tsr_mm_f16(&m, a, weights, out_c, bias, &p->act, p->acc, y);
        }
    }
    return TSR_OK;
}
