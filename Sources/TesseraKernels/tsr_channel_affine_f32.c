/*
 * Tessera runtime: per-channel affine map, FP32 (inference BatchNormalization with the
 * compiler's precomputed scale = gamma / sqrt(var + eps) and shift = beta - mean * scale):
 * y = act(x * scale[c] + shift[c]) for x viewed as [outer][channels][inner]. The multiply
 * and the add are separate roundings (no fused multiply-add). y may alias x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

int tsr_channel_affine_f32(const tsr_channel_affine_params *p, const float *x,
                           const float *scale, const float *shift, float *y)
{
    int32_t o, c, i, channels, inner, block;

    if (p == NULL || x == NULL || scale == NULL || shift == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (tsr_mul(tsr_mul(p->outer, p->channels), p->inner) <= 0 || !tsr_act_valid(&p->act)) {
        return TSR_ERR_PARAM;
    }
    channels = p->channels;
    inner = p->inner;
    block = channels * inner;
    for (o = 0; o < p->outer; ++o) {
        if (inner == 1) {
            /* Channels last (NHWC): the inner loop runs over the channels. */
            for (c = 0; c < channels; ++c) {
                y[c] = x[c] * scale[c] + shift[c];
            }
        } else {
            const float *x_c = x;
            float *y_c = y;
            for (c = 0; c < channels; ++c, x_c += inner, y_c += inner) {
                const float s = scale[c], t = shift[c];
                for (i = 0; i < inner; ++i) {
                    y_c[i] = x_c[i] * s + t;
                }
            }
        }
        tsr_act_apply_n(&p->act, y, block);
        x += block;
        y += block;
    }
    return TSR_OK;
}
