/*
 * Tessera runtime: per-channel affine map, FP16 (inference BatchNormalization with the
 * compiler's precomputed scale = gamma / sqrt(var + eps) and shift = beta - mean * scale):
 * y = act(x * scale[c] + shift[c]) for x viewed as [outer][channels][inner]. x and y are
 * half, scale and shift float. Each element is computed in float (the multiply and the add
 * are separate roundings, no fused multiply-add), the activation applied in float, and the
 * result rounded to half once, through a float buffer of TSR_F16_BLOCK elements. y may
 * alias x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_simd.h"

int tsr_channel_affine_f16(const tsr_channel_affine_params *p, const tsr_f16 *x,
                           const float *scale, const float *shift, tsr_f16 *y)
{
    float buf[TSR_F16_BLOCK];
    int32_t o, c, i, i0, channels, inner;

    if (p == NULL || x == NULL || scale == NULL || shift == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (tsr_mul(tsr_mul(p->outer, p->channels), p->inner) <= 0 || !tsr_act_valid(&p->act)) {
        return TSR_ERR_PARAM;
    }
    channels = p->channels;
    inner = p->inner;
    for (o = 0; o < p->outer; ++o) {
        if (inner == 1) {
            /* Channels last (NHWC): the inner loop runs over the channels. */
            for (i0 = 0; i0 < channels; i0 += TSR_F16_BLOCK) {
                const int32_t nb =
                    channels - i0 < TSR_F16_BLOCK ? channels - i0 : TSR_F16_BLOCK;
                for (i = 0; i < nb; ++i) {
                    buf[i] = tsr_h2f(x[i0 + i]) * scale[i0 + i] + shift[i0 + i];
                }
                tsr_f16_act_store(&p->act, buf, y + i0, nb);
            }
            x += channels;
            y += channels;
            continue;
        }
        for (c = 0; c < channels; ++c, x += inner, y += inner) {
            const float s = scale[c], t = shift[c];
            for (i0 = 0; i0 < inner; i0 += TSR_F16_BLOCK) {
                const int32_t nb = inner - i0 < TSR_F16_BLOCK ? inner - i0 : TSR_F16_BLOCK;
                for (i = 0; i < nb; ++i) {
                    buf[i] = tsr_h2f(x[i0 + i]) * s + t;
                }
                tsr_f16_act_store(&p->act, buf, y + i0, nb);
            }
        }
    }
    return TSR_OK;
}
