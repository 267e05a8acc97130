/*
 * Tessera runtime: depthwise 2-D convolution, NHWC, FP32 (ONNX Conv with groups == in_c:
 * zero padding, stride, dilation, channel multiplier). Output channel oc = ic * multiplier
 * + m reads input channel ic. Weights are [kernel_h][kernel_w][out_c], so for every tap
 * the innermost loop runs over contiguous channels of the input pixel, the weights and the
 * output pixel, which accumulates in place (float) before the bias and the activation.
 * The output must not overlap the input.
 */
#include <stddef.h>

#include "tsr_depthwise.h"
#include "tsr_internal.h"
#include "tsr_kernels.h"

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

/* Output channels [c0, c0 + nc) (all of them, or any range at multiplier 1) of every
 * output pixel, pixel i's at y + i * ys; the public loop nest is the whole range. */
void tsr_dw_range_f32(const tsr_depthwise_conv2d_params *p, const float *input,
                      const float *weights, const float *bias, int32_t c0, int32_t nc,
                      float *y, int32_t ys)
{
    const tsr_window *w = &p->win;
    const int32_t in_c = p->in_c, mult = p->multiplier, out_c = in_c * mult;
    const int32_t in_row = w->in_w * in_c, in_image = w->in_h * in_row;
    const int32_t w_row = w->kernel_w * out_c; /* weights per kernel row */
    /* The channels a tap reads: in_c of them from channel 0, or nc from c0 (mult 1). */
    const int32_t x0 = mult == 1 ? c0 : 0, xc = mult == 1 ? nc : in_c;
    int32_t n, oh, ow, kh, kw, c;

    for (n = 0; n < w->batch; ++n) {
        const float *x_n = input + n * in_image + x0;
        for (oh = 0; oh < w->out_h; ++oh) {
            const int32_t ih0 = oh * w->stride_h - w->pad_top;
            int32_t kh_lo, kh_hi;
            tsr_tap_range(ih0, w->dilation_h, w->kernel_h, w->in_h, &kh_lo, &kh_hi);
            for (ow = 0; ow < w->out_w; ++ow) {
                const int32_t iw0 = ow * w->stride_w - w->pad_left;
                const float *w_kh = weights + kh_lo * w_row + c0;
                int32_t ih = ih0 + kh_lo * w->dilation_h;
                int32_t kw_lo, kw_hi;
                tsr_tap_range(iw0, w->dilation_w, w->kernel_w, w->in_w, &kw_lo, &kw_hi);
                for (c = 0; c < nc; ++c) {
                    y[c] = 0.0f;
                }
                for (kh = kh_lo; kh < kh_hi; ++kh, ih += w->dilation_h, w_kh += w_row) {
                    const float *x_row = x_n + ih * in_row;
                    const float *w_px = w_kh + kw_lo * out_c;
                    int32_t iw = iw0 + kw_lo * w->dilation_w;
                    for (kw = kw_lo; kw < kw_hi; ++kw, iw += w->dilation_w, w_px += out_c) {
                        depthwise_tap(x_row + iw * in_c, w_px, y, xc, mult);
                    }
                }
                if (bias != NULL) {
                    for (c = 0; c < nc; ++c) {
                        y[c] += bias[c0 + c];
                    }
                }
                tsr_act_apply_n(&p->act, y, nc);
                y += ys;
            }
        }
    }
}

int tsr_depthwise_conv2d_f32(const tsr_depthwise_conv2d_params *p, const float *input,
                             const float *weights, const float *bias, float *output)
{
    if (p == NULL || input == NULL || weights == NULL || output == NULL) {
        return TSR_ERR_NULL;
    }
    if (!depthwise_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    tsr_dw_range_f32(p, input, weights, bias, 0, p->in_c * p->multiplier, output,
                     p->in_c * p->multiplier);
    return TSR_OK;
}
