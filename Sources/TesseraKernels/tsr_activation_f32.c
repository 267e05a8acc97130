/*
 * Tessera runtime: y = act(x) elementwise, FP32 (ONNX Relu, Clip, Sigmoid, Tanh,
 * HardSigmoid, HardSwish, LeakyRelu, and x * Sigmoid(x) as SiLU). y may alias x.
 * NaN passes through every activation. Clip with min > max makes every (non-NaN) element
 * max, as in ONNX.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

int tsr_activation_f32(const tsr_activation_params *p, const float *x, float *y)
{
    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (p->size <= 0 || !tsr_act_valid(&p->act)) {
        return TSR_ERR_PARAM;
    }
    tsr_act_map(&p->act, x, y, p->size);
    return TSR_OK;
}
