/*
 * Tessera runtime kernel library (FP32 reference kernels).
 *
 * Layout: activations are NHWC (channels last) wherever a kernel has spatial structure
 * (convolution, pooling, resize); the compiler's layout pass lowers ONNX's NCHW to it. The
 * other kernels are layout-agnostic and take shapes and strides from the compiler.
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

/* ---- convolution (NHWC) -------------------------------------------------------------- */

/* Geometry shared by convolutions and pools: input [batch][in_h][in_w][channels], output
 * [batch][out_h][out_w][channels]. Padding is zero (conv) or ignored (pool); the
 * bottom/right padding is implied by out_h/out_w, except for the average divisor. */
typedef struct {
    int32_t batch;
    int32_t in_h, in_w;
    int32_t out_h, out_w;
    int32_t kernel_h, kernel_w;
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_top, pad_left, pad_bottom, pad_right;
} tsr_window;

/* The order a kernel walks its output pixels in, for an output the memory planner placed
 * over the kernel's own input (Tessera's OverlapRules state, per kernel, how far the
 * writes may run ahead of the reads):
 *   TSR_WALK_ANY       the kernel's fastest order; output and input must not overlap;
 *   TSR_WALK_FORWARD   pixel by pixel from the first, every write after the reads of the
 *                      pixels before it: the output may start below the input;
 *   TSR_WALK_BACKWARD  from the last pixel to the first (tsr_conv2d_1x1_*): the output
 *                      may start above the input (a layer that expands channels). */
typedef enum { TSR_WALK_ANY = 0, TSR_WALK_FORWARD = 1, TSR_WALK_BACKWARD = 2 } tsr_walk;

/* 2-D convolution, NHWC, grouped. weights: [out_c][kernel_h][kernel_w][in_c / groups]
 * (OHWI); bias: [out_c] or NULL; residual: NULL or a tensor of the output's shape added
 * before the activation, y = act(conv + bias + residual) (the sum of the convolution is
 * rounded to the element type first, as a separate Add would see it). residual may be
 * the output itself (each element is read before it is written). Output channel oc reads
 * input channels of group oc / (out_c / groups). */
typedef struct {
    tsr_window win;
    int32_t in_c, out_c;
    int32_t groups;
    tsr_act act;
    tsr_acc_mode acc; /* FP16 variants only */
    tsr_walk walk;    /* TSR_WALK_BACKWARD: tsr_conv2d_1x1_* only */
} tsr_conv2d_params;

int tsr_conv2d_f32(const tsr_conv2d_params *p, const float *input, const float *weights,
                   const float *bias, const float *residual, float *output);

/* Depthwise 2-D convolution, NHWC: out_c = in_c * multiplier, output channel oc reads input
 * channel oc / multiplier. weights: [kernel_h][kernel_w][out_c] (HWC, channels contiguous);
 * bias: [out_c] or NULL. */
typedef struct {
    tsr_window win;
    int32_t in_c, multiplier;
    tsr_act act;
    tsr_acc_mode acc; /* FP16 variants only */
    tsr_walk walk;    /* TSR_WALK_FORWARD: pixel by pixel (the Helium kernels otherwise walk
                       * channel blocks over the whole image) */
} tsr_depthwise_conv2d_params;

int tsr_depthwise_conv2d_f32(const tsr_depthwise_conv2d_params *p, const float *input,
                             const float *weights, const float *bias, float *output);

/* ---- fast variants: packed weights, caller-owned scratch ----------------------------- */

/* Packed weights of the matrix kernels (tsr_conv2d_im2col_*, tsr_conv2d_1x1_*,
 * tsr_fully_connected_*): the K x N matrix (conv: K = kernel_h * kernel_w * in_c in that
 * order, N = out_c) cut into blocks of TSR_PACK_COLS_* columns, the last one narrower when
 * N is not a multiple; each block stored row by row. Element w[k][j] of block b (columns
 * b * C .. b * C + nb - 1, nb = min(C, N - b * C)) is at b * C * K + k * nb + (j - b * C).
 * The code generator packs them; the widths match the Helium registers (two vectors). */
#define TSR_PACK_COLS_F32 8
#define TSR_PACK_COLS_F16 16

/* Convolution (groups == 1) through im2col into `scratch` and the blocked micro-kernel.
 * scratch: at least tsr_conv2d_im2col_*_scratch_bytes(p) bytes (TSR_ERR_SCRATCH otherwise),
 * aligned for the element type; its contents are undefined afterwards. The query returns
 * the size in bytes, or TSR_ERR_PARAM for parameters the kernel does not take. */
int32_t tsr_conv2d_im2col_f32_scratch_bytes(const tsr_conv2d_params *p);
int tsr_conv2d_im2col_f32(const tsr_conv2d_params *p, const float *input,
                          const float *weights, const float *bias, const float *residual,
                          float *output, void *scratch, int32_t scratch_bytes);

/* 1x1 convolution without padding (any stride, groups == 1), packed weights, no scratch. */
int tsr_conv2d_1x1_f32(const tsr_conv2d_params *p, const float *input, const float *weights,
                       const float *bias, const float *residual, float *output);

/* Depthwise convolution with channel multiplier 1, vectorised over channels (the same
 * weights layout as tsr_depthwise_conv2d_f32). */
int tsr_depthwise_conv2d_vec_f32(const tsr_depthwise_conv2d_params *p, const float *input,
                                 const float *weights, const float *bias, float *output);

/* Fully connected: y[m][n] = act(sum_k x[m][k] * w[k][n] + bias[n]), w packed, bias [n]
 * or NULL. */
typedef struct {
    int32_t m, n, k;
    tsr_act act;
    tsr_acc_mode acc; /* FP16 variant only */
} tsr_fully_connected_params;

int tsr_fully_connected_f32(const tsr_fully_connected_params *p, const float *x,
                            const float *weights, const float *bias, float *y);
/* The same with half weights and bias (the float classifier head of the FP16 modes),
 * weights packed in blocks of TSR_PACK_COLS_F32 columns. */
int tsr_fully_connected_w16_f32(const tsr_fully_connected_params *p, const float *x,
                                const tsr_f16 *weights, const tsr_f16 *bias, float *y);

/* ---- pooling (NHWC) ----------------------------------------------------------------- */

/* Max and average pooling, NHWC. Padded positions never win a max. The average divides by
 * the taps inside the input, or with count_include_pad != 0 by the taps inside the input
 * plus its explicit pads (taps beyond pad_bottom/pad_right, which only ceil_mode creates,
 * never count), as onnxruntime does. */
typedef struct {
    tsr_window win;
    int32_t channels;
    int32_t count_include_pad;
} tsr_pool2d_params;

int tsr_maxpool2d_f32(const tsr_pool2d_params *p, const float *x, float *y);
int tsr_avgpool2d_f32(const tsr_pool2d_params *p, const float *x, float *y);

typedef enum {
    TSR_REDUCE_MEAN = 0,
    TSR_REDUCE_SUM = 1,
    TSR_REDUCE_MAX = 2, /* NaN propagates */
    TSR_REDUCE_MIN = 3  /* NaN propagates */
} tsr_reduce_op;

/* Reduction over the middle axis of x viewed as [outer][reduce][inner]: y is [outer][inner].
 * (GlobalAveragePool on NHWC is MEAN with outer = N, reduce = H * W, inner = C.) */
typedef struct {
    tsr_reduce_op op;
    int32_t outer, reduce, inner;
} tsr_reduce_params;

int tsr_reduce_f32(const tsr_reduce_params *p, const float *x, float *y);

/* ---- matrix products ---------------------------------------------------------------- */

/* How the Gemm C operand broadcasts to the [m, n] result. */
typedef enum {
    TSR_BIAS_NONE = 0,   /* no C */
    TSR_BIAS_SCALAR = 1, /* one value */
    TSR_BIAS_ROW = 2,    /* [n]: one value per column */
    TSR_BIAS_COLUMN = 3, /* [m, 1]: one value per row */
    TSR_BIAS_FULL = 4    /* [m, n] */
} tsr_bias_kind;

/* y[m, n] = act(alpha * op(a) * op(b) + beta * c), op = transpose when trans_* != 0.
 * a is [m, k] (or [k, m] when trans_a), b is [k, n] (or [n, k] when trans_b). */
typedef struct {
    int32_t m, n, k;
    int32_t trans_a, trans_b;
    float alpha, beta;
    tsr_bias_kind c_kind;
    tsr_act act;
    tsr_acc_mode acc; /* FP16 variants only */
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
    tsr_acc_mode acc; /* FP16 variants only */
} tsr_matmul_params;

int tsr_matmul_f32(const tsr_matmul_params *p, const float *a, const float *b, float *y);

/* ---- elementwise -------------------------------------------------------------------- */

typedef enum {
    TSR_BINARY_ADD = 0,
    TSR_BINARY_SUB = 1,
    TSR_BINARY_MUL = 2,
    TSR_BINARY_DIV = 3,
    TSR_BINARY_MAX = 4,  /* NaN propagates */
    TSR_BINARY_MIN = 5,  /* NaN propagates */
    TSR_BINARY_POW = 6,  /* powf(a, b) */
    TSR_BINARY_PRELU = 7 /* a < 0 ? a * b : a (b is the slope) */
} tsr_binary_op;

/* y = act(a op b) with numpy broadcasting: y has `shape`; a and b are read with their own
 * element strides per output axis (0 on broadcast axes). y may alias a or b when that
 * operand has the full output shape and dense strides. */
typedef struct {
    tsr_binary_op op;
    int32_t rank;
    int32_t shape[TSR_MAX_RANK];
    int32_t a_stride[TSR_MAX_RANK];
    int32_t b_stride[TSR_MAX_RANK];
    tsr_act act;
} tsr_binary_params;

int tsr_binary_f32(const tsr_binary_params *p, const float *a, const float *b, float *y);

/* y = act(x) over `size` elements; y may alias x. */
typedef struct {
    int32_t size;
    tsr_act act;
} tsr_activation_params;

int tsr_activation_f32(const tsr_activation_params *p, const float *x, float *y);

/* y = x * scale[c] + shift[c] for x viewed as [outer][channels][inner] (inference
 * BatchNormalization with precomputed scale and shift), then act; y may alias x. */
typedef struct {
    int32_t outer, channels, inner;
    tsr_act act;
} tsr_channel_affine_params;

int tsr_channel_affine_f32(const tsr_channel_affine_params *p, const float *x,
                           const float *scale, const float *shift, float *y);

/* ---- data movement ------------------------------------------------------------------ */
/*
 * Kernels that only move data are generic in the element size: they take elem_bytes, the
 * size of one element in bytes (1, 2, 4 or 8; tsr_pad: 4 for float or 2 for IEEE half), in
 * their parameter struct (tsr_copy, which has none, as an argument), count sizes, offsets
 * and strides in elements, and take untyped pointers. Only arithmetic is written per type.
 */

/* y = x for `size` elements of elem_bytes bytes (x and y must not partially overlap). */
int tsr_copy(int32_t size, int32_t elem_bytes, const void *x, void *y);

/* Dense y of out_shape from x: y[i0..ir] = x[in_offset + sum(i_d * in_stride[d])]. Strides
 * may be negative or zero. Transpose, Slice (with steps) and each output of Split are one
 * call each. y must not alias x. The converting gathers (tsr_strided_convert_*) take the
 * same struct and ignore elem_bytes: their element types are in their names. */
typedef struct {
    int32_t rank; /* 1 .. TSR_MAX_RANK */
    int32_t elem_bytes;
    int32_t out_shape[TSR_MAX_RANK];
    int32_t in_stride[TSR_MAX_RANK];
    int32_t in_offset;
} tsr_strided_copy_params;

int tsr_strided_copy(const tsr_strided_copy_params *p, const void *x, void *y);

/* A dense patch x of `shape` written into y, a dense tensor of `y_shape`, at `offsets`:
 *     y[offsets + i] = x[i] for every index i of shape,
 * the rest of y unchanged: a scheduled stage writes each patch of its output into place.
 * y must not alias x. */
typedef struct {
    int32_t rank; /* 1 .. TSR_MAX_RANK */
    int32_t elem_bytes;
    int32_t shape[TSR_MAX_RANK];
    int32_t y_shape[TSR_MAX_RANK];
    int32_t offsets[TSR_MAX_RANK];
} tsr_insert_region_params;

int tsr_insert_region(const tsr_insert_region_params *p, const void *x, void *y);

/* Concatenation: input i is viewed as [outer][chunk[i]] and y as [outer][sum(chunk)];
 * y[o] is input 0's row o, then input 1's row o, ... (concat along any axis: chunk[i] is
 * the input's size from the concat axis inwards). y must not alias an input. */
typedef struct {
    int32_t elem_bytes;
    int32_t outer;
    int32_t count;         /* number of inputs, >= 1 */
    const int32_t *chunk;  /* [count] */
} tsr_concat_params;

int tsr_concat(const tsr_concat_params *p, const void *const *inputs, void *y);

/* Constant padding of a tensor of rank <= TSR_MAX_RANK: y (out_shape) holds `value`
 * everywhere except the block starting at pad_begin, which is x (in_shape). Pads are
 * non-negative; out_shape[d] = pad_begin[d] + in_shape[d] + (end pad). The elements are
 * float (elem_bytes 4) or IEEE half (2, `value` rounded to half once). */
typedef struct {
    int32_t rank;
    int32_t elem_bytes;
    int32_t in_shape[TSR_MAX_RANK];
    int32_t out_shape[TSR_MAX_RANK];
    int32_t pad_begin[TSR_MAX_RANK];
    float value;
} tsr_pad_params;

int tsr_pad(const tsr_pad_params *p, const void *x, void *y);

/* Nearest-neighbour resize, NHWC: y[n][oh][ow][c] = x[n][src_h[oh]][src_w[ow]][c]. The
 * compiler computes the source index tables from the ONNX coordinate transformation and
 * rounding modes, so every mode and scale is one kernel. */
typedef struct {
    int32_t elem_bytes;
    int32_t batch, channels;
    int32_t in_h, in_w, out_h, out_w;
    const int32_t *src_h; /* [out_h], each in [0, in_h) */
    const int32_t *src_w; /* [out_w], each in [0, in_w) */
} tsr_resize_nearest_params;

int tsr_resize_nearest(const tsr_resize_nearest_params *p, const void *x, void *y);

/* Softmax (or, with log != 0, LogSoftmax: x - max - log(sum exp(x - max))) along one axis of
 * a tensor viewed as [outer][axis][inner]; y may alias x. */
typedef struct {
    int32_t outer, axis, inner;
    int32_t log;
} tsr_softmax_params;

int tsr_softmax_f32(const tsr_softmax_params *p, const float *x, float *y);

/* ---- FP16 variants ------------------------------------------------------------------ */
/*
 * The same operations on IEEE half-precision tensors (tsr_f16), with the same parameter
 * structs. Weights and biases are tsr_f16; the channel affine's scale and shift stay
 * float. Dot products and sums follow `acc` where the struct has one;
 * everything else computes in float and rounds once when it stores: activations, pooling
 * (max is exact, the average divides in float), reductions, the channel affine, and
 * softmax, which runs entirely in float. The half modes are exact everywhere: where the
 * core has no FP16 arithmetic they are emulated with float operations that round like half
 * (same bits on every target). On such cores the code generator passes TSR_ACC_F32 anyway:
 * half is a storage format there, computed in float.
 */
int tsr_conv2d_f16(const tsr_conv2d_params *p, const tsr_f16 *input, const tsr_f16 *weights,
                   const tsr_f16 *bias, const tsr_f16 *residual, tsr_f16 *output);
int32_t tsr_conv2d_im2col_f16_scratch_bytes(const tsr_conv2d_params *p);
int tsr_conv2d_im2col_f16(const tsr_conv2d_params *p, const tsr_f16 *input,
                          const tsr_f16 *weights, const tsr_f16 *bias,
                          const tsr_f16 *residual, tsr_f16 *output, void *scratch,
                          int32_t scratch_bytes);
int tsr_conv2d_1x1_f16(const tsr_conv2d_params *p, const tsr_f16 *input,
                       const tsr_f16 *weights, const tsr_f16 *bias, const tsr_f16 *residual,
                       tsr_f16 *output);
int tsr_depthwise_conv2d_vec_f16(const tsr_depthwise_conv2d_params *p, const tsr_f16 *input,
                                 const tsr_f16 *weights, const tsr_f16 *bias, tsr_f16 *output);
int tsr_fully_connected_f16(const tsr_fully_connected_params *p, const tsr_f16 *x,
                            const tsr_f16 *weights, const tsr_f16 *bias, tsr_f16 *y);
int tsr_depthwise_conv2d_f16(const tsr_depthwise_conv2d_params *p, const tsr_f16 *input,
                             const tsr_f16 *weights, const tsr_f16 *bias, tsr_f16 *output);
int tsr_maxpool2d_f16(const tsr_pool2d_params *p, const tsr_f16 *x, tsr_f16 *y);
int tsr_avgpool2d_f16(const tsr_pool2d_params *p, const tsr_f16 *x, tsr_f16 *y);
int tsr_reduce_f16(const tsr_reduce_params *p, const tsr_f16 *x, tsr_f16 *y);
/* The same reductions of a half x written in float (the FP16 float head: the feature map
 * stays half, only the reduced values are float); the reduce accepts MEAN and SUM. */
int tsr_avgpool2d_f16_f32(const tsr_pool2d_params *p, const tsr_f16 *x, float *y);
int tsr_reduce_f16_f32(const tsr_reduce_params *p, const tsr_f16 *x, float *y);
/* a, b and c are half; alpha and beta float. */
int tsr_gemm_f16(const tsr_gemm_params *p, const tsr_f16 *a, const tsr_f16 *b, const tsr_f16 *c,
                 tsr_f16 *y);
int tsr_matmul_f16(const tsr_matmul_params *p, const tsr_f16 *a, const tsr_f16 *b, tsr_f16 *y);
int tsr_binary_f16(const tsr_binary_params *p, const tsr_f16 *a, const tsr_f16 *b, tsr_f16 *y);
int tsr_activation_f16(const tsr_activation_params *p, const tsr_f16 *x, tsr_f16 *y);
int tsr_channel_affine_f16(const tsr_channel_affine_params *p, const tsr_f16 *x,
                           const float *scale, const float *shift, tsr_f16 *y);
int tsr_softmax_f16(const tsr_softmax_params *p, const tsr_f16 *x, tsr_f16 *y);

/* Conversions at the model's boundary (--io fp32 with FP16 inside, or the reverse);
 * round to nearest even, with subnormals, infinities and NaN. */
int tsr_convert_f32_to_f16(int32_t size, const float *x, tsr_f16 *y);
int tsr_convert_f16_to_f32(int32_t size, const tsr_f16 *x, float *y);
/* A Transpose (any strided gather, tsr_strided_copy_params) converting on the way: one
 * pass where a conversion and a copy would take two buffers. y must not alias x. */
int tsr_strided_convert_f32_to_f16(const tsr_strided_copy_params *p, const float *x, tsr_f16 *y);
int tsr_strided_convert_f16_to_f32(const tsr_strided_copy_params *p, const tsr_f16 *x, float *y);

#ifdef __cplusplus
}
#endif

#endif /* TSR_KERNELS_H */
