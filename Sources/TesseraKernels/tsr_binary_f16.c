/*
 * Tessera runtime: elementwise binary op with numpy broadcasting, FP16 (ONNX Add, Sub, Mul,
 * Div, Max, Min, Pow, PRelu), followed by an activation. Each element is computed in float
 * from the two halves, the activation applied in float, and the result rounded to half
 * once (the FP32 kernel's arithmetic on the same values). Division follows IEEE 754 (x / 0
 * is inf or NaN). The output is produced in its natural row-major order, through a float
 * buffer of TSR_F16_BLOCK elements, and every element's operands are read before that
 * element is written, so y may alias an operand that is dense and has the full output
 * shape.
 */
#include <math.h>
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_simd.h"

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

/* y[i] = act(a[i * sa] op b[i * sb]) for i < n, TSR_F16_BLOCK elements at a time. */
static void binary_row(const tsr_binary_params *p, const tsr_f16 *a, int32_t sa,
                       const tsr_f16 *b, int32_t sb, tsr_f16 *y, int32_t n)
{
    float buf[TSR_F16_BLOCK];
    int32_t i0, i, ai = 0, bi = 0;
    for (i0 = 0; i0 < n; i0 += TSR_F16_BLOCK) {
        const int32_t nb = n - i0 < TSR_F16_BLOCK ? n - i0 : TSR_F16_BLOCK;
#define TSR_LOOP(OP)                                    \
    for (i = 0; i < nb; ++i, ai += sa, bi += sb) {      \
        const float u = tsr_h2f(a[ai]);                 \
        const float v = tsr_h2f(b[bi]);                 \
        buf[i] = OP(u, v);                              \
    }
        TSR_BINARY_SWITCH(p->op, TSR_LOOP)
#undef TSR_LOOP
        tsr_f16_act_store(&p->act, buf, y + i0, nb);
    }
}

/* Any strides: a row-major walk over all axes but the last, a strided row along it. */
static void binary_strided(const tsr_binary_params *p, const tsr_f16 *a, const tsr_f16 *b,
                           tsr_f16 *y)
{
    int32_t idx[TSR_MAX_RANK] = {0};
    const int32_t last = p->rank - 1;
    const int32_t n = p->shape[last], sa = p->a_stride[last], sb = p->b_stride[last];
    int32_t a_off = 0, b_off = 0, d;
    for (;;) {
        binary_row(p, a + a_off, sa, b + b_off, sb, y, n);
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

int tsr_binary_f16(const tsr_binary_params *p, const tsr_f16 *a, const tsr_f16 *b, tsr_f16 *y)
{
    int32_t total, outer, mid, inner, o, c;

    if (p == NULL || a == NULL || b == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    total = binary_check(p);
    if (total <= 0) {
        return TSR_ERR_PARAM;
    }
    if (p->rank == 0 || (is_dense(p, p->a_stride) && is_dense(p, p->b_stride))) {
        binary_row(p, a, 1, b, 1, y, total);
    } else if (is_dense(p, p->a_stride) && is_block(p, p->b_stride, &outer, &mid, &inner)) {
        /* y = a op v[mid]: a row of inner against one value, or (inner == 1) a row of mid
         * against v. */
        for (o = 0; o < outer; ++o) {
            if (inner == 1) {
                binary_row(p, a, 1, b, 1, y, mid);
                a += mid;
                y += mid;
                continue;
            }
            for (c = 0; c < mid; ++c, a += inner, y += inner) {
                binary_row(p, a, 1, b + c, 0, y, inner);
            }
        }
    } else if (is_dense(p, p->b_stride) && is_block(p, p->a_stride, &outer, &mid, &inner)) {
        /* y = v[mid] op b, the same with the operands' roles swapped. */
        for (o = 0; o < outer; ++o) {
            if (inner == 1) {
                binary_row(p, a, 1, b, 1, y, mid);
                b += mid;
                y += mid;
                continue;
            }
            for (c = 0; c < mid; ++c, b += inner, y += inner) {
                binary_row(p, a + c, 0, b, 1, y, inner);
            }
        }
    } else {
        binary_strided(p, a, b, y);
    }
    return TSR_OK;
}
