/*
 * Tessera runtime: half-precision primitives shared by the FP16 kernels (static inline
 * only, not public API). Portable C99. No allocation, no global state.
 *
 * Every FP16 kernel file includes this header and does its arithmetic through it, so that
 * the numerics live in one place and a faster back end can replace a primitive without
 * touching the kernels. The file has three parts:
 *
 *  1. Configuration: what the compiler and the core offer (TSR_F16_NATIVE from
 *     tsr_types.h, TSR_F16_ARITH, TSR_HACC_EMULATE, TSR_SIMD).
 *  2. Back ends: one block per back end, selected at compile time by TSR_SIMD. A back end
 *     defines any of the primitives of part 3 under the same name and signature and, for
 *     each one it defines, the macro TSR_HAVE_<NAME> (the name in capitals without its
 *     tsr_ prefix: TSR_HAVE_HACC_DOT for tsr_hacc_dot, ...), plus the helpers its vector
 *     kernels share. The Helium/MVE back end (Cortex-M55/M85) provides the vector helpers
 *     that tsr_mm_*.c and tsr_depthwise_conv2d_vec_*.c use beside their portable code;
 *     the GCC/Clang generic-vector back end (RISC-V Zfh with clang) provides the eight-lane
 *     types tsr_mm_f16.c uses; with TSR_F16_ARITH the portable half arithmetic is the
 *     core's own. A back end must give the
 *     same results as the portable code for the conversions and compares it replaces, and
 *     for reductions the same up to the order of the additions (vector lanes): callers
 *     treat that difference as rounding noise.
 *  3. Portable fallbacks: plain C99 for every primitive, each guarded by #ifndef
 *     TSR_HAVE_<NAME>, so whatever a back end leaves out still exists.
 *
 * Primitives (all static inline):
 *  - conversions: tsr_h2f, tsr_f2h (one value), tsr_h2f_pair (two consecutive values),
 *    tsr_h2f_n, tsr_f2h_n (rows), and the always-available bit-level versions
 *    tsr_h2f_bits, tsr_f2h_bits (IEEE binary16 bits <-> binary32 bits, integer
 *    operations only: round to nearest even, subnormals, signed zeros and infinities
 *    exact, NaN kept as a quiet NaN with sign and top payload bits);
 *  - compares on half values with float semantics: tsr_h_isnan, tsr_h_gt, tsr_h_ge;
 *  - half arithmetic: the value type tsr_hval, tsr_hround, tsr_hmac; tsr_fmac_exact (a
 *    float multiply-add of two half values);
 *  - accumulation in one of the tsr_acc_mode modes: the accumulator tsr_hacc with
 *    tsr_hacc_init, tsr_hacc_dot, tsr_hacc_sum, and the one-shot tsr_dot_f16;
 *  - kernel helpers: TSR_F16_BLOCK, tsr_acc_valid, tsr_f16_act_store.
 *
 * Accumulation semantics (the reference every back end is measured against): a dot
 * product sum(a[i] * b[i]) over an ordered sequence of terms is
 *  - TSR_ACC_F32: acc += (float)a[i] * (float)b[i] in float, in order (the product of two
 *    halves is exact in float, so this matches the FP32 kernels on the same values);
 *  - TSR_ACC_F16: acc = half(acc + a[i] * b[i]), in order, acc starting at +0: one
 *    rounding to half (to nearest even) per term, of the exact value. This is the fused
 *    multiply-add the FP16 cores compute in one instruction (Helium VFMA.F16, Zfh
 *    fmadd.h), so the portable code and the vector back ends give the same bits;
 *  - TSR_ACC_CHUNKED: as TSR_ACC_F16 within consecutive runs of TSR_ACC_CHUNK terms (the
 *    last run may be shorter); each run's half sum is added to a float total, in order.
 * Runs are counted over the whole sequence, not per call, so splitting a dot product into
 * several tsr_hacc_dot calls (one per kernel row, say) does not change its result.
 * With TSR_F16_ARITH the fused multiply-add is the core's own (or, where the compiler has
 * no half FMA for the core, emulated as below); otherwise it is emulated in float: the
 * product of two halves is exact in float, their sum with acc is rounded to odd (Knuth's
 * two-sum gives the error of the float sum exactly; an inexact sum takes the neighbour with
 * an odd last bit), and that is rounded to half. Rounding to odd first and to nearest
 * after, with at least two more bits (float has 24, half 11), is the single correctly
 * rounded result: the portable code gives the same bits on every target. Build with
 * -DTSR_HACC_EMULATE=0 to let TSR_ACC_F16 and TSR_ACC_CHUNKED accumulate in float on
 * cores without FP16 arithmetic instead (faster there, and more accurate).
 *
 * The code relies on -ffp-contract=off (as the whole library does): the FP32 kernels' and
 * the float accumulations' results must not depend on what the compiler contracts.
 */
#ifndef TSR_SIMD_H
#define TSR_SIMD_H

#include <stdint.h>
#include <string.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

/* ==== 1. configuration ============================================================== */

/* TSR_F16_ARITH: 1 when the core has scalar FP16 arithmetic that the compiler uses for
 * _Float16 operations without promoting them to float (Armv8.1-M with the FP16 extension,
 * e.g. Cortex-M55/M85; RISC-V Zfh; x86 AVX512-FP16). May be predefined (0 or 1). */
#ifndef TSR_F16_ARITH
#if TSR_F16_NATIVE && (defined(__ARM_FEATURE_FP16_SCALAR_ARITHMETIC) || \
                       defined(__riscv_zfh) || defined(__AVX512FP16__))
#define TSR_F16_ARITH 1
#else
#define TSR_F16_ARITH 0
#endif
#endif
#if TSR_F16_ARITH && !TSR_F16_NATIVE
#error "TSR_F16_ARITH needs the _Float16 storage type (TSR_F16_NATIVE)"
#endif

/* TSR_HACC_EMULATE: 1 (default) to round TSR_ACC_F16 and TSR_ACC_CHUNKED accumulation to
 * half in software where the core has no FP16 arithmetic (same results everywhere); 0 to
 * accumulate those modes in float there. No effect when TSR_F16_ARITH is 1. */
#ifndef TSR_HACC_EMULATE
#define TSR_HACC_EMULATE 1
#endif

/* TSR_SIMD: the back end, chosen from what the compiler targets (may be predefined):
 *  - TSR_SIMD_HELIUM: Arm M-profile Vector Extension with floating point (Helium, MVE-F:
 *    Cortex-M55/M85), through arm_mve.h: 8 half or 4 float lanes per instruction, vector
 *    by scalar fused multiply-add (VFMA Qd, Qn, Rm), half <-> float conversion of the even
 *    (bottom) or odd (top) lanes;
 *  - TSR_SIMD_PORTABLE: plain C99 (part 3 only). With TSR_F16_ARITH (RISC-V Zfh, say)
 *    the half arithmetic of part 3 compiles to the core's scalar FP16 instructions;
 *  - TSR_SIMD_VECTOR: GCC/clang generic vectors (vector_size) of _Float16 and float, on
 *    cores with FP16 arithmetic and no Helium (RISC-V Zfh, AArch64): the compiler maps
 *    the lanes to the core's FP16 instructions, scalar ones where it has no vector unit.
 *    Each lane computes exactly what part 3 computes for it (the half multiply-add fused:
 *    __builtin_elementwise_fma in clang, the scalar __builtin_fmaf16 lane by lane in gcc),
 *    so results are identical. Needs __builtin_convertvector (clang with
 *    __builtin_elementwise_fma, gcc 9+). */
/* TSR_HAVE_ELEMENTWISE_FMA: clang's __builtin_elementwise_fma, a fused multiply-add on
 * scalars and vectors that compiles to the core's instruction (clang turns
 * __builtin_fmaf16 into a library call on Arm and RISC-V). */
#if defined(__clang__) && defined(__has_builtin)
#if __has_builtin(__builtin_elementwise_fma)
#define TSR_HAVE_ELEMENTWISE_FMA 1
#endif
#endif
#ifndef TSR_HAVE_ELEMENTWISE_FMA
#define TSR_HAVE_ELEMENTWISE_FMA 0
#endif

#define TSR_SIMD_PORTABLE 0
#define TSR_SIMD_HELIUM 1
#define TSR_SIMD_VECTOR 2
#ifndef TSR_SIMD
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 2) && TSR_F16_NATIVE && !defined(TSR_NO_SIMD)
#define TSR_SIMD TSR_SIMD_HELIUM
#elif TSR_F16_ARITH && (TSR_HAVE_ELEMENTWISE_FMA || (!defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 9)) && \
    !defined(TSR_NO_SIMD)
#define TSR_SIMD TSR_SIMD_VECTOR
#else
#define TSR_SIMD TSR_SIMD_PORTABLE
#endif
#endif

/* ==== 2. back ends ================================================================== */

#if TSR_SIMD == TSR_SIMD_HELIUM
#include <arm_mve.h>

/* TSR_HELIUM_F16: 1 when the FP16 kernels may use their Helium paths. Those convert
 * between half and float lanes with VCVTB/VCVTT, which the GNU assembler of binutils 2.40
 * (Debian's arm-none-eabi-gcc 12) encodes with the wrong Q registers for any register
 * above q1 (it writes D-register numbers), silently computing garbage. clang's integrated
 * assembler encodes them correctly. So by default only clang gets the FP16 Helium paths;
 * gcc builds use the portable FP16 code (the FP32 Helium paths need no conversion and stay
 * on). Predefine TSR_HELIUM_F16=1 with a fixed assembler. */
#ifndef TSR_HELIUM_F16
#if defined(__clang__)
#define TSR_HELIUM_F16 1
#else
#define TSR_HELIUM_F16 0
#endif
#endif

/* Half pointers as arm_mve.h's float16_t (the same IEEE binary16 bits). */
#define TSR_MVE_CH(p) ((const float16_t *)(const void *)(p))
#define TSR_MVE_H(p) ((float16_t *)(void *)(p))

/* The value of a tsr_f16 as an arm_mve.h scalar (a move, no conversion). */
static inline float16_t tsr_mve_scalar(const tsr_f16 *p)
{
    return *TSR_MVE_CH(p);
}

/* Activations the vector epilogues apply in registers (float lanes); any other kind goes
 * through tsr_act_apply_n on a float buffer. NaN passes through, as in part 3. */
static inline int tsr_mve_act_inline(const tsr_act *act)
{
    return act->kind == TSR_ACT_NONE || act->kind == TSR_ACT_RELU || act->kind == TSR_ACT_CLIP;
}

static inline float32x4_t tsr_mve_act_f32(const tsr_act *act, float32x4_t v)
{
    const float32x4_t zero = vdupq_n_f32(0.0f);
    switch (act->kind) {
    case TSR_ACT_RELU:
        return vpselq_f32(zero, v, vcmpltq_f32(v, zero));
    case TSR_ACT_CLIP:
        v = vpselq_f32(vdupq_n_f32(act->min), v, vcmpltq_n_f32(v, act->min));
        return vpselq_f32(vdupq_n_f32(act->max), v, vcmpgtq_n_f32(v, act->max));
    default:
        return v;
    }
}

#if TSR_HELIUM_F16
/* The inline activations as a clamp of half lanes to [lo, hi], the bounds rounded to half
 * (infinite when absent). Rounding to half is monotone, so clamping a half result to the
 * rounded bounds gives the half rounding of the float activation. NaN compares false and
 * passes through. The bounds are scalars: a compare with a scalar and a predicated
 * duplicate need no vector register. */
typedef struct {
    float16_t lo, hi;
} tsr_mve_clamp_f16;

static inline tsr_mve_clamp_f16 tsr_mve_clamp_of(const tsr_act *act)
{
    const float inf = HUGE_VALF;
    tsr_mve_clamp_f16 c;
    c.lo = (float16_t)(act->kind == TSR_ACT_RELU ? 0.0f : act->kind == TSR_ACT_CLIP ? act->min : -inf);
    c.hi = (float16_t)(act->kind == TSR_ACT_CLIP ? act->max : inf);
    return c;
}

static inline float16x8_t tsr_mve_clamp(tsr_mve_clamp_f16 c, float16x8_t v)
{
    v = vdupq_m_n_f16(v, c.lo, vcmpltq_n_f16(v, c.lo));
    return vdupq_m_n_f16(v, c.hi, vcmpgtq_n_f16(v, c.hi));
}
#endif

/* y[i] = x[i] for n halves (vector moves; n >= 0). */
static inline void tsr_mve_copy_h(tsr_f16 *y, const tsr_f16 *x, int32_t n)
{
    for (; n >= 8; n -= 8, x += 8, y += 8) {
        vst1q_f16(TSR_MVE_H(y), vld1q_f16(TSR_MVE_CH(x)));
    }
    if (n > 0) {
        const mve_pred16_t p = vctp16q((uint32_t)n);
        vstrhq_p_f16(TSR_MVE_H(y), vldrhq_z_f16(TSR_MVE_CH(x), p), p);
    }
}

/* y[i] = 0 for n halves, or floats (predicated stores: a plain loop would be turned into a
 * call of the C library's memset, a byte loop in picolibc). */
static inline void tsr_mve_zero_h(tsr_f16 *y, int32_t n)
{
    const float16x8_t zero = vdupq_n_f16(0);
    for (; n > 0; n -= 8, y += 8) {
        vstrhq_p_f16(TSR_MVE_H(y), zero, vctp16q((uint32_t)n));
    }
}

static inline void tsr_mve_zero_f(float *y, int32_t n)
{
    const float32x4_t zero = vdupq_n_f32(0.0f);
    for (; n > 0; n -= 4, y += 4) {
        vstrwq_p_f32(y, zero, vctp32q((uint32_t)n));
    }
}

/* y[i] = x[i] for n floats. */
static inline void tsr_mve_copy_f(float *y, const float *x, int32_t n)
{
    for (; n >= 4; n -= 4, x += 4, y += 4) {
        vst1q_f32(y, vld1q_f32(x));
    }
    if (n > 0) {
        const mve_pred16_t p = vctp32q((uint32_t)n);
        vstrwq_p_f32(y, vldrwq_z_f32(x, p), p);
    }
}

#elif TSR_SIMD == TSR_SIMD_VECTOR
/* Eight half lanes, and their float values (part 3's semantics lane by lane). Loads and
 * stores go through memcpy: no alignment is assumed. */
__extension__ typedef _Float16 tsr_v8h __attribute__((vector_size(16)));
__extension__ typedef float tsr_v8f __attribute__((vector_size(32)));

static inline tsr_v8h tsr_v8h_load(const tsr_f16 *p)
{
    tsr_v8h v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline tsr_v8f tsr_v8h_widen(tsr_v8h v)
{
    return __builtin_convertvector(v, tsr_v8f);
}

/* c + a * b lane by lane, each rounded to half once (a fused multiply-add). */
static inline tsr_v8h tsr_v8h_fma(tsr_v8h a, tsr_v8h b, tsr_v8h c)
{
#if TSR_HAVE_ELEMENTWISE_FMA
    return __builtin_elementwise_fma(a, b, c);
#else
    int i;
    for (i = 0; i < 8; ++i) {
        c[i] = __builtin_fmaf16(a[i], b[i], c[i]);
    }
    return c;
#endif
}
#elif TSR_SIMD != TSR_SIMD_PORTABLE
#error "unknown TSR_SIMD back end"
#endif

/* Arm scalar FPU cores with half conversions (Cortex-M4/M7/M33: FPv4/FPv5, where VCVTB and
 * VCVTT convert the bottom or the top half of a single-precision register): two consecutive
 * halves as floats from one word load. C cannot name the top half's conversion, so the two
 * conversions are inline assembly (GCC and clang; "t": a single-precision register). Each
 * is the instruction the compiler emits for tsr_h2f, so the values are tsr_h2f's. */
#if TSR_SIMD == TSR_SIMD_PORTABLE && TSR_F16_NATIVE && defined(__GNUC__) && defined(__arm__) && \
    defined(__ARM_FP) && (__ARM_FP & 2) && (__ARM_FP & 4) && !defined(__ARM_BIG_ENDIAN)
#define TSR_HAVE_H2F_PAIR 1
static inline void tsr_h2f_pair(const tsr_f16 *x, float *lo, float *hi)
{
    float word, a, b;
    memcpy(&word, x, sizeof word); /* x[0] in the bottom half (little-endian) */
    __asm__("vcvtb.f32.f16 %0, %1" : "=t"(a) : "t"(word));
    __asm__("vcvtt.f32.f16 %0, %1" : "=t"(b) : "t"(word));
    *lo = a;
    *hi = b;
}
#endif

#ifndef TSR_HELIUM_F16
#define TSR_HELIUM_F16 0
#endif

/* ==== 3. portable fallbacks ========================================================= */

/* ---- bit-level conversions (always available, integer operations only) ------------ */

/* The bits of a float and back (memcpy: no aliasing questions, compiles to a move). */
static inline uint32_t tsr_f32_to_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float tsr_f32_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

#ifndef TSR_HAVE_H2F_BITS
#define TSR_HAVE_H2F_BITS 1
/* binary16 bits -> binary32 bits, exact. A NaN becomes a quiet NaN with the same sign and
 * payload (shifted into the top of the float payload). */
static inline uint32_t tsr_h2f_bits(uint16_t h)
{
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t exp = (uint32_t)(h >> 10) & 0x1Fu;
    uint32_t man = (uint32_t)h & 0x3FFu;
    if (exp == 0x1Fu) { /* infinity or NaN */
        return sign | 0x7F800000u | (man << 13) | (man != 0 ? 0x00400000u : 0u);
    }
    if (exp != 0) { /* normal: rebias the exponent (127 - 15 = 112) */
        return sign | ((exp + 112u) << 23) | (man << 13);
    }
    if (man == 0) { /* signed zero */
        return sign;
    }
    { /* subnormal man * 2^-24: normalise so that bit 10 is the leading one */
        uint32_t e = 113u; /* biased float exponent of 2^-14 */
        while ((man & 0x400u) == 0) {
            man <<= 1;
            --e;
        }
        return sign | (e << 23) | ((man & 0x3FFu) << 13);
    }
}
#endif

#ifndef TSR_HAVE_F2H_BITS
#define TSR_HAVE_F2H_BITS 1
/* binary32 bits -> binary16 bits, rounded to nearest, ties to even. Overflow gives an
 * infinity, underflow a subnormal or a signed zero. A NaN becomes a quiet NaN with the
 * same sign and the top 10 payload bits. */
static inline uint16_t tsr_f2h_bits(uint32_t f)
{
    const uint32_t sign = (f >> 16) & 0x8000u;
    const uint32_t mag = f & 0x7FFFFFFFu;
    uint32_t h, rem, half;
    if (mag >= 0x7F800000u) { /* infinity or NaN */
        const uint32_t nan = mag > 0x7F800000u ? 0x0200u | ((mag >> 13) & 0x3FFu) : 0u;
        return (uint16_t)(sign | 0x7C00u | nan);
    }
    if (mag >= 0x477FF000u) { /* >= 65520 = (65504 + 65536) / 2: rounds to infinity */
        return (uint16_t)(sign | 0x7C00u);
    }
    if (mag >= 0x38800000u) { /* >= 2^-14: normal half. Rebias, then round on 13 bits. */
        h = (mag - 0x38000000u) >> 13;
        rem = mag & 0x1FFFu;
        if (rem > 0x1000u || (rem == 0x1000u && (h & 1u) != 0)) {
            ++h; /* a carry out of the significand steps the exponent: still right */
        }
        return (uint16_t)(sign | h);
    }
    if (mag <= 0x33000000u) { /* <= 2^-25 (half the smallest subnormal): ties to 0 */
        return (uint16_t)sign;
    }
    { /* subnormal half: value / 2^-24 = significand >> (126 - exponent), shift 14..24 */
        const uint32_t shift = 126u - (mag >> 23);
        const uint32_t man = (mag & 0x7FFFFFu) | 0x800000u;
        h = man >> shift;
        rem = man & ((1u << shift) - 1u);
        half = 1u << (shift - 1u);
        if (rem > half || (rem == half && (h & 1u) != 0)) {
            ++h; /* may become 0x400, the smallest normal: right as well */
        }
        return (uint16_t)(sign | h);
    }
}
#endif

/* ---- value conversions ------------------------------------------------------------ */

#ifndef TSR_HAVE_H2F
#define TSR_HAVE_H2F 1
/* Half to float (exact). */
static inline float tsr_h2f(tsr_f16 h)
{
#if TSR_F16_NATIVE
    return (float)h;
#else
    return tsr_f32_from_bits(tsr_h2f_bits(h));
#endif
}
#endif

#ifndef TSR_HAVE_H2F_PAIR
#define TSR_HAVE_H2F_PAIR 1
/* *lo = float(x[0]), *hi = float(x[1]): two consecutive halves (any alignment). */
static inline void tsr_h2f_pair(const tsr_f16 *x, float *lo, float *hi)
{
    *lo = tsr_h2f(x[0]);
    *hi = tsr_h2f(x[1]);
}
#endif

#ifndef TSR_HAVE_F2H
#define TSR_HAVE_F2H 1
/* Float to half, rounded to nearest even. */
static inline tsr_f16 tsr_f2h(float f)
{
#if TSR_F16_NATIVE
    return (tsr_f16)f;
#else
    return tsr_f2h_bits(tsr_f32_to_bits(f));
#endif
}
#endif

#ifndef TSR_HAVE_H2F_N
#define TSR_HAVE_H2F_N 1
/* y[i] = float(x[i]) for n values. */
static inline void tsr_h2f_n(const tsr_f16 *x, float *y, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        y[i] = tsr_h2f(x[i]);
    }
}
#endif

#ifndef TSR_HAVE_F2H_N
#define TSR_HAVE_F2H_N 1
/* y[i] = half(x[i]) for n values. */
static inline void tsr_f2h_n(const float *x, tsr_f16 *y, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        y[i] = tsr_f2h(x[i]);
    }
}
#endif

/* ---- compares (float semantics: NaN compares false, -0 == +0) --------------------- */

#if !TSR_F16_NATIVE
/* A uint16_t half as an int ordered like its value (both zeros map to 0). Not for NaN. */
static inline int32_t tsr_h_key(tsr_f16 h)
{
    const int32_t mag = (int32_t)(h & 0x7FFFu);
    return (h & 0x8000u) != 0 ? -mag : mag;
}
#endif

#ifndef TSR_HAVE_H_ISNAN
#define TSR_HAVE_H_ISNAN 1
static inline int tsr_h_isnan(tsr_f16 h)
{
#if TSR_F16_NATIVE
    return h != h;
#else
    return (h & 0x7FFFu) > 0x7C00u;
#endif
}
#endif

#ifndef TSR_HAVE_H_GT
#define TSR_HAVE_H_GT 1
/* a > b. */
static inline int tsr_h_gt(tsr_f16 a, tsr_f16 b)
{
#if TSR_F16_NATIVE
    return a > b;
#else
    return !tsr_h_isnan(a) && !tsr_h_isnan(b) && tsr_h_key(a) > tsr_h_key(b);
#endif
}
#endif

#ifndef TSR_HAVE_H_GE
#define TSR_HAVE_H_GE 1
/* a >= b. */
static inline int tsr_h_ge(tsr_f16 a, tsr_f16 b)
{
#if TSR_F16_NATIVE
    return a >= b;
#else
    return !tsr_h_isnan(a) && !tsr_h_isnan(b) && tsr_h_key(a) >= tsr_h_key(b);
#endif
}
#endif

/* ---- half arithmetic -------------------------------------------------------------- */

/* tsr_hval: a value of half precision in the form the core computes with: _Float16 with
 * FP16 arithmetic, otherwise a float that always holds a half-representable value (or,
 * with TSR_HACC_EMULATE 0, any float). TSR_HVAL_ZERO is +0 of that type.
 * tsr_hround(x): x rounded to half, as a tsr_hval. tsr_hval_to_f: the value as a float.
 * tsr_hmac(acc, a, b): half(acc + a * b) rounded once, a fused multiply-add in half. With
 * TSR_HACC_EMULATE 0 and no FP16 arithmetic, tsr_hround is the identity and tsr_hmac a
 * float multiply-add. */

/* acc + p rounded to odd in float, for finite acc and p: the float sum if it is exact,
 * otherwise whichever of the two floats around the exact sum has an odd last bit (the
 * sum's neighbour toward its error, when the sum's last bit is even). Rounding this to
 * half rounds acc + p to half once. */
static inline float tsr_add_round_odd(float acc, float p)
{
    const float s = acc + p;
    const float pb = s - acc, ab = s - pb;
    const float e = (p - pb) + (acc - ab); /* acc + p - s, exactly (Knuth's two-sum) */
    uint32_t u = tsr_f32_to_bits(s);
    if (e != 0.0f && (u & 1u) == 0u && (u & 0x7F800000u) != 0x7F800000u) {
        u = (e > 0.0f) == (s > 0.0f) ? u + 1u : u - 1u; /* one float step toward e */
    }
    return tsr_f32_from_bits(u);
}

#if TSR_F16_ARITH

typedef tsr_f16 tsr_hval;
#define TSR_HVAL_ZERO ((tsr_hval)0.0f)

static inline tsr_hval tsr_hround(float x)
{
    return (tsr_hval)x;
}

static inline float tsr_hval_to_f(tsr_hval v)
{
    return (float)v;
}

#ifndef TSR_HAVE_HMAC
#define TSR_HAVE_HMAC 1
static inline tsr_hval tsr_hmac(tsr_hval acc, tsr_f16 a, tsr_f16 b)
{
#if TSR_HAVE_ELEMENTWISE_FMA
    return __builtin_elementwise_fma(a, b, acc); /* VFMA.F16, fmadd.h, ... */
#elif defined(__GNUC__) && !defined(__clang__)
    return __builtin_fmaf16(a, b, acc);
#else
    return (tsr_hval)tsr_add_round_odd((float)acc, (float)a * (float)b);
#endif
}
#endif

#else /* !TSR_F16_ARITH */

typedef float tsr_hval;
#define TSR_HVAL_ZERO 0.0f

#ifndef TSR_HAVE_HROUND
#define TSR_HAVE_HROUND 1
static inline tsr_hval tsr_hround(float x)
{
#if !TSR_HACC_EMULATE
    return x;
#elif TSR_F16_NATIVE
    const tsr_f16 h = (tsr_f16)x; /* a separate object: the rounding cannot be skipped */
    return (float)h;
#else
    return tsr_f32_from_bits(tsr_h2f_bits(tsr_f2h_bits(tsr_f32_to_bits(x))));
#endif
}
#endif

static inline float tsr_hval_to_f(tsr_hval v)
{
    return v;
}

#ifndef TSR_HAVE_HMAC
#define TSR_HAVE_HMAC 1
static inline tsr_hval tsr_hmac(tsr_hval acc, tsr_f16 a, tsr_f16 b)
{
    const float p = tsr_h2f(a) * tsr_h2f(b); /* exact in float */
#if TSR_HACC_EMULATE
    return tsr_hround(tsr_add_round_odd(acc, p));
#else
    return acc + p;
#endif
}
#endif

#endif /* TSR_F16_ARITH */

/* acc + a * b where the product is exact in float (a and b are half values: 11-bit
 * significands): one fused multiply-add where the core has one in hardware (Arm FPv4/FPv5
 * VFMA, RISC-V F fmadd.s; the compiler says so by __ARM_FEATURE_FMA, __riscv_flen or
 * __FP_FAST_FMAF), else a multiply and an add. The same value either way, since rounding
 * the exact product changes nothing: the float accumulation of TSR_ACC_F32, bit for bit. */
static inline float tsr_fmac_exact(float acc, float a, float b)
{
#if defined(__ARM_FEATURE_FMA) || defined(__riscv_flen) || defined(__FP_FAST_FMAF) || \
    defined(FP_FAST_FMAF)
    return fmaf(a, b, acc);
#else
    return acc + a * b;
#endif
}

/* ---- accumulation in a tsr_acc_mode ---------------------------------------------- */

/* Non-zero for the accumulation modes the kernels know (a switch: enums may be short). */
static inline int tsr_acc_valid(tsr_acc_mode mode)
{
    switch (mode) {
    case TSR_ACC_F32:
    case TSR_ACC_F16:
    case TSR_ACC_CHUNKED:
        return 1;
    default:
        return 0;
    }
}

/* The running state of one dot product or sum. Initialise with tsr_hacc_init, feed with
 * tsr_hacc_dot (any number of calls: the terms form one ordered sequence), read with
 * tsr_hacc_sum. */
typedef struct {
    tsr_acc_mode mode;
    int32_t room; /* TSR_ACC_CHUNKED: terms the current run can still take (1 .. CHUNK) */
    float total;  /* TSR_ACC_F32: the sum; TSR_ACC_CHUNKED: the sum of the finished runs */
    tsr_hval part; /* TSR_ACC_F16: the sum; TSR_ACC_CHUNKED: the current run's sum */
} tsr_hacc;

static inline void tsr_hacc_init(tsr_hacc *s, tsr_acc_mode mode)
{
    s->mode = mode;
    s->room = TSR_ACC_CHUNK;
    s->total = 0.0f;
    s->part = TSR_HVAL_ZERO;
}

#ifndef TSR_HAVE_HACC_DOT
#define TSR_HAVE_HACC_DOT 1
/* Adds a[i * sa] * b[i * sb] for i < n (n >= 0; strides may be 0 or negative as long as
 * every element read exists). An unknown mode accumulates as TSR_ACC_F32. */
static inline void tsr_hacc_dot(tsr_hacc *s, const tsr_f16 *a, int32_t sa, const tsr_f16 *b,
                                int32_t sb, int32_t n)
{
    int32_t i, ai = 0, bi = 0;
    switch (s->mode) {
    case TSR_ACC_F16: {
        tsr_hval part = s->part;
        for (i = 0; i < n; ++i, ai += sa, bi += sb) {
            part = tsr_hmac(part, a[ai], b[bi]);
        }
        s->part = part;
        break;
    }
    case TSR_ACC_CHUNKED:
        while (n > 0) {
            const int32_t run = n < s->room ? n : s->room;
            tsr_hval part = s->part;
            for (i = 0; i < run; ++i, ai += sa, bi += sb) {
                part = tsr_hmac(part, a[ai], b[bi]);
            }
            n -= run;
            s->room -= run;
            if (s->room == 0) { /* the run is full: move its sum to the float total */
                s->total += tsr_hval_to_f(part);
                part = TSR_HVAL_ZERO;
                s->room = TSR_ACC_CHUNK;
            }
            s->part = part;
        }
        break;
    case TSR_ACC_F32:
    default: {
        float total = s->total;
        for (i = 0; i < n; ++i, ai += sa, bi += sb) {
            total += tsr_h2f(a[ai]) * tsr_h2f(b[bi]);
        }
        s->total = total;
        break;
    }
    }
}
#endif

/* The accumulated value as a float. */
static inline float tsr_hacc_sum(const tsr_hacc *s)
{
    switch (s->mode) {
    case TSR_ACC_F16:
        return tsr_hval_to_f(s->part);
    case TSR_ACC_CHUNKED:
        return s->total + tsr_hval_to_f(s->part);
    case TSR_ACC_F32:
    default:
        return s->total;
    }
}

/* sum(a[i * sa] * b[i * sb], i < n) accumulated in `mode`, as a float. */
static inline float tsr_dot_f16(const tsr_f16 *a, int32_t sa, const tsr_f16 *b, int32_t sb,
                                int32_t n, tsr_acc_mode mode)
{
    tsr_hacc s;
    tsr_hacc_init(&s, mode);
    tsr_hacc_dot(&s, a, sa, b, sb, n);
    return tsr_hacc_sum(&s);
}

/* ---- kernel helpers --------------------------------------------------------------- */

/* Row moves for the packing kernels (im2col): y[i] = x[i], or 0, for n values. */
static inline void tsr_h_copy(tsr_f16 *y, const tsr_f16 *x, int32_t n)
{
#if TSR_SIMD == TSR_SIMD_HELIUM
    tsr_mve_copy_h(y, x, n);
#else
    memcpy(y, x, (size_t)n * sizeof *y);
#endif
}

static inline void tsr_h_zero(tsr_f16 *y, int32_t n)
{
#if TSR_SIMD == TSR_SIMD_HELIUM
    tsr_mve_zero_h(y, n);
#else
    int32_t i;
    for (i = 0; i < n; ++i) {
        y[i] = TSR_F16(0, 0.0f);
    }
#endif
}

static inline void tsr_f_copy(float *y, const float *x, int32_t n)
{
#if TSR_SIMD == TSR_SIMD_HELIUM
    tsr_mve_copy_f(y, x, n);
#else
    memcpy(y, x, (size_t)n * sizeof *y);
#endif
}

static inline void tsr_f_zero(float *y, int32_t n)
{
#if TSR_SIMD == TSR_SIMD_HELIUM
    tsr_mve_zero_f(y, n);
#else
    int32_t i;
    for (i = 0; i < n; ++i) {
        y[i] = 0.0f;
    }
#endif
}


/* Values the kernels stage in a float buffer on the stack before the activation and the
 * rounding store (TSR_F16_BLOCK * 4 bytes of stack). */
#define TSR_F16_BLOCK 32

/* y[i] = half(act(buf[i])) for n <= TSR_F16_BLOCK values; buf is overwritten. */
static inline void tsr_f16_act_store(const tsr_act *act, float *buf, tsr_f16 *y, int32_t n)
{
    tsr_act_apply_n(act, buf, n);
    tsr_f2h_n(buf, y, n);
}

#endif /* TSR_SIMD_H */
