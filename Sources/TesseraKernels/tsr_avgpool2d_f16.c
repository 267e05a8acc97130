/*
 * Tessera runtime: 2-D average pooling, NHWC, FP16 (ONNX AveragePool: pads, stride,
 * dilation, ceil_mode, count_include_pad), with onnxruntime's divisor:
 *  - the window of output o spans [start, end) with start = o * stride - pad_begin and
 *    end = min(start + (kernel - 1) * dilation + 1, in + pad_end), so taps that lie beyond
 *    the explicit end pad (they exist only through ceil_mode) never count;
 *  - count_include_pad != 0: divide by the number of taps in [start, end) (height times
 *    width), padded taps included;
 *  - otherwise: divide by the number of taps inside the input.
 * A window with nothing to divide by (impossible with ONNX-valid parameters) yields 0.
 * The taps are summed in float and divided in float (the FP32 kernel's arithmetic on the
 * same values), then rounded to half once. Channels are processed in blocks of
 * TSR_F16_BLOCK float sums on the stack: for every tap the innermost loop runs over
 * contiguous channels. y must not overlap x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_simd.h"

/* Number of taps start + t * dilation (t < kernel) that lie below min(window end, limit). */
static int32_t taps_below(int32_t start, int32_t kernel, int32_t dilation, int32_t limit)
{
    const int32_t window_end = start + (kernel - 1) * dilation + 1;
    const int32_t end = window_end < limit ? window_end : limit;
    return end > start ? (end - start - 1) / dilation + 1 : 0;
}

int tsr_avgpool2d_f16(const tsr_pool2d_params *p, const tsr_f16 *x, tsr_f16 *y)
{
    const tsr_window *w;
    int32_t n, oh, ow, kh, kw, c, c0, channels, in_row, in_image;
    float sum[TSR_F16_BLOCK];

    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (!tsr_pool2d_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    w = &p->win;
    channels = p->channels;
    in_row = w->in_w * channels;
    in_image = w->in_h * in_row;

    for (n = 0; n < w->batch; ++n) {
        const tsr_f16 *x_n = x + n * in_image;
        for (oh = 0; oh < w->out_h; ++oh) {
            const int32_t ih0 = oh * w->stride_h - w->pad_top;
            const int32_t padded_h =
                taps_below(ih0, w->kernel_h, w->dilation_h, w->in_h + w->pad_bottom);
            int32_t kh_lo, kh_hi;
            tsr_tap_range(ih0, w->dilation_h, w->kernel_h, w->in_h, &kh_lo, &kh_hi);
            for (ow = 0; ow < w->out_w; ++ow) {
                const int32_t iw0 = ow * w->stride_w - w->pad_left;
                int32_t kw_lo, kw_hi, count;
                tsr_tap_range(iw0, w->dilation_w, w->kernel_w, w->in_w, &kw_lo, &kw_hi);
                if (p->count_include_pad) {
                    count = padded_h * taps_below(iw0, w->kernel_w, w->dilation_w,
                                                  w->in_w + w->pad_right);
                } else {
                    count = (kh_hi - kh_lo) * (kw_hi - kw_lo);
                }
                for (c0 = 0; c0 < channels; c0 += TSR_F16_BLOCK) {
                    const int32_t nb =
                        channels - c0 < TSR_F16_BLOCK ? channels - c0 : TSR_F16_BLOCK;
                    int32_t ih = ih0 + kh_lo * w->dilation_h;
                    for (c = 0; c < nb; ++c) {
                        sum[c] = 0.0f;
                    }
                    for (kh = kh_lo; kh < kh_hi; ++kh, ih += w->dilation_h) {
                        const tsr_f16 *x_row = x_n + ih * in_row + c0;
                        int32_t iw = iw0 + kw_lo * w->dilation_w;
                        for (kw = kw_lo; kw < kw_hi; ++kw, iw += w->dilation_w) {
                            const tsr_f16 *x_px = x_row + iw * channels;
                            for (c = 0; c < nb; ++c) {
                                sum[c] += tsr_h2f(x_px[c]);
                            }
                        }
                    }
                    if (count > 0) {
                        const float divisor = (float)count;
                        for (c = 0; c < nb; ++c) {
                            sum[c] /= divisor;
                        }
                    }
                    tsr_f2h_n(sum, y + c0, nb);
                }
                y += channels;
            }
        }
    }
    return TSR_OK;
}
