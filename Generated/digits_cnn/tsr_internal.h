/*
 * Tessera runtime: helpers shared by the kernel files (static inline only, not public API).
 * Portable C99. No allocation, no global state.
 */
#ifndef TSR_INTERNAL_H
#define TSR_INTERNAL_H

#include <stdint.h>

#include "tsr_kernels.h"

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

/* Non-zero when the activation descriptor is one the kernels know. */
static inline int tsr_act_valid(const tsr_act *act)
{
    return act->kind == TSR_ACT_NONE || act->kind == TSR_ACT_RELU || act->kind == TSR_ACT_CLIP;
}

/* ReLU and clip written so that NaN passes through unchanged (comparisons with NaN are
 * false): a NaN produced upstream stays visible instead of being laundered into a number. */
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

/* Apply a fused activation (validated beforehand with tsr_act_valid) to one value. */
static inline float tsr_act_apply(const tsr_act *act, float v)
{
    switch (act->kind) {
    case TSR_ACT_RELU:
        return tsr_relu(v);
    case TSR_ACT_CLIP:
        return tsr_clip(v, act->min, act->max);
    case TSR_ACT_NONE:
    default:
        return v;
    }
}

/* Apply a fused activation in place to n contiguous values. */
static inline void tsr_act_apply_n(const tsr_act *act, float *y, int32_t n)
{
    int32_t i;
    if (act->kind == TSR_ACT_RELU) {
        for (i = 0; i < n; ++i) {
            y[i] = tsr_relu(y[i]);
        }
    } else if (act->kind == TSR_ACT_CLIP) {
        for (i = 0; i < n; ++i) {
            y[i] = tsr_clip(y[i], act->min, act->max);
        }
    }
}

/* Geometry of one spatial axis of a sliding window (conv, pool): non-zero when the sizes
 * are positive, the pad is non-negative and all coordinate arithmetic stays well inside
 * int32_t: in + pad, and o * stride + t * dilation for o <= out, t <= kernel, plus in. */
static inline int tsr_window_axis_ok(int32_t in, int32_t out, int32_t kernel, int32_t stride,
                                     int32_t dilation, int32_t pad)
{
    int32_t reach_o, reach_t;
    if (in <= 0 || out <= 0 || kernel <= 0 || stride <= 0 || dilation <= 0 || pad < 0 ||
        pad > INT32_MAX - in) {
        return 0;
    }
    reach_o = tsr_mul(out, stride);
    reach_t = tsr_mul(kernel, dilation);
    return reach_o > 0 && reach_t > 0 && reach_o <= INT32_MAX - in - reach_t;
}

/* For a window whose first tap sits at input coordinate `start` (may be negative) with taps
 * start + t * dilation, t in [0, kernel), compute the tap range [*t_lo, *t_hi) that lands
 * inside [0, in). The range is empty (*t_lo == *t_hi) when no tap lands inside. */
static inline void tsr_tap_range(int32_t start, int32_t dilation, int32_t kernel, int32_t in,
                                 int32_t *t_lo, int32_t *t_hi)
{
    int32_t lo = 0;
    int32_t hi = kernel;
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

/* Validation shared by the 2-D pools: geometry on both axes, non-negative end pads that
 * keep in + pad in int32_t, and element counts that fit in int32_t. */
static inline int tsr_pool2d_params_ok(const tsr_pool2d_params *p)
{
    if (p->batch <= 0 || p->channels <= 0 || p->pad_bottom < 0 || p->pad_right < 0 ||
        p->pad_bottom > INT32_MAX - p->in_h || p->pad_right > INT32_MAX - p->in_w) {
        return 0;
    }
    if (!tsr_window_axis_ok(p->in_h, p->out_h, p->kernel_h, p->stride_h, p->dilation_h,
                            p->pad_top) ||
        !tsr_window_axis_ok(p->in_w, p->out_w, p->kernel_w, p->stride_w, p->dilation_w,
                            p->pad_left)) {
        return 0;
    }
    return tsr_mul(tsr_mul(tsr_mul(p->batch, p->channels), p->in_h), p->in_w) > 0 &&
           tsr_mul(tsr_mul(tsr_mul(p->batch, p->channels), p->out_h), p->out_w) > 0 &&
           tsr_mul(p->kernel_h, p->kernel_w) > 0;
}

#endif /* TSR_INTERNAL_H */
