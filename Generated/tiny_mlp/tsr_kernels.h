/*
 * Tessera runtime kernel library (FP32 reference kernels, tensors in NCHW).
 *
 * Conventions (as in CMSIS-NN):
 *  - one function per file, named after the function (tsr_conv2d_f32 -> tsr_conv2d_f32.c);
 *  - every function returns a tsr_status (0 on success, negative on error);
 *  - shapes and options arrive in a parameter struct the caller owns;
 *  - no allocation, no global state; sizes are int32_t element counts.
 * Kernels never read or write outside the buffers their parameters describe.
 */
#ifndef TSR_KERNELS_H
#define TSR_KERNELS_H

#include "tsr_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- convolution -------------------------------------------------------------------- */

/* 2-D convolution, NCHW, grouped (groups == in_c == out_c is depthwise).
 * weights: [out_c][in_c / groups][kernel_h][kernel_w]; bias: [out_c] or NULL.
 * Padding: zero; the bottom/right padding is implied by out_h/out_w. */
typedef struct {
    int32_t batch;
    int32_t in_c, in_h, in_w;
    int32_t out_c, out_h, out_w;
    int32_t kernel_h, kernel_w;
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_top, pad_left;
    int32_t groups;
    tsr_act act;
} tsr_conv2d_params;

int tsr_conv2d_f32(const tsr_conv2d_params *p, const float *input, const float *weights,
                   const float *bias, float *output);

/* ---- matrix products ---------------------------------------------------------------- */

/* How the Gemm C operand broadcasts to the [m, n] result. */
typedef enum {
    TSR_BIAS_NONE = 0,   /* no C */
    TSR_BIAS_SCALAR = 1, /* one value */
    TSR_BIAS_ROW = 2,    /* [n]: one value per column */
    TSR_BIAS_COLUMN = 3, /* [m, 1]: one value per row */
    TSR_BIAS_FULL = 4    /* [m, n] */
} tsr_bias_kind;

/* y[m, n] = alpha * op(a) * op(b) + beta * c, op = transpose when trans_* != 0.
 * a is [m, k] (or [k, m] when trans_a), b is [k, n] (or [n, k] when trans_b). */
typedef struct {
    int32_t m, n, k;
    int32_t trans_a, trans_b;
    float alpha, beta;
    tsr_bias_kind c_kind;
    tsr_act act;
} tsr_gemm_params;

int tsr_gemm_f32(const tsr_gemm_params *p, const float *a, const float *b, const float *c,
                 float *y);

/* Batched matrix product with numpy broadcasting of the batch axes:
 * for every batch index i (row-major over batch_shape), y_i[m, n] = a_i[m, k] * b_i[k, n],
 * where a_i starts at sum(idx[d] * a_batch_stride[d]) (0 stride = broadcast) and y is dense. */
typedef struct {
    int32_t m, n, k;
    int32_t batch_rank; /* 0 .. 4 */
    int32_t batch_shape[4];
    int32_t a_batch_stride[4];
    int32_t b_batch_stride[4];
} tsr_matmul_params;

int tsr_matmul_f32(const tsr_matmul_params *p, const float *a, const float *b, float *y);

/* ---- elementwise -------------------------------------------------------------------- */

/* Binary op with numpy broadcasting: y has `shape`; a and b are read with their own element
 * strides per output axis (0 on broadcast axes). y may alias a or b when that operand has
 * the full output shape and dense strides. */
typedef struct {
    int32_t rank;
    int32_t shape[TSR_MAX_RANK];
    int32_t a_stride[TSR_MAX_RANK];
    int32_t b_stride[TSR_MAX_RANK];
    tsr_act act;
} tsr_binary_params;

int tsr_add_f32(const tsr_binary_params *p, const float *a, const float *b, float *y);

/* Unary elementwise ops over `size` elements; y may alias x. */
typedef struct {
    int32_t size;
    float min; /* clip */
    float max; /* clip */
} tsr_unary_params;

int tsr_relu_f32(const tsr_unary_params *p, const float *x, float *y);
int tsr_clip_f32(const tsr_unary_params *p, const float *x, float *y);

/* y = x for `size` elements (x and y must not partially overlap). */
int tsr_copy_f32(int32_t size, const float *x, float *y);

/* ---- pooling ------------------------------------------------------------------------ */

/* 2-D pooling, NCHW. Padded positions never win a max and, for the average, count only
 * when count_include_pad != 0; a window never counts positions beyond the explicit pads
 * (those exist only through ceil_mode). */
typedef struct {
    int32_t batch, channels;
    int32_t in_h, in_w;
    int32_t out_h, out_w;
    int32_t kernel_h, kernel_w;
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_top, pad_left, pad_bottom, pad_right;
    int32_t count_include_pad;
} tsr_pool2d_params;

int tsr_maxpool2d_f32(const tsr_pool2d_params *p, const float *x, float *y);
int tsr_avgpool2d_f32(const tsr_pool2d_params *p, const float *x, float *y);

/* Mean over `size` contiguous elements for each of batch * channels planes. */
typedef struct {
    int32_t planes;
    int32_t size;
} tsr_global_pool_params;

int tsr_global_avgpool_f32(const tsr_global_pool_params *p, const float *x, float *y);

/* ---- data movement and normalisation ------------------------------------------------ */

/* y (dense, out_shape) [i0..ir] = x[sum(i_d * in_stride[d])]. y must not alias x. */
typedef struct {
    int32_t rank;
    int32_t out_shape[TSR_MAX_RANK];
    int32_t in_stride[TSR_MAX_RANK];
} tsr_transpose_params;

int tsr_transpose_f32(const tsr_transpose_params *p, const float *x, float *y);

/* Softmax along one axis of a tensor viewed as [outer][axis][inner]; y may alias x. */
typedef struct {
    int32_t outer, axis, inner;
} tsr_softmax_params;

int tsr_softmax_f32(const tsr_softmax_params *p, const float *x, float *y);

#ifdef __cplusplus
}
#endif

#endif /* TSR_KERNELS_H */
