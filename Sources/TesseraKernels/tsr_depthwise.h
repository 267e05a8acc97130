/*
 * Tessera runtime: the output-pixel geometry of the vectorised depthwise kernels (internal,
 * not public API), shared by tsr_depthwise_conv2d_vec_f32.c and _f16.c, and their
 * channel-range entry points. Portable C99.
 *
 * The kernels walk one output row at a time. The kernel rows inside the input are worked
 * out once per row (tsr_dw_row_of), the columns whose windows lie inside the input once per
 * call (col_lo, col_hi: those pixels take the blocked path), and the taps inside of a
 * border pixel when it is reached (tsr_dw_cols_of). Positions are element offsets, so that
 * each kernel adds them to its own typed pointers.
 */
#ifndef TSR_DEPTHWISE_H
#define TSR_DEPTHWISE_H

#include "tsr_internal.h"
#include "tsr_kernels.h"

/* A call's geometry, in elements. */
typedef struct {
    int32_t c;              /* channels (input and output) */
    int32_t kw;             /* taps per kernel row */
    int32_t tap;            /* input: from one tap of a kernel row to the next */
    int32_t row;            /* input: from one kernel row to the next */
    int32_t pix;            /* input: from one output pixel's window to the next */
    int32_t ys;             /* output: from one pixel to the next */
    int32_t col_lo, col_hi; /* output columns whose windows lie inside horizontally */
} tsr_dw_geom;

static inline void tsr_dw_geom_of(tsr_dw_geom *g, const tsr_window *w, int32_t c, int32_t ys)
{
    g->c = c;
    g->ys = ys;
    g->kw = w->kernel_w;
    g->tap = w->dilation_w * c;
    g->row = w->dilation_h * w->in_w * c;
    g->pix = w->stride_w * c;
    tsr_inside_outputs(w->in_w, w->out_w, (w->kernel_w - 1) * w->dilation_w + 1, w->stride_w,
                       w->pad_left, &g->col_lo, &g->col_hi);
}

/* The taps of output row oh of image n: nkh kernel rows inside, the first at input offset
 * x (its input row, column 0, channel 0) and weight offset wk. Without taps (nkh == 0) the
 * offsets are those of row 0 and kernel row 0, which are not read. */
typedef struct {
    int32_t nkh, x, wk;
} tsr_dw_row;

static inline tsr_dw_row tsr_dw_row_of(const tsr_window *w, int32_t c, int32_t n, int32_t oh)
{
    const int32_t ih0 = oh * w->stride_h - w->pad_top;
    int32_t kh_lo, kh_hi;
    tsr_dw_row r;
    tsr_tap_range(ih0, w->dilation_h, w->kernel_h, w->in_h, &kh_lo, &kh_hi);
    r.nkh = kh_hi - kh_lo;
    if (r.nkh == 0) {
        kh_lo = 0;
    }
    r.x = (n * w->in_h + (r.nkh > 0 ? ih0 + kh_lo * w->dilation_h : 0)) * w->in_w * c;
    r.wk = kh_lo * w->kernel_w * c;
    return r;
}

/* The taps of output column ow along a kernel row: nkw inside, the first at offset x from
 * the row's input offset and wk from its weight offset (without taps: 0 and 0, not read). */
typedef struct {
    int32_t nkw, x, wk;
} tsr_dw_cols;

static inline tsr_dw_cols tsr_dw_cols_of(const tsr_window *w, int32_t c, int32_t ow)
{
    const int32_t iw0 = ow * w->stride_w - w->pad_left;
    int32_t kw_lo, kw_hi;
    tsr_dw_cols s;
    tsr_tap_range(iw0, w->dilation_w, w->kernel_w, w->in_w, &kw_lo, &kw_hi);
    s.nkw = kw_hi - kw_lo;
    s.x = s.nkw > 0 ? (iw0 + kw_lo * w->dilation_w) * c : 0;
    s.wk = s.nkw > 0 ? kw_lo * c : 0;
    return s;
}

/* The parameters the channel-vector kernels take (channel multiplier 1; the
 * FP16 kernels check p->acc as well). */
static inline int tsr_dw_vec_params_ok(const tsr_depthwise_conv2d_params *p)
{
    const tsr_window *w = &p->win;
    return p->multiplier == 1 && tsr_act_valid(&p->act) && tsr_window_ok(w, p->in_c, p->in_c) &&
           tsr_mul(tsr_mul(w->kernel_h, w->kernel_w), p->in_c) > 0;
}

/* Channels [c0, c0 + nc) of a depthwise convolution with channel multiplier 1 whose
 * parameters the caller has checked: output pixel i's channel c0 + j at y[i * ys + j].
 * The channel-vector kernels are these over all channels.
 * tsr_dw_vec_channels_*: tsr_depthwise_conv2d_vec_*.c;
 * tsr_dw_range_f16: the FP16 loop nest's arithmetic (tsr_depthwise_conv2d_f16.c), which
 * the portable tsr_dw_vec_channels_f16 uses for what its float path does not take. */
void tsr_dw_vec_channels_f32(const tsr_depthwise_conv2d_params *p, const float *input,
                             const float *weights, const float *bias, int32_t c0, int32_t nc,
                             float *y, int32_t ys);
void tsr_dw_vec_channels_f16(const tsr_depthwise_conv2d_params *p, const tsr_f16 *input,
                             const tsr_f16 *weights, const tsr_f16 *bias, int32_t c0,
                             int32_t nc, tsr_f16 *y, int32_t ys);
void tsr_dw_range_f16(const tsr_depthwise_conv2d_params *p, const tsr_f16 *input,
                      const tsr_f16 *weights, const tsr_f16 *bias, int32_t c0, int32_t nc,
                      tsr_f16 *y, int32_t ys);

#endif /* TSR_DEPTHWISE_H */
