/*
 * Tessera runtime: y = act(x) elementwise, FP16 (ONNX Relu, Clip, Sigmoid, Tanh,
 * HardSigmoid, HardSwish, LeakyRelu, and x * Sigmoid(x) as SiLU). Each element is widened
 * to float, the activation computed in float and the result rounded to half once, through
 * a float buffer of TSR_F16_BLOCK elements. y may alias x. NaN passes through every
 * activation. Clip with min > max makes every (non-NaN) element max, as in ONNX.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_simd.h"

int tsr_activation_f16(const tsr_activation_params *p, const tsr_f16 *x, tsr_f16 *y)
{
    float buf[TSR_F16_BLOCK];
    int32_t i0;

    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (p->size <= 0 || !tsr_act_valid(&p->act)) {
        return TSR_ERR_PARAM;
    }
    if (p->act.kind == TSR_ACT_NONE) {
        int32_t i;
        if (x != y) {
            for (i = 0; i < p->size; ++i) {
                y[i] = x[i];
            }
        }
        return TSR_OK;
    }
    for (i0 = 0; i0 < p->size; i0 += TSR_F16_BLOCK) {
        const int32_t nb = p->size - i0 < TSR_F16_BLOCK ? p->size - i0 : TSR_F16_BLOCK;
        tsr_h2f_n(x + i0, buf, nb);
        tsr_f16_act_store(&p->act, buf, y + i0, nb);
    }
    return TSR_OK;
}
