/*
 * Tessera runtime: the output-pixel walk of the im2col convolutions (internal, not public
 * API), shared by tsr_conv2d_im2col_f32.c and tsr_conv2d_im2col_f16.c. Portable C99.
 *
 * The walk visits the output pixels in order (image n, row oh, column ow) and knows for
 * each whether its window lies inside the input, so that the kernel reads it in place,
 * and at which element offset it starts. Which pixels are inside is worked out once per
 * call (the columns) and once per output row (the rows), not per pixel: moving to the next
 * pixel is an addition and a compare.
 */
#ifndef TSR_IM2COL_H
#define TSR_IM2COL_H

#include "tsr_internal.h"
#include "tsr_kernels.h"
#include "tsr_mm.h"

typedef struct {
    const tsr_window *w;
    int32_t in_c;
    int32_t col_lo, col_hi; /* output columns whose windows are inside horizontally */
    int32_t row_lo, row_hi; /* output rows whose windows are inside vertically */
    int32_t lo, hi;         /* this row's inside columns: [col_lo, col_hi) or empty */
    int32_t n, oh, ow;      /* the current pixel */
    int32_t at;             /* element offset of the current window's first tap (inside) */
    int32_t step;           /* from one column's window to the next: stride_w * in_c */
    int32_t window_stride;  /* from one kernel row of a window to the next, in the input */
} tsr_im2col_walk;

/* The current row's inside columns and the offset of its column 0 window. */
static inline void tsr_im2col_row(tsr_im2col_walk *s)
{
    const tsr_window *w = s->w;
    const int32_t inside = s->oh >= s->row_lo && s->oh < s->row_hi;
    s->lo = inside ? s->col_lo : 0;
    s->hi = inside ? s->col_hi : 0;
    s->at = ((s->n * w->in_h + s->oh * w->stride_h - w->pad_top) * w->in_w - w->pad_left) *
            s->in_c;
}

/* Starts at pixel 0, and sets m for rows of k = kernel_h * kernel_w * in_c values: one
 * segment per kernel row when windows inside the input can be read in place (their kernel
 * rows are contiguous: dilation_w == 1; a packed window is then read with the segment
 * length as its stride), one segment otherwise (every window is packed). */
static inline void tsr_im2col_start(tsr_im2col_walk *s, tsr_mm_rows *m, const tsr_window *w,
                                    int32_t in_c, int32_t k)
{
    const int in_place = w->dilation_w == 1;
    tsr_mm_plain(m, TSR_MM_ROWS, k);
    if (in_place) {
        m->nseg = w->kernel_h;
        m->seg = w->kernel_w * in_c;
    }
    s->w = w;
    s->in_c = in_c;
    s->step = w->stride_w * in_c;
    s->window_stride = w->dilation_h * w->in_w * in_c;
    tsr_inside_outputs(w->in_w, w->out_w, w->kernel_w, w->stride_w, w->pad_left, &s->col_lo,
                       &s->col_hi);
    tsr_inside_outputs(w->in_h, w->out_h, (w->kernel_h - 1) * w->dilation_h + 1, w->stride_h,
                       w->pad_top, &s->row_lo, &s->row_hi);
    if (!in_place) {
        s->col_lo = s->col_hi = 0;
    }
    s->n = s->oh = s->ow = 0;
    tsr_im2col_row(s);
}

/* Non-zero when the current pixel's window lies inside the input: its first tap is at
 * element s->at of the input. */
static inline int tsr_im2col_in(const tsr_im2col_walk *s)
{
    return s->ow >= s->lo && s->ow < s->hi;
}

/* The current pixel's window's first tap in input coordinates (ih0, iw0), any pixel. */
static inline int32_t tsr_im2col_ih0(const tsr_im2col_walk *s)
{
    return s->oh * s->w->stride_h - s->w->pad_top;
}

static inline int32_t tsr_im2col_iw0(const tsr_im2col_walk *s)
{
    return s->ow * s->w->stride_w - s->w->pad_left;
}

/* The number of pixels from the current one on (in its row) whose windows lie inside. */
static inline int32_t tsr_im2col_run(const tsr_im2col_walk *s)
{
    return s->ow >= s->lo && s->ow < s->hi ? s->hi - s->ow : 0;
}

/* Moves count pixels on in output order, 1 <= count <= out_w - ow (within the row, or to
 * the start of the next). */
static inline void tsr_im2col_advance(tsr_im2col_walk *s, int32_t count)
{
    s->at += count * s->step;
    s->ow += count;
    if (s->ow == s->w->out_w) {
        s->ow = 0;
        if (++s->oh == s->w->out_h) {
            s->oh = 0;
            ++s->n;
        }
        tsr_im2col_row(s);
    }
}

/* Moves to the next pixel in output order. */
static inline void tsr_im2col_next(tsr_im2col_walk *s)
{
    tsr_im2col_advance(s, 1);
}

/* The common case of a call of TSR_MM_ROWS rows (m->rows): when the windows of that many
 * pixels from the current one all lie inside the input, in one output row, sets their
 * strides in m, moves past them and returns the first one's element offset (the others
 * follow s->step apart). Otherwise returns -1 and changes nothing. */
static inline int32_t tsr_im2col_take_inside(tsr_im2col_walk *s, tsr_mm_rows *m)
{
    const int32_t first = s->at;
    int32_t r;
    if (m->rows != TSR_MM_ROWS || tsr_im2col_run(s) < TSR_MM_ROWS) {
        return -1;
    }
    for (r = 0; r < TSR_MM_ROWS; ++r) {
        m->stride[r] = s->window_stride;
    }
    tsr_im2col_advance(s, TSR_MM_ROWS);
    return first;
}

#endif /* TSR_IM2COL_H */
