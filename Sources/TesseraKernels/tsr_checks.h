/*
 * Tessera runtime: parameter checks and operator tables shared by the FP32 and FP16 twins
 * of a kernel, and the checks and walks of the data-movement kernels (static inline only,
 * not public API).
 */
#ifndef TSR_CHECKS_H
#define TSR_CHECKS_H

#include <math.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

/* ---- binary ops ------------------------------------------------------------------ */

/* The operators as function-like macros of two floats (each evaluated once or twice, so
 * only plain operands are passed). Max and Min propagate NaN, as numpy and onnxruntime do;
 * PRelu scales negative values by the slope. */
#define TSR_OP_ADD(u, v) ((u) + (v))
#define TSR_OP_SUB(u, v) ((u) - (v))
#define TSR_OP_MUL(u, v) ((u) * (v))
#define TSR_OP_DIV(u, v) ((u) / (v))
#define TSR_OP_MAX(u, v) (((u) > (v) || (u) != (u)) ? (u) : (v))
#define TSR_OP_MIN(u, v) (((u) < (v) || (u) != (u)) ? (u) : (v))
#define TSR_OP_POW(u, v) powf((u), (v))
#define TSR_OP_PRELU(u, v) ((u) < 0.0f ? (u) * (v) : (u))

/* Expands LOOP(OP) once per operator, the switch outside the loop. */
#define TSR_BINARY_SWITCH(op, LOOP) \
    switch (op) {                   \
    case TSR_BINARY_ADD:            \
        LOOP(TSR_OP_ADD);           \
        break;                      \
    case TSR_BINARY_SUB:            \
        LOOP(TSR_OP_SUB);           \
        break;                      \
    case TSR_BINARY_MUL:            \
        LOOP(TSR_OP_MUL);           \
        break;                      \
    case TSR_BINARY_MAX:            \
        LOOP(TSR_OP_MAX);           \
        break;                      \
    case TSR_BINARY_MIN:            \
        LOOP(TSR_OP_MIN);           \
        break;                      \
    case TSR_BINARY_POW:            \
        LOOP(TSR_OP_POW);           \
        break;                      \
    case TSR_BINARY_PRELU:          \
        LOOP(TSR_OP_PRELU);         \
        break;                      \
    case TSR_BINARY_DIV:            \
    default:                        \
        LOOP(TSR_OP_DIV);           \
        break;                      \
    }


/* Non-zero for the operators this kernel knows (a switch: enums may be unsigned or short). */
static inline int tsr_binary_op_valid(tsr_binary_op op)
{
    switch (op) {
    case TSR_BINARY_ADD:
    case TSR_BINARY_SUB:
    case TSR_BINARY_MUL:
    case TSR_BINARY_DIV:
    case TSR_BINARY_MAX:
    case TSR_BINARY_MIN:
    case TSR_BINARY_POW:
    case TSR_BINARY_PRELU:
        return 1;
    default:
        return 0;
    }
}


/* Total output elements, or -1 when the op, shape, strides or activation are invalid or an
 * operand offset could leave int32_t. */
static inline int32_t tsr_binary_check(const tsr_binary_params *p)
{
    int32_t d, total = 1, a_reach = 0, b_reach = 0;
    if (!tsr_binary_op_valid(p->op) || p->rank < 0 || p->rank > TSR_MAX_RANK || !tsr_act_valid(&p->act)) {
        return -1;
    }
    for (d = 0; d < p->rank; ++d) {
        const int32_t as = p->a_stride[d], bs = p->b_stride[d];
        const int32_t ar = as == 0 ? 0 : tsr_mul(p->shape[d], as);
        const int32_t br = bs == 0 ? 0 : tsr_mul(p->shape[d], bs);
        total = tsr_mul(total, p->shape[d]);
        if (total < 0 || as < 0 || bs < 0 || ar < 0 || br < 0 || a_reach > INT32_MAX - ar ||
            b_reach > INT32_MAX - br) {
            return -1;
        }
        a_reach += ar;
        b_reach += br;
    }
    return total;
}


/* Non-zero when `stride` addresses a dense row-major tensor of the output's shape
 * (strides of size-1 axes are irrelevant). */
static inline int tsr_binary_is_dense(const tsr_binary_params *p, const int32_t *stride)
{
    int32_t d, expect = 1;
    for (d = p->rank - 1; d >= 0; --d) {
        if (p->shape[d] != 1 && stride[d] != expect) {
            return 0;
        }
        expect *= p->shape[d];
    }
    return 1;
}


/* Non-zero when `stride` reads an operand that varies only over one contiguous block of
 * axes and is dense over it (a per-channel bias [C] against NHWC [N, H, W, C], a [C, 1, 1]
 * against [N, C, H, W], a scalar, ...). The output is then viewed as [outer][mid][inner]
 * with the operand indexed by mid alone. */
static inline int tsr_binary_is_block(const tsr_binary_params *p, const int32_t *stride, int32_t *outer,
                    int32_t *mid, int32_t *inner)
{
    int32_t d, d0 = -1, d1 = -1, expect = 1;
    for (d = 0; d < p->rank; ++d) {
        if (p->shape[d] != 1 && stride[d] != 0) {
            d0 = d0 < 0 ? d : d0;
            d1 = d;
        }
    }
    *outer = 1;
    *mid = 1;
    *inner = 1;
    for (d = p->rank - 1; d >= 0; --d) {
        if (d > d1) {
            *inner *= p->shape[d];
        } else if (d < d0) {
            *outer *= p->shape[d];
        } else {
            if (p->shape[d] != 1 && stride[d] != expect) {
                return 0;
            }
            expect *= p->shape[d];
            *mid *= p->shape[d];
        }
    }
    return 1;
}


/* The walk of tsr_strided_copy and tsr_strided_convert_*: the output axes of size 1 dropped and neighbours that
 * are one run in x as in y merged (an NCHW -> NHWC transpose becomes two axes: the H * W
 * pixels, contiguous in x, and the channels), then rows along the longest axis (the last
 * one on ties), so that a transpose whose last axis is short still moves long runs; the
 * other axes advance like an odometer, in row-major order. Each row is n elements, read
 * from x every `step` from off and written to y every `y_step` from yo (y dense). */
typedef struct {
    int32_t rank;
    int32_t shape[TSR_MAX_RANK], x_stride[TSR_MAX_RANK], y_stride[TSR_MAX_RANK];
    int32_t idx[TSR_MAX_RANK];
    int32_t inner, n, step, y_step, off, yo;
} tsr_strided_walk;

/* The first row of a valid p (tsr_strided_copy_params_ok); 0 when the output is empty. */
static inline int tsr_strided_start(tsr_strided_walk *w, const tsr_strided_copy_params *p)
{
    int32_t d, r = 0;
    for (d = 0; d < p->rank; ++d) {
        if (p->out_shape[d] == 0) {
            return 0;
        }
    }
    for (d = 0; d < p->rank; ++d) { /* the axes of size > 1, merged where one run */
        if (p->out_shape[d] == 1) {
            continue;
        }
        if (r > 0 && w->x_stride[r - 1] == p->in_stride[d] * p->out_shape[d]) {
            w->shape[r - 1] *= p->out_shape[d];
            w->x_stride[r - 1] = p->in_stride[d];
            continue;
        }
        w->shape[r] = p->out_shape[d];
        w->x_stride[r] = p->in_stride[d];
        ++r;
    }
    if (r == 0) { /* a single element */
        w->shape[0] = 1, w->x_stride[0] = 0;
        r = 1;
    }
    w->rank = r;
    w->y_stride[r - 1] = 1;
    for (d = r - 2; d >= 0; --d) {
        w->y_stride[d] = w->y_stride[d + 1] * w->shape[d + 1];
    }
    w->inner = r - 1;
    for (d = r - 1; d >= 0; --d) {
        w->idx[d] = 0;
        if (w->shape[d] > w->shape[w->inner]) {
            w->inner = d;
        }
    }
    w->n = w->shape[w->inner];
    w->step = w->x_stride[w->inner];
    w->y_step = w->y_stride[w->inner];
    w->off = p->in_offset;
    w->yo = 0;
    return 1;
}

/* Moves to the next row; 0 after the last one. */
static inline int tsr_strided_next(tsr_strided_walk *w)
{
    int32_t d;
    for (d = w->rank - 1; d >= 0; --d) {
        if (d == w->inner) {
            continue;
        }
        if (++w->idx[d] < w->shape[d]) {
            w->off += w->x_stride[d];
            w->yo += w->y_stride[d];
            return 1;
        }
        w->off -= (w->idx[d] - 1) * w->x_stride[d];
        w->yo -= (w->idx[d] - 1) * w->y_stride[d];
        w->idx[d] = 0;
    }
    return 0;
}

/* Non-zero when rank and shape are valid, the output count fits in int32_t, the smallest
 * index read is >= 0, and in_offset + sum(max(0, out_shape[d] * in_stride[d])) (an upper
 * bound of every offset the walk forms, including one step past each row) fits too. */
static inline int tsr_strided_copy_params_ok(const tsr_strided_copy_params *p)
{
    int64_t lo, hi;
    int32_t d, total = 1;
    if (p->rank < 1 || p->rank > TSR_MAX_RANK || p->in_offset < 0) {
        return 0;
    }
    lo = p->in_offset;
    hi = p->in_offset;
    for (d = 0; d < p->rank; ++d) {
        const int64_t s = p->in_stride[d];
        const int64_t span = (int64_t)p->out_shape[d] * s;
        total = tsr_mul(total, p->out_shape[d]);
        if (total < 0 || span > INT32_MAX || span < -(int64_t)INT32_MAX) {
            return 0;
        }
        if (s < 0) {
            lo += span - s; /* (out_shape[d] - 1) * s */
        } else {
            hi += span;
        }
    }
    return lo >= 0 && hi <= INT32_MAX;
}


/* Non-zero when rank, shapes and pads are valid, both element counts fit in int32_t and so
 * does the output's size in bytes (elem_bytes > 0). */
static inline int tsr_pad_params_ok(const tsr_pad_params *p)
{
    int32_t d, in_total = 1, out_total = 1;
    if (p->rank < 1 || p->rank > TSR_MAX_RANK || p->elem_bytes <= 0) {
        return 0;
    }
    for (d = 0; d < p->rank; ++d) {
        const int32_t in = p->in_shape[d], pb = p->pad_begin[d];
        in_total = tsr_mul(in_total, in);
        out_total = tsr_mul(out_total, p->out_shape[d]);
        if (in_total < 0 || out_total < 0 || pb < 0 || pb > p->out_shape[d] - in) {
            return 0;
        }
    }
    return out_total <= INT32_MAX / p->elem_bytes;
}


/* Non-zero when the sizes are positive, both tensors' sizes in bytes fit in int32_t and the
 * index tables stay inside the input. */
static inline int tsr_resize_params_ok(const tsr_resize_nearest_params *p)
{
    const int32_t pixel = tsr_mul(p->channels, p->elem_bytes);
    int32_t i;
    if (tsr_mul(tsr_mul(tsr_mul(p->batch, p->in_h), p->in_w), pixel) <= 0 ||
        tsr_mul(tsr_mul(tsr_mul(p->batch, p->out_h), p->out_w), pixel) <= 0) {
        return 0;
    }
    for (i = 0; i < p->out_h; ++i) {
        if (p->src_h[i] < 0 || p->src_h[i] >= p->in_h) {
            return 0;
        }
    }
    for (i = 0; i < p->out_w; ++i) {
        if (p->src_w[i] < 0 || p->src_w[i] >= p->in_w) {
            return 0;
        }
    }
    return 1;
}


#endif /* TSR_CHECKS_H */
