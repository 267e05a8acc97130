/*
 * Tessera runtime: shared types for the kernel library and generated models.
 * Portable C99. No allocation, no global state.
 */
#ifndef TSR_TYPES_H
#define TSR_TYPES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Highest tensor rank any kernel accepts. */
#define TSR_MAX_RANK 6

/* Alignment of an object (arena, weights) where the compiler supports it. */
#if defined(__GNUC__) || defined(__clang__)
#define TSR_ALIGNED(n) __attribute__((aligned(n)))
#else
#define TSR_ALIGNED(n)
#endif

/* IEEE 754 binary16 storage. Where the compiler has _Float16 (gcc and clang on x86-64 and
 * Arm with -mfp16-format=ieee or FP16 hardware, clang on RISC-V with Zfh) it is that type;
 * otherwise (or with -DTSR_NO_FLOAT16) the raw bits in a uint16_t, converted in software.
 * Either way a tsr_f16 occupies 2 bytes with the IEEE layout. */
#if defined(__FLT16_MANT_DIG__) && !defined(TSR_NO_FLOAT16)
__extension__ typedef _Float16 tsr_f16;
#define TSR_F16_NATIVE 1
#else
typedef uint16_t tsr_f16;
#define TSR_F16_NATIVE 0
#endif

/* A half constant in an initializer: its value where tsr_f16 is _Float16 (exact: the value
 * is a half), its bits where it is a uint16_t. */
#if TSR_F16_NATIVE
#define TSR_F16(bits, value) (value)
#else
#define TSR_F16(bits, value) (bits)
#endif

/* How FP16 kernels accumulate dot products and sums. */
typedef enum {
    TSR_ACC_F32 = 0,    /* in float: most accurate */
    TSR_ACC_F16 = 1,    /* in half: fastest where the core has FP16 arithmetic */
    TSR_ACC_CHUNKED = 2 /* in half within chunks of at most TSR_ACC_CHUNK terms, the chunks'
                         * partial sums added in float */
} tsr_acc_mode;

#define TSR_ACC_CHUNK 32

/* Status codes: every kernel and every generated entry point returns one. */
typedef enum {
    TSR_OK = 0,
    TSR_ERR_NULL = -1,    /* a required pointer is NULL */
    TSR_ERR_PARAM = -2,   /* parameters are out of range or inconsistent */
    TSR_ERR_SCRATCH = -3, /* caller-owned scratch buffer missing or too small */
    TSR_ERR_ALIGN = -4,   /* a buffer does not have the documented alignment */
    TSR_ERR_INPUT = -5    /* the application's <model>_read_input() failed (--input streamed) */
} tsr_status;

/* Activation applied to each output element at the end of a kernel (fused), or on its own
 * by tsr_activation_f32. */
typedef enum {
    TSR_ACT_NONE = 0,        /* y = x */
    TSR_ACT_RELU = 1,        /* y = max(x, 0) */
    TSR_ACT_CLIP = 2,        /* y = min(max(x, min), max) */
    TSR_ACT_SIGMOID = 3,     /* y = 1 / (1 + exp(-x)) */
    TSR_ACT_TANH = 4,        /* y = tanh(x) */
    TSR_ACT_HARDSIGMOID = 5, /* y = max(0, min(1, alpha * x + beta)) */
    TSR_ACT_HARDSWISH = 6,   /* y = x * max(0, min(1, x / 6 + 1 / 2)) */
    TSR_ACT_LEAKY_RELU = 7,  /* y = x >= 0 ? x : alpha * x */
    TSR_ACT_SILU = 8,        /* y = x / (1 + exp(-x)) */
    TSR_ACT_ABS = 9,         /* y = |x| */
    TSR_ACT_NEG = 10,        /* y = -x */
    TSR_ACT_EXP = 11,        /* y = exp(x) */
    TSR_ACT_LOG = 12,        /* y = log(x) */
    TSR_ACT_SQRT = 13,       /* y = sqrt(x) */
    TSR_ACT_RECIPROCAL = 14, /* y = 1 / x */
    TSR_ACT_ELU = 15,        /* y = x >= 0 ? x : alpha * (exp(x) - 1) */
    TSR_ACT_SELU = 16,       /* y = beta * (x > 0 ? x : alpha * (exp(x) - 1)) (beta = gamma) */
    TSR_ACT_SOFTPLUS = 17,   /* y = log(1 + exp(x)) */
    TSR_ACT_SOFTSIGN = 18,   /* y = x / (1 + |x|) */
    TSR_ACT_ERF = 19,        /* y = erf(x) */
    TSR_ACT_FLOOR = 20,      /* y = floor(x) */
    TSR_ACT_CEIL = 21,       /* y = ceil(x) */
    TSR_ACT_GELU = 22        /* y = x / 2 * (1 + erf(x / sqrt 2)); alpha != 0: the tanh form */
} tsr_act_kind;

typedef struct {
    tsr_act_kind kind;
    float min;   /* TSR_ACT_CLIP */
    float max;   /* TSR_ACT_CLIP */
    float alpha; /* HARDSIGMOID, LEAKY_RELU, ELU, SELU; GELU: non-zero for the tanh form */
    float beta;  /* HARDSIGMOID, SELU (gamma) */
} tsr_act;

/* Layer hook. A driver compiled with -DTSR_LAYER_HOOK provides tsr_layer_done(), which a
 * generated model calls after every layer with each data output (layer index in the
 * schedule, output index, its values): instruction counts per layer, per-layer dumps.
 * Without the define the calls compile to nothing. */
#ifdef TSR_LAYER_HOOK
/* half: 0 when data holds float32 values, 1 when it holds tsr_f16. */
void tsr_layer_done(int32_t layer, int32_t output, const void *data, int32_t count, int32_t half);
#define TSR_LAYER_DONE(layer, output, data, count, half) tsr_layer_done((layer), (output), (data), (count), (half))
#else
#define TSR_LAYER_DONE(layer, output, data, count, half) ((void)0)
#endif

/* Memory checking mode. A build with -DTSR_CHECK_MEMORY links Targets/common/tsr_check.c,
 * and a generated model then checks its memory plan while it runs: every arena buffer's
 * checksum is recorded after the layer that writes it (TSR_CHECK_WRITTEN) and verified
 * before every layer that reads it (TSR_CHECK_READ); the arena bytes whose buffers died at
 * a layer are poisoned after it (TSR_CHECK_POISON); a layer whose output the plan placed
 * over one of its inputs also runs into a shadow area (TSR_CHECK_SHADOW), compared with
 * the real output (TSR_CHECK_SAME). `node` is the layer index in the schedule, `buffer` the
 * index of the arena buffer in the plan (the model's check table names both). A failure
 * prints "tessera check: ..." and exits with status 3. Without the define the hooks
 * compile to nothing and no table is emitted. */
#ifdef TSR_CHECK_MEMORY
typedef struct {
    int32_t num_nodes;
    int32_t num_buffers;
    const char *const *nodes;   /* each layer's location: nodes[3] "conv2" */
    const char *const *buffers; /* each arena buffer's tensors: "x", "x_flat" */
    uint32_t *sums;             /* state: each buffer's checksum at its last write */
    int32_t *writers;           /* state: the layer that last wrote it, -1: none */
} tsr_check_table;
void tsr_check_begin(const tsr_check_table *table, const void *arena);
void tsr_check_written(int32_t node, int32_t buffer, const void *data, uint32_t bytes);
void tsr_check_read(int32_t node, int32_t buffer, const void *data, uint32_t bytes);
void tsr_check_poison(int32_t node, void *data, uint32_t bytes);
void *tsr_check_shadow(uint32_t bytes);
void tsr_check_same(int32_t node, int32_t buffer, const void *data, const void *shadow, uint32_t bytes);
#define TSR_CHECK_BEGIN(table, arena) tsr_check_begin(&(table), (arena))
#define TSR_CHECK_WRITTEN(node, buffer, data, bytes) tsr_check_written((node), (buffer), (data), (bytes))
#define TSR_CHECK_READ(node, buffer, data, bytes) tsr_check_read((node), (buffer), (data), (bytes))
#define TSR_CHECK_POISON(node, data, bytes) tsr_check_poison((node), (data), (bytes))
#define TSR_CHECK_SHADOW(bytes) tsr_check_shadow((bytes))
#define TSR_CHECK_SAME(node, buffer, data, shadow, bytes) tsr_check_same((node), (buffer), (data), (shadow), (bytes))
#else
#define TSR_CHECK_BEGIN(table, arena) ((void)0)
#define TSR_CHECK_WRITTEN(node, buffer, data, bytes) ((void)0)
#define TSR_CHECK_READ(node, buffer, data, bytes) ((void)0)
#define TSR_CHECK_POISON(node, data, bytes) ((void)0)
#define TSR_CHECK_SHADOW(bytes) ((void *)0)
#define TSR_CHECK_SAME(node, buffer, data, shadow, bytes) ((void)0)
#endif

/* One graph input or output of a generated model, as the model sees it. */
typedef struct {
    const char *name;
    int32_t rank;
    int32_t shape[TSR_MAX_RANK];
    int32_t elems;
} tsr_io_desc;

/* Everything a host program needs to drive a generated model generically. */
typedef struct {
    const char *name;
    uint32_t arena_bytes;   /* caller-owned arena size for run() */
    uint32_t arena_align;   /* required alignment of that arena, in bytes */
    uint32_t weights_bytes; /* read-only weights (flash) */
    int32_t num_inputs;
    int32_t num_outputs;
    const tsr_io_desc *inputs;
    const tsr_io_desc *outputs;
    /* The entry point: exactly one is set, by the element type of the inputs and outputs
     * (tessera --io fp32 or fp16); the other is NULL. */
    int (*run)(const float *const *inputs, float *const *outputs, void *arena);
    int (*run_f16)(const tsr_f16 *const *inputs, tsr_f16 *const *outputs, void *arena);
} tsr_model_desc;

#ifdef __cplusplus
}
#endif

#endif /* TSR_TYPES_H */
