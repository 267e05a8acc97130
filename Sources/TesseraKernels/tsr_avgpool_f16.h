/*
 * Tessera runtime: the window loops of the FP16 average pooling (internal, not public
 * API), shared by tsr_avgpool2d_f16.c (half out) and tsr_avgpool2d_f16_f32.c (float out,
 * the FP16 float head): only the store of a block of float means differs. See
 * tsr_avgpool2d_f16.c for the semantics. Portable C99.
 */
#ifndef TSR_AVGPOOL_F16_H
#define TSR_AVGPOOL_F16_H

#include "tsr_internal.h"
#include "tsr_kernels.h"
#include "tsr_simd.h"

/* Number of taps start + t * dilation (t < kernel) that lie below min(window end, limit). */
static inline int32_t tsr_avg_taps_below(int32_t start, int32_t kernel, int32_t dilation, int32_t limit)
{
    const int32_t window_end = start + (kernel - 1) * dilation + 1;
    const int32_t end = window_end < limit ? window_end : limit;
    return end > start ? (end - start - 1) / dilation + 1 : 0;
}

/* The pooling of a checked p: each block of float means goes to y16 (rounded to half once)
 * when it is not NULL, else to y32 as is. */
static inline void tsr_avgpool2d_f16_run(const tsr_pool2d_params *p, const tsr_f16 *x, tsr_f16 *y16, float *y32)
{
    const tsr_window *w = &p->win;
    const int32_t channels = p->channels;
    const int32_t in_row = w->in_w * channels;
    const int32_t in_image = w->in_h * in_row;
    int32_t n, oh, ow, kh, kw, c, c0;
    float sum[TSR_F16_BLOCK];

    for (n = 0; n < w->batch; ++n) {
        const tsr_f16 *x_n = x + n * in_image;
        for (oh = 0; oh < w->out_h; ++oh) {
            const int32_t ih0 = oh * w->stride_h - w->pad_top;
            const int32_t padded_h =
                tsr_avg_taps_below(ih0, w->kernel_h, w->dilation_h, w->in_h + w->pad_bottom);
            int32_t kh_lo, kh_hi;
            tsr_tap_range(ih0, w->dilation_h, w->kernel_h, w->in_h, &kh_lo, &kh_hi);
            for (ow = 0; ow < w->out_w; ++ow) {
                const int32_t iw0 = ow * w->stride_w - w->pad_left;
                int32_t kw_lo, kw_hi, count;
                tsr_tap_range(iw0, w->dilation_w, w->kernel_w, w->in_w, &kw_lo, &kw_hi);
                if (p->count_include_pad) {
                    count = padded_h * tsr_avg_taps_below(iw0, w->kernel_w, w->dilation_w,
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
                    if (y16 != NULL) {
                        tsr_f2h_n(sum, y16 + c0, nb);
                    } else {
                        for (c = 0; c < nb; ++c) {
                            y32[c0 + c] = sum[c];
                        }
                    }
                }
                if (y16 != NULL) {
                    y16 += channels;
                } else {
                    y32 += channels;
                }
            }
        }
    }
}

#endif
