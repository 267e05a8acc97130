/*
 * Tessera runtime: strided gather into a dense tensor, FP32 (ONNX Transpose; any view whose
 * element strides are non-negative): y[i0..ir] = x[sum(i_d * in_stride[d])]. y must not
 * alias x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

/* Non-zero when rank, shape and strides are valid and every offset fits in int32_t. */
static int transpose_params_ok(const tsr_transpose_params *p)
{
    int32_t d, total = 1, reach = 0;
    if (p->rank < 1 || p->rank > TSR_MAX_RANK) {
        return 0;
    }
    for (d = 0; d < p->rank; ++d) {
        const int32_t s = p->in_stride[d];
        const int32_t r = s == 0 ? 0 : tsr_mul(p->out_shape[d], s);
        total = tsr_mul(total, p->out_shape[d]);
        if (total < 0 || s < 0 || r < 0 || reach > INT32_MAX - r) {
            return 0;
        }
        reach += r;
    }
    return 1;
}

int tsr_transpose_f32(const tsr_transpose_params *p, const float *x, float *y)
{
    int32_t idx[TSR_MAX_RANK] = {0};
    int32_t last, n, step, off = 0, d, i;

    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (!transpose_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    last = p->rank - 1;
    n = p->out_shape[last];
    step = p->in_stride[last];
    for (;;) {
        int32_t xi = off;
        for (i = 0; i < n; ++i, xi += step) {
            y[i] = x[xi];
        }
        y += n;
        /* Advance the index over all axes but the last (row-major odometer). */
        for (d = last - 1; d >= 0; --d) {
            if (++idx[d] < p->out_shape[d]) {
                off += p->in_stride[d];
                break;
            }
            off -= (idx[d] - 1) * p->in_stride[d];
            idx[d] = 0;
        }
        if (d < 0) {
            return TSR_OK;
        }
    }
}
