/*
 * Tessera runtime: 2-D convolution, NHWC, FP16 (ONNX Conv: zero padding, stride, dilation,
 * groups). Weights are OHWI, [out_c][kernel_h][kernel_w][in_c / groups], half, and so is
 * the bias. Each output is the dot product over the taps inside the input (kernel row, kernel
 * column, input channel order) accumulated in p->acc (tsr_simd.h), plus the bias in float,
 * then the activation in float, rounded to half once. With TSR_ACC_F32 the result is the
 * FP32 kernel's on the same values, rounded. The output must not overlap the input.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_simd.h"

static int conv2d_params_ok(const tsr_conv2d_params *p)
{
    int32_t in_cg;
    if (p->in_c <= 0 || p->out_c <= 0 || p->groups <= 0 || p->in_c % p->groups != 0 ||
        p->out_c % p->groups != 0 || !tsr_act_valid(&p->act) || !tsr_acc_valid(p->acc) ||
        !tsr_window_ok(&p->win, p->in_c, p->out_c)) {
        return 0;
    }
    in_cg = p->in_c / p->groups;
    /* The weight count must fit in int32_t as well. */
    return tsr_mul(tsr_mul(tsr_mul(p->out_c, p->win.kernel_h), p->win.kernel_w), in_cg) > 0;
}

int tsr_conv2d_f16(const tsr_conv2d_params *p, const tsr_f16 *input, const tsr_f16 *weights,
                   const tsr_f16 *bias, const tsr_f16 *residual, tsr_f16 *output)
{
    const tsr_window *w;
    int32_t q, pixels, oc0, j, kh, kw;
    int32_t in_c, in_cg, out_cg, in_row, in_image, w_row, w_per_oc;
    int merge_kw;
    float buf[TSR_F16_BLOCK];

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
    /* Without groups or column dilation, the taps of one kernel row are contiguous in both
     * the input row and the filter: one dot product per kernel row (the same terms in the
     * same order, so the same result). */
    merge_kw = in_cg == in_c && w->dilation_w == 1;

    pixels = w->out_h * w->out_w;
    /* Output pixels from the first, or with TSR_WALK_BACKWARD from the last (an output
     * placed above its input). */
    for (q = 0; q < w->batch * pixels; ++q) {
        const int32_t pix = p->walk == TSR_WALK_BACKWARD ? w->batch * pixels - 1 - q : q;
        const int32_t n = pix / pixels, oh = (pix % pixels) / w->out_w, ow = pix % w->out_w;
        const tsr_f16 *x_n = input + n * in_image;
        const int32_t ih0 = oh * w->stride_h - w->pad_top;
        const int32_t iw0 = ow * w->stride_w - w->pad_left;
        tsr_f16 *y = output + pix * p->out_c;
        const tsr_f16 *r = residual != NULL ? residual + pix * p->out_c : NULL;
        int32_t kh_lo, kh_hi, kw_lo, kw_hi;
        tsr_tap_range(ih0, w->dilation_h, w->kernel_h, w->in_h, &kh_lo, &kh_hi);
        tsr_tap_range(iw0, w->dilation_w, w->kernel_w, w->in_w, &kw_lo, &kw_hi);
        for (oc0 = 0; oc0 < p->out_c; oc0 += TSR_F16_BLOCK) {
            const int32_t nb =
                p->out_c - oc0 < TSR_F16_BLOCK ? p->out_c - oc0 : TSR_F16_BLOCK;
            for (j = 0; j < nb; ++j) {
                const int32_t oc = oc0 + j;
                /* First input channel of this output channel's group. */
                const tsr_f16 *x_g = x_n + (oc / out_cg) * in_cg;
                const tsr_f16 *w_kh = weights + oc * w_per_oc + kh_lo * w_row;
                int32_t ih = ih0 + kh_lo * w->dilation_h;
                tsr_hacc acc;
                float v;
                tsr_hacc_init(&acc, p->acc);
                for (kh = kh_lo; kh < kh_hi; ++kh, ih += w->dilation_h, w_kh += w_row) {
                    const tsr_f16 *x_row = x_g + ih * in_row;
                    const tsr_f16 *w_px = w_kh + kw_lo * in_cg;
                    int32_t iw = iw0 + kw_lo * w->dilation_w;
                    if (merge_kw) {
                        if (kw_hi > kw_lo) {
                            tsr_hacc_dot(&acc, x_row + iw * in_c, 1, w_px, 1,
                                         (kw_hi - kw_lo) * in_c);
                        }
                        continue;
                    }
                    for (kw = kw_lo; kw < kw_hi;
                         ++kw, iw += w->dilation_w, w_px += in_cg) {
                        tsr_hacc_dot(&acc, x_row + iw * in_c, 1, w_px, 1, in_cg);
                    }
                }
                v = tsr_hacc_sum(&acc);
                buf[j] = bias != NULL ? v + tsr_h2f(bias[oc]) : v;
                if (r != NULL) { /* the sum rounded to half, as an Add sees it */
                    buf[j] = tsr_h2f(tsr_f2h(buf[j])) + tsr_h2f(r[oc]);
                }
            }
            tsr_f16_act_store(&p->act, buf, y + oc0, nb);
        }
    }
    return TSR_OK;
}
