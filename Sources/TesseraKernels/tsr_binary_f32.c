/*
 * Tessera runtime: elementwise binary op with numpy broadcasting, FP32 (ONNX Add, Sub, Mul,
 * Div, Max, Min, Pow, PRelu), followed by an activation. Division follows IEEE 754 (x / 0 is inf or NaN).
 * The output is produced in its natural row-major order and every element's operands are
 * read before that element is written, so y may alias an operand that is dense and has
 * the full output shape.
 */
#include <math.h>
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_checks.h"

/* y = a op b, both dense. */
static void binary_dense(tsr_binary_op op, const float *a, const float *b, float *y,
                         int32_t total)
{
    int32_t i;
#define TSR_LOOP(OP)                    \
    for (i = 0; i < total; ++i) {       \
        y[i] = OP(a[i], b[i]);          \
    }
    TSR_BINARY_SWITCH(op, TSR_LOOP)
#undef TSR_LOOP
}

/* Over an [outer][mid][inner] view (inner > 1) with x dense and v indexed by mid:
 * y = x op v[mid] (v_left == 0) or y = v[mid] op x (v_left != 0). */
static void binary_block(tsr_binary_op op, int v_left, const float *x, const float *v,
                         float *y, int32_t outer, int32_t mid, int32_t inner)
{
    int32_t o, c, i;
#define TSR_LOOP(OP)                          \
    for (o = 0; o < outer; ++o) {             \
        for (c = 0; c < mid; ++c) {           \
            const float vc = v[c];            \
            if (v_left) {                     \
                for (i = 0; i < inner; ++i) { \
                    y[i] = OP(vc, x[i]);      \
                }                             \
            } else {                          \
                for (i = 0; i < inner; ++i) { \
                    y[i] = OP(x[i], vc);      \
                }                             \
            }                                 \
            x += inner;                       \
            y += inner;                       \
        }                                     \
    }
    TSR_BINARY_SWITCH(op, TSR_LOOP)
#undef TSR_LOOP
}

/* The same view with inner == 1 (v runs along the innermost axis, e.g. a per-channel
 * operand on NHWC): the inner loop runs over v. */
static void binary_rows(tsr_binary_op op, int v_left, const float *x, const float *v,
                        float *y, int32_t outer, int32_t mid)
{
    int32_t o, c;
#define TSR_LOOP(OP)                      \
    for (o = 0; o < outer; ++o) {         \
        if (v_left) {                     \
            for (c = 0; c < mid; ++c) {   \
                y[c] = OP(v[c], x[c]);    \
            }                             \
        } else {                          \
            for (c = 0; c < mid; ++c) {   \
                y[c] = OP(x[c], v[c]);    \
            }                             \
        }                                 \
        x += mid;                         \
        y += mid;                         \
    }
    TSR_BINARY_SWITCH(op, TSR_LOOP)
#undef TSR_LOOP
}

/* Any strides: a row-major walk over all axes but the last, a strided loop along it, the
 * activation applied row by row. */
static void binary_strided(const tsr_binary_params *p, const float *a, const float *b,
                           float *y)
{
    int32_t idx[TSR_MAX_RANK] = {0};
    const int32_t last = p->rank - 1;
    const int32_t n = p->shape[last], sa = p->a_stride[last], sb = p->b_stride[last];
    int32_t a_off = 0, b_off = 0, d, i;
    for (;;) {
        int32_t ai = a_off, bi = b_off;
#define TSR_LOOP(OP)                                  \
    for (i = 0; i < n; ++i, ai += sa, bi += sb) {     \
        y[i] = OP(a[ai], b[bi]);                      \
    }
        TSR_BINARY_SWITCH(p->op, TSR_LOOP)
#undef TSR_LOOP
        tsr_act_apply_n(&p->act, y, n);
        y += n;
        for (d = last - 1; d >= 0; --d) {
            if (++idx[d] < p->shape[d]) {
                a_off += p->a_stride[d];
                b_off += p->b_stride[d];
                break;
            }
            a_off -= (idx[d] - 1) * p->a_stride[d];
            b_off -= (idx[d] - 1) * p->b_stride[d];
            idx[d] = 0;
        }
        if (d < 0) {
            return;
        }
    }
}

int tsr_binary_f32(const tsr_binary_params *p, const float *a, const float *b, float *y)
{
    int32_t total, outer, mid, inner;

    if (p == NULL || a == NULL || b == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    total = tsr_binary_check(p);
    if (total <= 0) {
        return TSR_ERR_PARAM;
    }
    if (tsr_binary_is_dense(p, p->a_stride) && tsr_binary_is_dense(p, p->b_stride)) {
        binary_dense(p->op, a, b, y, total);
    } else if (tsr_binary_is_dense(p, p->a_stride) && tsr_binary_is_block(p, p->b_stride, &outer, &mid, &inner)) {
        if (inner == 1) {
            binary_rows(p->op, 0, a, b, y, outer, mid);
        } else {
            binary_block(p->op, 0, a, b, y, outer, mid, inner);
        }
    } else if (tsr_binary_is_dense(p, p->b_stride) && tsr_binary_is_block(p, p->a_stride, &outer, &mid, &inner)) {
        if (inner == 1) {
            binary_rows(p->op, 1, b, a, y, outer, mid);
        } else {
            binary_block(p->op, 1, b, a, y, outer, mid, inner);
        }
    } else {
        binary_strided(p, a, b, y);
        return TSR_OK; /* activation already applied row by row */
    }
    tsr_act_apply_n(&p->act, y, total);
    return TSR_OK;
}
