/*
 * Tessera runtime: 1x1 convolution, NHWC, FP16, without padding (any stride, groups == 1):
 * every output pixel is one input pixel's channels times the packed weights (the in_c x
 * out_c matrix in column blocks of TSR_PACK_COLS_F16, tsr_mm.h), read in place: no
 * scratch. The bias is half (added in float); accumulation follows p->acc. The output must not overlap
 * the input.
 *
 * Calls: tsr_mm_f16.c
 */
#include <stddef.h>

#include "tsr_internal.h"
#include "tsr_mm.h"
#include "tsr_simd.h"

int tsr_conv2d_1x1_f16(const tsr_conv2d_params *p, const tsr_f16 *input,
                       const tsr_f16 *weights, const tsr_f16 *bias, const tsr_f16 *residual,
                       tsr_f16 *output)
{
    const tsr_window *w;
    int32_t pixels, total, groups, g, r;
    tsr_mm_rows m;
    const tsr_f16 *a[TSR_MM_ROWS];
    tsr_f16 *y[TSR_MM_ROWS];
    const tsr_f16 *res[TSR_MM_ROWS];

    if (p == NULL || input == NULL || weights == NULL || output == NULL) {
        return TSR_ERR_NULL;
    }
    w = &p->win;
    if (p->groups != 1 || !tsr_act_valid(&p->act) || !tsr_acc_valid(p->acc) ||
        !tsr_window_ok(w, p->in_c, p->out_c) || w->kernel_h != 1 || w->kernel_w != 1 ||
        w->pad_top != 0 || w->pad_left != 0 || (w->out_h - 1) * w->stride_h >= w->in_h ||
        (w->out_w - 1) * w->stride_w >= w->in_w) {
        return TSR_ERR_PARAM;
    }
    pixels = w->out_h * w->out_w;
    total = w->batch * pixels;
    groups = (total + TSR_MM_ROWS - 1) / TSR_MM_ROWS;
    /* Groups of TSR_MM_ROWS pixels, the same groups either way: from the first, or with
     * TSR_WALK_BACKWARD from the last (an output placed above its input). */
    for (g = 0; g < groups; ++g) {
        const int32_t q = (p->walk == TSR_WALK_BACKWARD ? groups - 1 - g : g) * TSR_MM_ROWS;
        const int32_t rows = total - q < TSR_MM_ROWS ? total - q : TSR_MM_ROWS;
        for (r = 0; r < rows; ++r) {
            const int32_t n = (q + r) / pixels, o = (q + r) % pixels;
            const int32_t ih = (o / w->out_w) * w->stride_h, iw = (o % w->out_w) * w->stride_w;
            a[r] = input + ((n * w->in_h + ih) * w->in_w + iw) * p->in_c;
            y[r] = output + (q + r) * p->out_c;
        }
        tsr_mm_plain(&m, rows, p->in_c);
        if (residual != NULL) {
            for (r = 0; r < rows; ++r) { /* the same place in the residual */
                res[r] = residual + (y[r] - output);
            }
            tsr_mm_f16_residual(&m, a, weights, p->out_c, bias, &p->act, p->acc, res, y);
        } else {
            tsr_mm_f16(&m, a, weights, p->out_c, bias, &p->act, p->acc, y);
        }
    }
    return TSR_OK;
}
