/*
 * Tessera runtime: helpers shared by the kernel files (static inline only, not public API).
 * Portable C99. No allocation, no global state.
 */
#ifndef TSR_INTERNAL_H
#define TSR_INTERNAL_H

#include <math.h>
#include <stdint.h>

#include "tsr_kernels.h"

/* A static function inlined into each caller, so that a constant argument (a NULL
 * residual, say) specialises its body: the variant without the option costs nothing. */
#if defined(__GNUC__)
#define TSR_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define TSR_ALWAYS_INLINE inline
#endif

/* A static function kept out of line: each specialisation of an inlined body gets its own
 * registers (a function that holds several of them spills in their loops). */
#if defined(__GNUC__)
#define TSR_NOINLINE __attribute__((noinline))
#else
#define TSR_NOINLINE
#endif

/* Lowest finite float (-FLT_MAX), spelled out so that <float.h> is not needed. */
#define TSR_FLT_LOWEST (-3.40282347e+38f)

/* Product of two positive sizes, or -1 when an operand is not positive or the product
 * does not fit in int32_t. -1 propagates, so checks chain: tsr_mul(tsr_mul(a, b), c). */
static inline int32_t tsr_mul(int32_t a, int32_t b)
{
    if (a <= 0 || b <= 0 || a > INT32_MAX / b) {
        return -1;
    }
    return a * b;
}

/* ---- activations ------------------------------------------------------------------- */

/* Non-zero when the activation descriptor is one the kernels know. */
static inline int tsr_act_valid(const tsr_act *act)
{
    switch (act->kind) {
    case TSR_ACT_NONE:
    case TSR_ACT_RELU:
    case TSR_ACT_CLIP:
    case TSR_ACT_SIGMOID:
    case TSR_ACT_TANH:
    case TSR_ACT_HARDSIGMOID:
    case TSR_ACT_HARDSWISH:
    case TSR_ACT_LEAKY_RELU:
    case TSR_ACT_SILU:
    case TSR_ACT_ABS:
    case TSR_ACT_NEG:
    case TSR_ACT_EXP:
    case TSR_ACT_LOG:
    case TSR_ACT_SQRT:
    case TSR_ACT_RECIPROCAL:
    case TSR_ACT_ELU:
    case TSR_ACT_SELU:
    case TSR_ACT_SOFTPLUS:
    case TSR_ACT_SOFTSIGN:
    case TSR_ACT_ERF:
    case TSR_ACT_FLOOR:
    case TSR_ACT_CEIL:
    case TSR_ACT_GELU:
        return 1;
    default:
        return 0;
    }
}

/* ReLU and clip written so that NaN passes through unchanged (comparisons with NaN are
 * false): a NaN produced upstream stays visible instead of being laundered into a number.
 * The same holds for every activation below. */
static inline float tsr_relu(float v)
{
    return v < 0.0f ? 0.0f : v;
}

static inline float tsr_clip(float v, float lo, float hi)
{
    if (v < lo) {
        v = lo;
    }
    if (v > hi) {
        v = hi;
    }
    return v;
}

/* 1 / (1 + exp(-v)) evaluated through e = exp(-|v|) <= 1, so that nothing overflows for
 * large |v|: 1 / (1 + e) for v >= 0, e / (1 + e) for v < 0. */
static inline float tsr_sigmoid(float v)
{
    const float e = expf(-fabsf(v));
    return v >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
}

static inline float tsr_hardsigmoid(float v, float alpha, float beta)
{
    return tsr_clip(alpha * v + beta, 0.0f, 1.0f);
}

static inline float tsr_hardswish(float v)
{
    return v * tsr_clip(v / 6.0f + 0.5f, 0.0f, 1.0f);
}

static inline float tsr_leaky_relu(float v, float alpha)
{
    return v < 0.0f ? alpha * v : v;
}

/* v * sigmoid(v): the stable sigmoid keeps this finite for every finite v. */
static inline float tsr_silu(float v)
{
    return v * tsr_sigmoid(v);
}

/* exp(v) - 1 scaled by alpha for v < 0, v otherwise (ELU). */
static inline float tsr_elu(float v, float alpha)
{
    return v < 0.0f ? alpha * (expf(v) - 1.0f) : v;
}

/* log(1 + exp(v)) without overflow: v + log(1 + exp(-v)) for large v. */
static inline float tsr_softplus(float v)
{
    return v > 20.0f ? v + log1pf(expf(-v)) : log1pf(expf(v));
}

/* GELU, exact (erf) or, with tanh_form, the tanh approximation. */
static inline float tsr_gelu(float v, int tanh_form)
{
    if (tanh_form) {
        return 0.5f * v * (1.0f + tanhf(0.7978845608f * (v + 0.044715f * v * v * v)));
    }
    return 0.5f * v * (1.0f + erff(v * 0.7071067812f));
}

/* Apply an activation (validated beforehand with tsr_act_valid) to one value. */
static inline float tsr_act_apply(const tsr_act *act, float v)
{
    switch (act->kind) {
    case TSR_ACT_RELU:
        return tsr_relu(v);
    case TSR_ACT_CLIP:
        return tsr_clip(v, act->min, act->max);
    case TSR_ACT_SIGMOID:
        return tsr_sigmoid(v);
    case TSR_ACT_TANH:
        return tanhf(v);
    case TSR_ACT_HARDSIGMOID:
        return tsr_hardsigmoid(v, act->alpha, act->beta);
    case TSR_ACT_HARDSWISH:
        return tsr_hardswish(v);
    case TSR_ACT_LEAKY_RELU:
        return tsr_leaky_relu(v, act->alpha);
    case TSR_ACT_SILU:
        return tsr_silu(v);
    case TSR_ACT_ABS:
        return fabsf(v);
    case TSR_ACT_NEG:
        return -v;
    case TSR_ACT_EXP:
        return expf(v);
    case TSR_ACT_LOG:
        return logf(v);
    case TSR_ACT_SQRT:
        return sqrtf(v);
    case TSR_ACT_RECIPROCAL:
        return 1.0f / v;
    case TSR_ACT_ELU:
        return tsr_elu(v, act->alpha);
    case TSR_ACT_SELU:
        return act->beta * (v > 0.0f ? v : act->alpha * (expf(v) - 1.0f));
    case TSR_ACT_SOFTPLUS:
        return tsr_softplus(v);
    case TSR_ACT_SOFTSIGN:
        return v / (1.0f + fabsf(v));
    case TSR_ACT_ERF:
        return erff(v);
    case TSR_ACT_FLOOR:
        return floorf(v);
    case TSR_ACT_CEIL:
        return ceilf(v);
    case TSR_ACT_GELU:
        return tsr_gelu(v, act->alpha != 0.0f);
    case TSR_ACT_NONE:
    default:
        return v;
    }
}

/* y[i] = act(x[i]) for n contiguous values, with the dispatch outside the loops. y may
 * alias x (each element is read before it is written). */
static inline void tsr_act_map(const tsr_act *act, const float *x, float *y, int32_t n)
{
    int32_t i;
    switch (act->kind) {
    case TSR_ACT_RELU:
        for (i = 0; i < n; ++i) {
            y[i] = tsr_relu(x[i]);
        }
        break;
    case TSR_ACT_CLIP: {
        const float lo = act->min, hi = act->max;
        for (i = 0; i < n; ++i) {
            y[i] = tsr_clip(x[i], lo, hi);
        }
        break;
    }
    case TSR_ACT_SIGMOID:
        for (i = 0; i < n; ++i) {
            y[i] = tsr_sigmoid(x[i]);
        }
        break;
    case TSR_ACT_TANH:
        for (i = 0; i < n; ++i) {
            y[i] = tanhf(x[i]);
        }
        break;
    case TSR_ACT_HARDSIGMOID: {
        const float alpha = act->alpha, beta = act->beta;
        for (i = 0; i < n; ++i) {
            y[i] = tsr_hardsigmoid(x[i], alpha, beta);
        }
        break;
    }
    case TSR_ACT_HARDSWISH:
        for (i = 0; i < n; ++i) {
            y[i] = tsr_hardswish(x[i]);
        }
        break;
    case TSR_ACT_LEAKY_RELU: {
        const float alpha = act->alpha;
        for (i = 0; i < n; ++i) {
            y[i] = tsr_leaky_relu(x[i], alpha);
        }
        break;
    }
    case TSR_ACT_SILU:
        for (i = 0; i < n; ++i) {
            y[i] = tsr_silu(x[i]);
        }
        break;
    case TSR_ACT_NONE:
        if (x != y) {
            for (i = 0; i < n; ++i) {
                y[i] = x[i];
            }
        }
        break;
    default:
        /* The math functions (exp, log, erf, ...): their cost dwarfs the dispatch. */
        for (i = 0; i < n; ++i) {
            y[i] = tsr_act_apply(act, x[i]);
        }
        break;
    }
}

/* Apply an activation in place to n contiguous values. */
static inline void tsr_act_apply_n(const tsr_act *act, float *y, int32_t n)
{
    if (act->kind != TSR_ACT_NONE) {
        tsr_act_map(act, y, y, n);
    }
}

/* ---- sliding windows (conv, pool) -------------------------------------------------- */

/* Geometry of one spatial axis of a sliding window: non-zero when the sizes are positive,
 * the pads are non-negative and all coordinate arithmetic stays well inside int32_t:
 * in + pad_begin, in + pad_end, and o * stride + t * dilation for o <= out, t <= kernel,
 * plus in. */
static inline int tsr_window_axis_ok(int32_t in, int32_t out, int32_t kernel, int32_t stride,
                                     int32_t dilation, int32_t pad_begin, int32_t pad_end)
{
    int32_t reach_o, reach_t;
    if (in <= 0 || out <= 0 || kernel <= 0 || stride <= 0 || dilation <= 0 || pad_begin < 0 ||
        pad_end < 0 || pad_begin > INT32_MAX - in || pad_end > INT32_MAX - in) {
        return 0;
    }
    reach_o = tsr_mul(out, stride);
    reach_t = tsr_mul(kernel, dilation);
    return reach_o > 0 && reach_t > 0 && reach_o <= INT32_MAX - in - reach_t;
}

/* Validation shared by every NHWC window kernel: both axes, and element counts of input
 * [batch][in_h][in_w][in_c], output [batch][out_h][out_w][out_c] and one kernel plane
 * that fit in int32_t. */
static inline int tsr_window_ok(const tsr_window *w, int32_t in_c, int32_t out_c)
{
    if (w->batch <= 0 || in_c <= 0 || out_c <= 0) {
        return 0;
    }
    if (!tsr_window_axis_ok(w->in_h, w->out_h, w->kernel_h, w->stride_h, w->dilation_h,
                            w->pad_top, w->pad_bottom) ||
        !tsr_window_axis_ok(w->in_w, w->out_w, w->kernel_w, w->stride_w, w->dilation_w,
                            w->pad_left, w->pad_right)) {
        return 0;
    }
    return tsr_mul(tsr_mul(tsr_mul(w->batch, w->in_h), w->in_w), in_c) > 0 &&
           tsr_mul(tsr_mul(tsr_mul(w->batch, w->out_h), w->out_w), out_c) > 0 &&
           tsr_mul(w->kernel_h, w->kernel_w) > 0;
}

/* For a window whose first tap sits at input coordinate `start` (may be negative) with taps
 * start + t * dilation, t in [0, kernel), compute the tap range [*t_lo, *t_hi) that lands
 * inside [0, in). The range is empty (*t_lo == *t_hi) when no tap lands inside. */
static inline void tsr_tap_range(int32_t start, int32_t dilation, int32_t kernel, int32_t in,
                                 int32_t *t_lo, int32_t *t_hi)
{
    int32_t lo = 0;
    int32_t hi = kernel;
    if (dilation == 1) { /* no division */
        lo = start < 0 ? -start : 0;
        hi = in - start < kernel ? in - start : kernel;
        hi = hi < 0 ? 0 : hi;
        *t_lo = lo < hi ? lo : hi;
        *t_hi = hi;
        return;
    }
    if (start < 0) {
        lo = (-start - 1) / dilation + 1; /* ceil(-start / dilation) */
    }
    if (start >= in) {
        hi = 0;
    } else {
        int32_t last = (in - 1 - start) / dilation + 1; /* taps with coordinate <= in - 1 */
        if (last < hi) {
            hi = last;
        }
    }
    if (lo > hi) {
        lo = hi;
    }
    *t_lo = lo;
    *t_hi = hi;
}

/* Validation shared by the 2-D pools. */
static inline int tsr_pool2d_params_ok(const tsr_pool2d_params *p)
{
    return tsr_window_ok(&p->win, p->channels, p->channels);
}

/* [*lo, *hi): the outputs o in [0, out) whose taps o * stride - pad + [0, span) all lie
 * in [0, in) (pad >= 0, stride >= 1). */
static inline void tsr_inside_outputs(int32_t in, int32_t out, int32_t span, int32_t stride,
                                      int32_t pad, int32_t *lo, int32_t *hi)
{
    const int32_t room = in - span + pad; /* the last start o * stride may reach */
    int32_t l = (pad + stride - 1) / stride, h = room < 0 ? 0 : room / stride + 1;
    if (h > out) {
        h = out;
    }
    if (l > h) {
        l = h;
    }
    *lo = l;
    *hi = h;
}

#endif /* TSR_INTERNAL_H */
