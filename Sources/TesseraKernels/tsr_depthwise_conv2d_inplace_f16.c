/*
 * Tessera runtime: depthwise 2-D convolution in place, NHWC, FP16, channel multiplier 1.
 * `data` holds the input and receives the output (the same channels; the buffer must hold
 * the larger of the two). The channels are taken TSR_DW_INPLACE_CHANNELS at a time: a
 * block's outputs are computed into `scratch` (batch * out_h * out_w * block values), then
 * copied over the block's channels of `data`. A block's outputs read only its own input
 * channels, which no later block reads, so every position the copy overwrites has been
 * consumed, whatever the stride and padding. The arithmetic is that of
 * tsr_depthwise_conv2d_vec_f16 (tsr_dw_vec_channels_f16), bit for bit.
 *
 * Calls: tsr_depthwise_conv2d_vec_f16.c, tsr_depthwise_conv2d_f16.c
 */
#include <stddef.h>

#include "tsr_depthwise.h"
#include "tsr_internal.h"
#include "tsr_simd.h"

/* A block's nb (<= TSR_DW_INPLACE_CHANNELS) channels of every pixel, from the scratch (nb
 * apart) over data (c apart). */
static void put_block(tsr_f16 *d, const tsr_f16 *s, int32_t pixels, int32_t c, int32_t nb)
{
    int32_t i;
#if TSR_SIMD == TSR_SIMD_HELIUM
    const mve_pred16_t p = vctp16q((uint32_t)nb);
    for (i = 0; i < pixels; ++i, d += c, s += nb) {
        vstrhq_p_f16(TSR_MVE_H(d), vldrhq_z_f16(TSR_MVE_CH(s), p), p);
    }
#else
    for (i = 0; i < pixels; ++i, d += c, s += nb) {
        tsr_h_copy(d, s, nb);
    }
#endif
}

int32_t tsr_depthwise_conv2d_inplace_f16_scratch_bytes(const tsr_depthwise_conv2d_params *p)
{
    int32_t bytes;
    if (p == NULL || !tsr_acc_valid(p->acc)) {
        return TSR_ERR_PARAM;
    }
    bytes = tsr_mul(tsr_dw_inplace_values(p), (int32_t)sizeof(tsr_f16)); /* -1 propagates */
    return bytes < 0 ? TSR_ERR_PARAM : bytes;
}

int tsr_depthwise_conv2d_inplace_f16(const tsr_depthwise_conv2d_params *p, tsr_f16 *data,
                                     const tsr_f16 *weights, const tsr_f16 *bias,
                                     void *scratch, int32_t scratch_bytes)
{
    int32_t need, c, c0, pixels;
    tsr_f16 *slab = (tsr_f16 *)scratch;

    if (p == NULL || data == NULL || weights == NULL || scratch == NULL) {
        return TSR_ERR_NULL;
    }
    need = tsr_depthwise_conv2d_inplace_f16_scratch_bytes(p);
    if (need < 0) {
        return TSR_ERR_PARAM;
    }
    if (scratch_bytes < need) {
        return TSR_ERR_SCRATCH;
    }
    c = p->in_c;
    pixels = p->win.batch * p->win.out_h * p->win.out_w;
    for (c0 = 0; c0 < c; c0 += TSR_DW_INPLACE_CHANNELS) {
        const int32_t nb = c - c0 < TSR_DW_INPLACE_CHANNELS ? c - c0 : TSR_DW_INPLACE_CHANNELS;
        tsr_dw_vec_channels_f16(p, data, weights, bias, c0, nb, slab, nb);
        put_block(data + c0, slab, pixels, c, nb);
    }
    return TSR_OK;
}
