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
static int op_valid(tsr_binary_op op)
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
static int32_t binary_check(const tsr_binary_params *p)
{
    int32_t d, total = 1, a_reach = 0, b_reach = 0;
    if (!op_valid(p->op) || p->rank < 0 || p->rank > TSR_MAX_RANK || !tsr_act_valid(&p->act)) {
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
static int is_dense(const tsr_binary_params *p, const int32_t *stride)
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
static int is_block(const tsr_binary_params *p, const int32_t *stride, int32_t *outer,
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
    total = binary_check(p);
    if (total <= 0) {
        return TSR_ERR_PARAM;
    }
    if (is_dense(p, p->a_stride) && is_dense(p, p->b_stride)) {
        binary_dense(p->op, a, b, y, total);
    } else if (is_dense(p, p->a_stride) && is_block(p, p->b_stride, &outer, &mid, &inner)) {
        if (inner == 1) {
            binary_rows(p->op, 0, a, b, y, outer, mid);
        } else {
            binary_block(p->op, 0, a, b, y, outer, mid, inner);
        }
    } else if (is_dense(p, p->b_stride) && is_block(p, p->a_stride, &outer, &mid, &inner)) {
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
