/*
 * Tessera runtime: 2-D convolution, NHWC, FP32 (ONNX Conv: zero padding, stride, dilation,
 * groups). Weights are OHWI, [out_c][kernel_h][kernel_w][in_c / groups], so the innermost
 * loop is a dot product over contiguous input channels of both the input pixel and the
 * filter tap. Each output is the float sum over the taps inside the input (kernel row,
 * kernel column, input channel order), plus the bias, then the activation.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

static int conv2d_params_ok(const tsr_conv2d_params *p)
{
    int32_t in_cg;
    if (p->in_c <= 0 || p->out_c <= 0 || p->groups <= 0 || p->in_c % p->groups != 0 ||
        p->out_c % p->groups != 0 || !tsr_act_valid(&p->act) ||
        !tsr_window_ok(&p->win, p->in_c, p->out_c)) {
        return 0;
    }
    in_cg = p->in_c / p->groups;
    /* The weight count must fit in int32_t as well. */
    return tsr_mul(tsr_mul(tsr_mul(p->out_c, p->win.kernel_h), p->win.kernel_w), in_cg) > 0;
}

int tsr_conv2d_f32(const tsr_conv2d_params *p, const float *input, const float *weights,
                   const float *bias, const float *residual, float *output)
{
    const tsr_window *w;
    int32_t q, pixels, oc, kh, kw, ic;
    int32_t in_c, in_cg, out_cg, in_row, in_image, w_row, w_per_oc;

    if (p == NULL || input == NULL || weights == NULL || output == NULL) {
        return TSR_ERR_NULL;
    }
    if (!conv2d_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    w = &p->win;
    in_c = p->in_c;
    in_cg = in_c / p->groups;
    out_cg = p->out_c / p->groups;
    in_row = w->in_w * in_c;     /* elements per input row */
    in_image = w->in_h * in_row; /* elements per input image */
    w_row = w->kernel_w * in_cg; /* weights per kernel row of one filter */
    w_per_oc = w->kernel_h * w_row;

    pixels = w->out_h * w->out_w;
    /* Output pixels from the first, or with TSR_WALK_BACKWARD from the last (an output
     * placed above its input). */
    for (q = 0; q < w->batch * pixels; ++q) {
        const int32_t pix = p->walk == TSR_WALK_BACKWARD ? w->batch * pixels - 1 - q : q;
        const int32_t n = pix / pixels, oh = (pix % pixels) / w->out_w, ow = pix % w->out_w;
        const float *x_n = input + n * in_image;
        const int32_t ih0 = oh * w->stride_h - w->pad_top;
        const int32_t iw0 = ow * w->stride_w - w->pad_left;
        float *y = output + pix * p->out_c;
        const float *r = residual != NULL ? residual + pix * p->out_c : NULL;
        int32_t kh_lo, kh_hi, kw_lo, kw_hi;
        tsr_tap_range(ih0, w->dilation_h, w->kernel_h, w->in_h, &kh_lo, &kh_hi);
        tsr_tap_range(iw0, w->dilation_w, w->kernel_w, w->in_w, &kw_lo, &kw_hi);
        for (oc = 0; oc < p->out_c; ++oc) {
            /* First input channel of this output channel's group. */
            const float *x_g = x_n + (oc / out_cg) * in_cg;
            const float *w_kh = weights + oc * w_per_oc + kh_lo * w_row;
            int32_t ih = ih0 + kh_lo * w->dilation_h;
            float acc = 0.0f;
            for (kh = kh_lo; kh < kh_hi; ++kh, ih += w->dilation_h, w_kh += w_row) {
                const float *x_row = x_g + ih * in_row;
                const float *w_px = w_kh + kw_lo * in_cg;
                int32_t iw = iw0 + kw_lo * w->dilation_w;
                for (kw = kw_lo; kw < kw_hi; ++kw, iw += w->dilation_w, w_px += in_cg) {
                    const float *x_px = x_row + iw * in_c;
                    for (ic = 0; ic < in_cg; ++ic) {
                        acc += x_px[ic] * w_px[ic];
                    }
                }
            }
            acc = bias != NULL ? acc + bias[oc] : acc;
            /* Read before the write: residual may be output itself. */
            y[oc] = r != NULL ? acc + r[oc] : acc;
        }
        tsr_act_apply_n(&p->act, y, p->out_c);
    }
    return TSR_OK;
}
