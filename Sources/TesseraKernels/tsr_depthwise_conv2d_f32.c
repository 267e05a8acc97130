/*
 * Tessera runtime: depthwise 2-D convolution, NHWC, FP32 (ONNX Conv with groups == in_c:
 * zero padding, stride, dilation, channel multiplier). Output channel oc = ic * multiplier
 * + m reads input channel ic. Weights are [kernel_h][kernel_w][out_c], so for every tap
 * the innermost loop runs over contiguous channels of the input pixel, the weights and the
 * output pixel, which accumulates in place (float) before the bias and the activation.
 * The output must not overlap the input.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

static int depthwise_params_ok(const tsr_depthwise_conv2d_params *p)
{
    const int32_t out_c = tsr_mul(p->in_c, p->multiplier);
    return out_c > 0 && tsr_act_valid(&p->act) && tsr_window_ok(&p->win, p->in_c, out_c) &&
           tsr_mul(tsr_mul(p->win.kernel_h, p->win.kernel_w), out_c) > 0;
}

/* acc[ic * mult + m] += x[ic] * w[ic * mult + m] over one tap. */
static void depthwise_tap(const float *x, const float *w, float *acc, int32_t in_c,
                          int32_t mult)
{
    int32_t c, m;
    if (mult == 1) {
        for (c = 0; c < in_c; ++c) {
            acc[c] += x[c] * w[c];
        }
    } else {
        for (c = 0; c < in_c; ++c) {
            const float xv = x[c];
            for (m = 0; m < mult; ++m) {
                acc[m] += xv * w[m];
            }
            acc += mult;
            w += mult;
        }
    }
}

int tsr_depthwise_conv2d_f32(const tsr_depthwise_conv2d_params *p, const float *input,
                             const float *weights, const float *bias, float *output)
{
    const tsr_window *w;
    int32_t n, oh, ow, kh, kw, c;
    int32_t in_c, mult, out_c, in_row, in_image, w_row;

    if (p == NULL || input == NULL || weights == NULL || output == NULL) {
        return TSR_ERR_NULL;
    }
    if (!depthwise_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    w = &p->win;
    in_c = p->in_c;
    mult = p->multiplier;
    out_c = in_c * mult;
    in_row = w->in_w * in_c;
    in_image = w->in_h * in_row;
    w_row = w->kernel_w * out_c; /* weights per kernel row */

    for (n = 0; n < w->batch; ++n) {
        const float *x_n = input + n * in_image;
        for (oh = 0; oh < w->out_h; ++oh) {
            const int32_t ih0 = oh * w->stride_h - w->pad_top;
            int32_t kh_lo, kh_hi;
            tsr_tap_range(ih0, w->dilation_h, w->kernel_h, w->in_h, &kh_lo, &kh_hi);
            for (ow = 0; ow < w->out_w; ++ow) {
                const int32_t iw0 = ow * w->stride_w - w->pad_left;
                const float *w_kh = weights + kh_lo * w_row;
                int32_t ih = ih0 + kh_lo * w->dilation_h;
                int32_t kw_lo, kw_hi;
                tsr_tap_range(iw0, w->dilation_w, w->kernel_w, w->in_w, &kw_lo, &kw_hi);
                for (c = 0; c < out_c; ++c) {
                    output[c] = 0.0f;
                }
                for (kh = kh_lo; kh < kh_hi; ++kh, ih += w->dilation_h, w_kh += w_row) {
                    const float *x_row = x_n + ih * in_row;
                    const float *w_px = w_kh + kw_lo * out_c;
                    int32_t iw = iw0 + kw_lo * w->dilation_w;
                    for (kw = kw_lo; kw < kw_hi; ++kw, iw += w->dilation_w, w_px += out_c) {
                        depthwise_tap(x_row + iw * in_c, w_px, output, in_c, mult);
                    }
                }
                if (bias != NULL) {
                    for (c = 0; c < out_c; ++c) {
                        output[c] += bias[c];
                    }
                }
                tsr_act_apply_n(&p->act, output, out_c);
                output += out_c;
            }
        }
    }
    return TSR_OK;
}
