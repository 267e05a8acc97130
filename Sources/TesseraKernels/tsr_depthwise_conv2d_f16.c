/*
 * Tessera runtime: depthwise 2-D convolution, NHWC, FP16 (ONNX Conv with groups == in_c:
 * zero padding, stride, dilation, channel multiplier). Output channel oc = ic * multiplier
 * + m reads input channel ic. Weights are [kernel_h][kernel_w][out_c], half, and so is
 * the bias. Each output is the dot product over the taps inside the input (kernel row, then
 * kernel column) accumulated in p->acc (tsr_simd.h), plus the bias in float, then the
 * activation in float, rounded to half once. With TSR_ACC_F32 the result is the FP32
 * kernel's on the same values, rounded. The output must not overlap the input.
 */
#include <stddef.h>

#include "tsr_depthwise.h"
#include "tsr_internal.h"
#include "tsr_kernels.h"
#include "tsr_simd.h"

static int depthwise_params_ok(const tsr_depthwise_conv2d_params *p)
{
    const int32_t out_c = tsr_mul(p->in_c, p->multiplier);
    return out_c > 0 && tsr_act_valid(&p->act) && tsr_acc_valid(p->acc) &&
           tsr_window_ok(&p->win, p->in_c, out_c) &&
           tsr_mul(tsr_mul(p->win.kernel_h, p->win.kernel_w), out_c) > 0;
}

/* Output channels [c0, c0 + nc) of every output pixel, pixel i's at y + i * ys; the
 * public loop nest is the whole range. */
void tsr_dw_range_f16(const tsr_depthwise_conv2d_params *p, const tsr_f16 *input,
                      const tsr_f16 *weights, const tsr_f16 *bias, int32_t c0, int32_t nc,
                      tsr_f16 *y, int32_t ys)
{
    const tsr_window *w = &p->win;
    const int32_t in_c = p->in_c, mult = p->multiplier, out_c = in_c * mult;
    const int32_t in_row = w->in_w * in_c, in_image = w->in_h * in_row;
    const int32_t w_row = w->kernel_w * out_c; /* weights per kernel row */
    const int32_t x_step = w->dilation_w * in_c; /* between two taps of a kernel row */
    int32_t n, oh, ow, kh, b0, j;
    float buf[TSR_F16_BLOCK];

    for (n = 0; n < w->batch; ++n) {
        const tsr_f16 *x_n = input + n * in_image;
        for (oh = 0; oh < w->out_h; ++oh) {
            const int32_t ih0 = oh * w->stride_h - w->pad_top;
            int32_t kh_lo, kh_hi;
            tsr_tap_range(ih0, w->dilation_h, w->kernel_h, w->in_h, &kh_lo, &kh_hi);
            for (ow = 0; ow < w->out_w; ++ow) {
                const int32_t iw0 = ow * w->stride_w - w->pad_left;
                int32_t kw_lo, kw_hi, iw_lo;
                tsr_tap_range(iw0, w->dilation_w, w->kernel_w, w->in_w, &kw_lo, &kw_hi);
                iw_lo = iw0 + kw_lo * w->dilation_w;
                for (b0 = 0; b0 < nc; b0 += TSR_F16_BLOCK) {
                    const int32_t nb = nc - b0 < TSR_F16_BLOCK ? nc - b0 : TSR_F16_BLOCK;
                    for (j = 0; j < nb; ++j) {
                        const int32_t oc = c0 + b0 + j;
                        tsr_hacc acc;
                        float v;
                        tsr_hacc_init(&acc, p->acc);
                        if (kh_hi > kh_lo && kw_hi > kw_lo) {
                            /* Tap (kh_lo, kw_lo) of this channel in the input (less the row
                             * offset) and in the weights. */
                            const tsr_f16 *x_c = x_n + iw_lo * in_c + oc / mult;
                            const tsr_f16 *w_c = weights + kh_lo * w_row + kw_lo * out_c + oc;
                            int32_t ih = ih0 + kh_lo * w->dilation_h;
                            for (kh = kh_lo; kh < kh_hi;
                                 ++kh, ih += w->dilation_h, w_c += w_row) {
                                tsr_hacc_dot(&acc, x_c + ih * in_row, x_step, w_c, out_c,
                                             kw_hi - kw_lo);
                            }
                        }
                        v = tsr_hacc_sum(&acc);
                        buf[j] = bias != NULL ? v + tsr_h2f(bias[oc]) : v;
                    }
                    tsr_f16_act_store(&p->act, buf, y + b0, nb);
                }
                y += ys;
            }
        }
    }
}

int tsr_depthwise_conv2d_f16(const tsr_depthwise_conv2d_params *p, const tsr_f16 *input,
                             const tsr_f16 *weights, const tsr_f16 *bias, tsr_f16 *output)
{
    if (p == NULL || input == NULL || weights == NULL || output == NULL) {
        return TSR_ERR_NULL;
    }
    if (!depthwise_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    tsr_dw_range_f16(p, input, weights, bias, 0, p->in_c * p->multiplier, output,
                     p->in_c * p->multiplier);
    return TSR_OK;
}
