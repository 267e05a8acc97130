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
#include "tsr_checks.h"
#include "tsr_simd.h"

#if TSR_SIMD == TSR_SIMD_HELIUM && TSR_HELIUM_F16
/* Add, subtract and multiply of dense rows on half lanes: the half result of one IEEE
 * operation on two halves is the float result rounded to half (float's significand holds
 * the exact product and more than 2 * 11 + 2 bits of any sum), and the inline activations,
 * applied as a clamp to bounds rounded to half, commute with that rounding (it is
 * monotone). Returns 0 when the row does not qualify. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int binary_row_mve(const tsr_binary_params *p, const tsr_f16 *a, int32_t sa,
                          const tsr_f16 *b, int32_t sb, tsr_f16 *y, int32_t n)
{
    tsr_mve_clamp_f16 k;
    int32_t i;
    if (sa != 1 || (sb != 1 && sb != 0) || !tsr_mve_act_inline(&p->act) ||
        (p->op != TSR_BINARY_ADD && p->op != TSR_BINARY_SUB && p->op != TSR_BINARY_MUL)) {
        return 0;
    }
    k = tsr_mve_clamp_of(&p->act);
    /* Whole vectors unpredicated and counted down (a low-overhead loop), then one
     * predicated tail: a predicate per vector costs the loop several instructions. */
#define TSR_MVE_LOOP(VOP, LOAD_B, LOAD_B_Z)                                                \
    for (i = n >> 3; i > 0; --i, a += 8, b += 8 * sb, y += 8) {                            \
        const float16x8_t u = vld1q_f16(TSR_MVE_CH(a));                                    \
        vst1q_f16(TSR_MVE_H(y), tsr_mve_clamp(k, VOP(u, LOAD_B)));                         \
    }                                                                                      \
    if ((n & 7) != 0) {                                                                    \
        const mve_pred16_t m = vctp16q((uint32_t)(n & 7));                                 \
        const float16x8_t u = vldrhq_z_f16(TSR_MVE_CH(a), m);                              \
        vstrhq_p_f16(TSR_MVE_H(y), tsr_mve_clamp(k, VOP(u, LOAD_B_Z)), m);                 \
    }
#define TSR_MVE_LOOPS(VOP)                                                                 \
    if (sb == 0) {                                                                         \
        const float16x8_t v = vdupq_n_f16(tsr_mve_scalar(b));                              \
        TSR_MVE_LOOP(VOP, v, v)                                                            \
    } else {                                                                               \
        TSR_MVE_LOOP(VOP, vld1q_f16(TSR_MVE_CH(b)), vldrhq_z_f16(TSR_MVE_CH(b), m))        \
    }
    switch (p->op) {
    case TSR_BINARY_ADD:
        TSR_MVE_LOOPS(vaddq_f16)
        break;
    case TSR_BINARY_SUB:
        TSR_MVE_LOOPS(vsubq_f16)
        break;
    default:
        TSR_MVE_LOOPS(vmulq_f16)
        break;
    }
#undef TSR_MVE_LOOPS
#undef TSR_MVE_LOOP
    return 1;
}
#endif

/* y[i] = act(a[i * sa] op b[i * sb]) for i < n, TSR_F16_BLOCK elements at a time. */
static void binary_row(const tsr_binary_params *p, const tsr_f16 *a, int32_t sa,
                       const tsr_f16 *b, int32_t sb, tsr_f16 *y, int32_t n)
{
    float buf[TSR_F16_BLOCK];
    int32_t i0, i, ai = 0, bi = 0;
#if TSR_SIMD == TSR_SIMD_HELIUM && TSR_HELIUM_F16
    if (binary_row_mve(p, a, sa, b, sb, y, n)) {
        return;
    }
#endif
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
    total = tsr_binary_check(p);
    if (total <= 0) {
        return TSR_ERR_PARAM;
    }
    if (p->rank == 0 || (tsr_binary_is_dense(p, p->a_stride) && tsr_binary_is_dense(p, p->b_stride))) {
        binary_row(p, a, 1, b, 1, y, total);
    } else if (tsr_binary_is_dense(p, p->a_stride) && tsr_binary_is_block(p, p->b_stride, &outer, &mid, &inner)) {
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
    } else if (tsr_binary_is_dense(p, p->b_stride) && tsr_binary_is_block(p, p->a_stride, &outer, &mid, &inner)) {
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
