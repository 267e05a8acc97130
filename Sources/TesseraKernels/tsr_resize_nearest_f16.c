/*
 * Tessera runtime: nearest-neighbour resize, NHWC, FP16 (ONNX Resize, mode "nearest", any
 * coordinate transformation and rounding mode, which the compiler folds into the source
 * index tables): y[n][oh][ow][c] = x[n][src_h[oh]][src_w[ow]][c]. The tables are checked,
 * so no read leaves x. An output row whose source row equals the previous one is copied
 * from that (already written) output row. y must not overlap x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_checks.h"
#include "tsr_simd.h"

int tsr_resize_nearest_f16(const tsr_resize_nearest_params *p, const tsr_f16 *x, tsr_f16 *y)
{
    int32_t n, oh, ow, c, i, channels, in_row, in_image, out_row;

    if (p == NULL || x == NULL || y == NULL || p->src_h == NULL || p->src_w == NULL) {
        return TSR_ERR_NULL;
    }
    if (!tsr_resize_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    channels = p->channels;
    in_row = p->in_w * channels;
    in_image = p->in_h * in_row;
    out_row = p->out_w * channels;

    for (n = 0; n < p->batch; ++n) {
        const tsr_f16 *x_n = x + n * in_image;
        for (oh = 0; oh < p->out_h; ++oh) {
            if (oh > 0 && p->src_h[oh] == p->src_h[oh - 1]) {
                const tsr_f16 *prev = y - out_row;
                for (i = 0; i < out_row; ++i) {
                    y[i] = prev[i];
                }
            } else {
                const tsr_f16 *x_row = x_n + p->src_h[oh] * in_row;
                tsr_f16 *y_px = y;
                for (ow = 0; ow < p->out_w; ++ow, y_px += channels) {
                    const tsr_f16 *x_px = x_row + p->src_w[ow] * channels;
                    for (c = 0; c < channels; ++c) {
                        y_px[c] = x_px[c];
                    }
                }
            }
            y += out_row;
        }
    }
    return TSR_OK;
}
