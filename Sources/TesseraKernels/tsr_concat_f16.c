/*
 * Tessera runtime: concatenation, FP16 (ONNX Concat along any axis). Input i is viewed as
 * [outer][chunk[i]] and y as [outer][sum(chunk)]: each output row is the inputs' rows o
 * one after the other. y must not alias an input.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_simd.h"

int tsr_concat_f16(const tsr_concat_params *p, const tsr_f16 *const *inputs, tsr_f16 *y)
{
    int32_t o, k, i, row = 0;

    if (p == NULL || inputs == NULL || y == NULL || p->chunk == NULL) {
        return TSR_ERR_NULL;
    }
    if (p->outer <= 0 || p->count <= 0) {
        return TSR_ERR_PARAM;
    }
    for (k = 0; k < p->count; ++k) {
        if (inputs[k] == NULL) {
            return TSR_ERR_NULL;
        }
    }
    for (k = 0; k < p->count; ++k) {
        if (p->chunk[k] <= 0 || p->chunk[k] > INT32_MAX - row) {
            return TSR_ERR_PARAM;
        }
        row += p->chunk[k];
    }
    if (tsr_mul(p->outer, row) <= 0) {
        return TSR_ERR_PARAM;
    }
    for (o = 0; o < p->outer; ++o) {
        for (k = 0; k < p->count; ++k) {
            const int32_t n = p->chunk[k];
            const tsr_f16 *src = inputs[k] + o * n;
            for (i = 0; i < n; ++i) {
                y[i] = src[i];
            }
            y += n;
        }
    }
    return TSR_OK;
}
