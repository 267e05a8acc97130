/*
 * Tessera runtime: 2-D average pooling, NHWC, of a half x written in float (the FP16
 * float head: the last feature map stays half, only the pooled values are float). The
 * arithmetic of tsr_avgpool2d_f16 (taps summed in float, divided in float; the loops of
 * tsr_avgpool_f16.h) without its final rounding to half. y must not overlap x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_simd.h"
#include "tsr_avgpool_f16.h"

int tsr_avgpool2d_f16_f32(const tsr_pool2d_params *p, const tsr_f16 *x, float *y)
{
    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (!tsr_pool2d_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    tsr_avgpool2d_f16_run(p, x, NULL, y);
    return TSR_OK;
}
