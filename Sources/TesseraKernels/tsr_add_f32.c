/*
 * Tessera runtime: elementwise addition with numpy broadcasting, FP32 (ONNX Add).
 * The output is produced in its natural row-major order and every element's operands are
 * read before that element is written, so y may alias an operand that is dense and has
 * the full output shape.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

/* Total output elements, or -1 when the shape, strides or activation are invalid or an
 * operand offset could leave int32_t. */
static int32_t add_check(const tsr_binary_params *p)
{
    int32_t d, total = 1, a_reach = 0, b_reach = 0;
    if (p->rank < 0 || p->rank > TSR_MAX_RANK || !tsr_act_valid(&p->act)) {
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
 * axes and is dense over it (a per-channel bias [C, 1, 1] against [N, C, H, W], a row
 * [C] against [N, C], a scalar, ...). The output is then viewed as [outer][mid][inner]
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

/* y = x + v[mid index] over an [outer][mid][inner] view; x dense. */
static void add_block(const float *x, const float *v, float *y, int32_t outer, int32_t mid,
                      int32_t inner)
{
    int32_t o, c, i;
    for (o = 0; o < outer; ++o) {
        for (c = 0; c < mid; ++c) {
            const float vc = v[c];
            for (i = 0; i < inner; ++i) {
                y[i] = x[i] + vc;
            }
            x += inner;
            y += inner;
        }
    }
}

/* Any strides: a row-major walk over all axes but the last, a strided loop along it. */
static void add_strided(const tsr_binary_params *p, const float *a, const float *b, float *y)
{
    int32_t idx[TSR_MAX_RANK] = {0};
    const int32_t last = p->rank - 1;
    const int32_t n = p->shape[last], sa = p->a_stride[last], sb = p->b_stride[last];
    int32_t a_off = 0, b_off = 0, d, i;
    for (;;) {
        int32_t ai = a_off, bi = b_off;
        for (i = 0; i < n; ++i, ai += sa, bi += sb) {
            y[i] = a[ai] + b[bi];
        }
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

int tsr_add_f32(const tsr_binary_params *p, const float *a, const float *b, float *y)
{
    int32_t total, outer, mid, inner, i;

    if (p == NULL || a == NULL || b == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    total = add_check(p);
    if (total <= 0) {
        return TSR_ERR_PARAM;
    }
    if (is_dense(p, p->a_stride) && is_dense(p, p->b_stride)) {
        for (i = 0; i < total; ++i) {
            y[i] = a[i] + b[i];
        }
    } else if (is_dense(p, p->a_stride) && is_block(p, p->b_stride, &outer, &mid, &inner)) {
        add_block(a, b, y, outer, mid, inner);
    } else if (is_dense(p, p->b_stride) && is_block(p, p->a_stride, &outer, &mid, &inner)) {
        add_block(b, a, y, outer, mid, inner); /* float addition is commutative */
    } else {
        add_strided(p, a, b, y);
        return TSR_OK; /* activation already applied row by row */
    }
    tsr_act_apply_n(&p->act, y, total);
    return TSR_OK;
}
