/*
 * Tessera runtime: blocked matrix micro-kernel, FP16 (see tsr_mm.h). Block b of the packed
 * weights holds columns [b * C, b * C + nb), C = TSR_PACK_COLS_F16, row by row.
 *
 * Helium: half accumulators, two 8-lane vectors per row, one vector-by-scalar FMA per row,
 * vector and weight row. TSR_ACC_CHUNKED ends a chunk every TSR_ACC_CHUNK terms (counted
 * across segments), keeps the chunks' half sums and adds them to float totals GROUP
 * chunks at a time; TSR_ACC_F16 has one chunk; TSR_ACC_F32 widens the weights and
 * accumulates in float. The float values of a half vector are kept as its even and odd
 * lanes (vcvtb/vcvtt), which is how the bias is widened and the outputs narrowed.
 */
#include <stddef.h>

#include "tsr_internal.h"
#include "tsr_mm.h"
#include "tsr_simd.h"

#if TSR_SIMD == TSR_SIMD_HELIUM && TSR_HELIUM_F16

/* Chunk sums kept (as half vectors, on the stack) before they are added up in float. */
#define GROUP 8

/* Float totals of one row's 16 columns: vector v as its even lanes t[2v] and its odd
 * lanes t[2v + 1], started from the bias (0 past nb or without one). */
static void load_bias(const tsr_f16 *bias, int32_t nb, float32x4_t t[4])
{
    const float16x8_t b0 = bias != NULL ? vldrhq_z_f16(TSR_MVE_CH(bias), vctp16q((uint32_t)nb))
                                        : vdupq_n_f16(0);
    const float16x8_t b1 = bias != NULL && nb > 8
                               ? vldrhq_z_f16(TSR_MVE_CH(bias) + 8, vctp16q((uint32_t)(nb - 8)))
                               : vdupq_n_f16(0);
    t[0] = vcvtbq_f32_f16(b0), t[1] = vcvttq_f32_f16(b0);
    t[2] = vcvtbq_f32_f16(b1), t[3] = vcvttq_f32_f16(b1);
}

/* t += the float values of the half sums h0 (columns 0..7) and h1 (8..15). */
static inline void add_half(float32x4_t t[4], float16x8_t h0, float16x8_t h1)
{
    t[0] = vaddq_f32(t[0], vcvtbq_f32_f16(h0));
    t[1] = vaddq_f32(t[1], vcvttq_f32_f16(h0));
    t[2] = vaddq_f32(t[2], vcvtbq_f32_f16(h1));
    t[3] = vaddq_f32(t[3], vcvttq_f32_f16(h1));
}

/* Activation, rounding to half and a store of one row's nb <= 16 outputs, for the
 * activations tsr_mve_act_f32 does not apply in registers: through a float buffer. With a
 * residual (not NULL), each sum is rounded to half and the residual added first. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void store_row_buffered(const float32x4_t t[4], const tsr_act *act, const tsr_f16 *res,
                               tsr_f16 *y, int32_t nb)
{
    float buf[TSR_PACK_COLS_F16];
    int32_t v, j;
    for (v = 0; v < 2; ++v) {
        float32x4x2_t eo;
        eo.val[0] = t[2 * v];
        eo.val[1] = t[2 * v + 1];
        vst2q_f32(buf + 8 * v, eo);
    }
    if (res != NULL) {
        for (j = 0; j < nb; ++j) {
            buf[j] = tsr_h2f(tsr_f2h(buf[j])) + tsr_h2f(res[j]);
        }
    }
    tsr_act_apply_n(act, buf, nb);
    tsr_f2h_n(buf, y, nb);
}

/* Rounding to half, the residual (NULL: none) by one IEEE half addition (the float sum of
 * the two halves rounded once), the activation and a store of one row's nb <= 16 outputs.
 * The residual is read just before the store: it may be y itself. */
static TSR_ALWAYS_INLINE void store_row(const float32x4_t t[4], const tsr_act *act,
                                         tsr_mve_clamp_f16 c, const tsr_f16 *res, tsr_f16 *y,
                                         int32_t nb)
{
    int v;
    if (!tsr_mve_act_inline(act)) {
        store_row_buffered(t, act, res, y, nb);
        return;
    }
    if (res != NULL) { /* c: tsr_mve_clamp_of(act), taken once per block */
        for (v = 0; v < 2 && nb > 8 * v; ++v) {
            const mve_pred16_t p = vctp16q((uint32_t)(nb - 8 * v));
            float16x8_t h = vcvtbq_f16_f32(vdupq_n_f16(0), t[2 * v]);
            h = vcvttq_f16_f32(h, t[2 * v + 1]);
            h = vaddq_f16(h, vldrhq_z_f16(TSR_MVE_CH(res + 8 * v), p));
            vstrhq_p_f16(TSR_MVE_H(y + 8 * v), tsr_mve_clamp(c, h), p);
        }
        return;
    }
    for (v = 0; v < 2 && nb > 8 * v; ++v) {
        float16x8_t h = vcvtbq_f16_f32(vdupq_n_f16(0), tsr_mve_act_f32(act, t[2 * v]));
        h = vcvttq_f16_f32(h, tsr_mve_act_f32(act, t[2 * v + 1]));
        vstrhq_p_f16(TSR_MVE_H(y + 8 * v), h, vctp16q((uint32_t)(nb - 8 * v)));
    }
}

/* One term of the 3-row, 16-column tile: the weight row at wk (two vectors) times the next
 * value of each row (q0, q1, q2), into the accumulators x00 .. x21. */
#define TSR_MM_F16_STEP()                                                                  \
    do {                                                                                   \
        const float16x8_t w0 = vld1q_f16(wk);                                              \
        const float16x8_t w1 = vld1q_f16(wk + 8);                                          \
        const float16_t s0 = *q0++, s1 = *q1++, s2 = *q2++;                                \
        x00 = vfmaq_n_f16(x00, w0, s0);                                                    \
        x01 = vfmaq_n_f16(x01, w1, s0);                                                    \
        x10 = vfmaq_n_f16(x10, w0, s1);                                                    \
        x11 = vfmaq_n_f16(x11, w1, s1);                                                    \
        x20 = vfmaq_n_f16(x20, w0, s2);                                                    \
        x21 = vfmaq_n_f16(x21, w1, s2);                                                    \
    } while (0)

/* Where block_full is in its rows: the next value of each row, the next weight row, the
 * values left in the current segment, the segments left. */
typedef struct {
    const float16_t *q0, *q1, *q2, *w;
    int32_t left, segs;
} cursor;

/* Up to GROUP chunks of `chunk` terms from c on: each chunk's six half sums (row r,
 * vector v at part[g][2r + v]). Returns the number of chunks. jump: from the end of a
 * segment to the start of the next, per row. */
static int32_t run_chunks(cursor *c, int32_t seg, const int32_t jump[3], int32_t chunk,
                          float16x8_t part[GROUP][6])
{
    const float16_t *q0 = c->q0, *q1 = c->q1, *q2 = c->q2, *wk = c->w;
    const float16x8_t zero = vdupq_n_f16(0);
    int32_t left = c->left, segs = c->segs, g;
    float16x8_t *out = part[0];
    for (g = 0; g < GROUP && segs > 0; ++g, out += 6) {
        float16x8_t x00 = zero, x01 = zero, x10 = zero, x11 = zero, x20 = zero, x21 = zero;
        if (left >= chunk) { /* the common case: the chunk lies in the current segment */
            int32_t i = chunk;
            do {
                TSR_MM_F16_STEP();
                wk += TSR_PACK_COLS_F16;
            } while (--i > 0);
            left -= chunk;
            if (left == 0) {
                q0 += jump[0], q1 += jump[1], q2 += jump[2];
                left = seg;
                --segs;
            }
        } else {
            int32_t need = chunk;
            do { /* one chunk: runs within a segment */
                const int32_t run = need < left ? need : left;
                int32_t i = run; /* >= 1: need and left are */
                do {
                    TSR_MM_F16_STEP();
                    wk += TSR_PACK_COLS_F16;
                } while (--i > 0);
                need -= run;
                left -= run;
                if (left == 0) {
                    q0 += jump[0], q1 += jump[1], q2 += jump[2];
                    left = seg;
                    --segs;
                }
            } while (need > 0 && segs > 0);
        }
        out[0] = x00, out[1] = x01, out[2] = x10;
        out[3] = x11, out[4] = x20, out[5] = x21;
    }
    c->q0 = q0, c->q1 = q1, c->q2 = q2, c->w = wk;
    c->left = left, c->segs = segs;
    return g;
}

/* Adds the chunk sums part[0 .. count) to the totals t of three rows. Kept out of line so
 * that the totals stay in memory across the chunk loop instead of being spilled and
 * reloaded around every chunk. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void add_chunks(float32x4_t t[TSR_MM_ROWS][4], float16x8_t part[GROUP][6],
                       int32_t count)
{
    int32_t r, c;
    for (r = 0; r < TSR_MM_ROWS; ++r) {
        float32x4_t u[4];
        u[0] = t[r][0], u[1] = t[r][1], u[2] = t[r][2], u[3] = t[r][3];
        for (c = 0; c < count; ++c) {
            add_half(u, part[c][2 * r], part[c][2 * r + 1]);
        }
        t[r][0] = u[0], t[r][1] = u[1], t[r][2] = u[2], t[r][3] = u[3];
    }
}

/* One row's 16 half sums plus the bias, then plus the residual (either NULL: none),
 * clamped, stored. The bias is read here, row by row, to keep vector registers free; the
 * residual just before the store (it may be y itself). */
static TSR_ALWAYS_INLINE void store_half_row(float16x8_t v0, float16x8_t v1, const tsr_f16 *bias,
                                  const tsr_f16 *res, tsr_mve_clamp_f16 c, tsr_f16 *y)
{
    if (bias != NULL) {
        v0 = vaddq_f16(v0, vld1q_f16(TSR_MVE_CH(bias)));
        v1 = vaddq_f16(v1, vld1q_f16(TSR_MVE_CH(bias) + 8));
    }
    if (res != NULL) {
        v0 = vaddq_f16(v0, vld1q_f16(TSR_MVE_CH(res)));
        v1 = vaddq_f16(v1, vld1q_f16(TSR_MVE_CH(res) + 8));
    }
    vst1q_f16(TSR_MVE_H(y), tsr_mve_clamp(c, v0));
    vst1q_f16(TSR_MVE_H(y) + 8, tsr_mve_clamp(c, v1));
}

/* A full block of 16 columns for two or three rows (a missing third row repeats the
 * second; its sums are dropped) whose dot products are one chunk (TSR_ACC_F16, or k <=
 * TSR_ACC_CHUNK), with an inline activation: six half accumulators from zero, then the
 * bias by one IEEE half addition (which is the float sum rounded once: float holds any sum
 * of two halves exactly, or closer than half an ulp of half) and the activation as a
 * clamp in half. */
static TSR_ALWAYS_INLINE void block_one_chunk(const tsr_mm_rows *m, const tsr_f16 *const a[], const tsr_f16 *w,
                            const tsr_f16 *bias, const tsr_act *act, const tsr_f16 *const res[],
                            tsr_f16 *const y[])
{
    const int32_t seg = m->seg, r2 = m->rows > 2 ? 2 : 1;
    const float16_t *q0 = TSR_MVE_CH(a[0]), *q1 = TSR_MVE_CH(a[1]), *q2 = TSR_MVE_CH(a[r2]);
    const float16_t *wk = TSR_MVE_CH(w);
    const int32_t j0 = m->stride[0] - seg, j1 = m->stride[1] - seg, j2 = m->stride[r2] - seg;
    float16x8_t x00 = vdupq_n_f16(0), x01 = x00, x10 = x00, x11 = x00, x20 = x00, x21 = x00;
    tsr_mve_clamp_f16 c;
    int32_t s = m->nseg, i;
    do { /* nseg, seg >= 1 (k > 0) */
        i = seg;
        do {
            TSR_MM_F16_STEP();
            wk += TSR_PACK_COLS_F16;
        } while (--i > 0);
        q0 += j0, q1 += j1, q2 += j2;
    } while (--s > 0);
    c = tsr_mve_clamp_of(act);
    store_half_row(x00, x01, bias, res != NULL ? res[0] : NULL, c, y[0]);
    store_half_row(x10, x11, bias, res != NULL ? res[1] : NULL, c, y[1]);
    if (m->rows > 2) {
        store_half_row(x20, x21, bias, res != NULL ? res[2] : NULL, c, y[2]);
    }
}

#undef TSR_MM_F16_STEP

/* A narrow block (nb <= 8 columns, one vector) for two or three rows whose dot products are
 * one chunk, with an inline activation: as block_one_chunk, with predicated weight loads
 * and stores. */
static TSR_ALWAYS_INLINE void block_narrow(const tsr_mm_rows *m, const tsr_f16 *const a[], const tsr_f16 *w,
                         int32_t nb, const tsr_f16 *bias, const tsr_act *act,
                         const tsr_f16 *const res[], tsr_f16 *const y[])
{
    const int32_t seg = m->seg, r2 = m->rows > 2 ? 2 : 1;
    const mve_pred16_t p = vctp16q((uint32_t)nb);
    const float16_t *q0 = TSR_MVE_CH(a[0]), *q1 = TSR_MVE_CH(a[1]), *q2 = TSR_MVE_CH(a[r2]);
    const float16_t *wk = TSR_MVE_CH(w);
    const int32_t j0 = m->stride[0] - seg, j1 = m->stride[1] - seg, j2 = m->stride[r2] - seg;
    float16x8_t x0 = vdupq_n_f16(0), x1 = x0, x2 = x0, b = x0;
    tsr_mve_clamp_f16 c;
    int32_t s = m->nseg, i;
    do { /* nseg, seg >= 1 (k > 0) */
        i = seg;
        do {
            const float16x8_t wv = vldrhq_z_f16(wk, p);
            x0 = vfmaq_n_f16(x0, wv, *q0++);
            x1 = vfmaq_n_f16(x1, wv, *q1++);
            x2 = vfmaq_n_f16(x2, wv, *q2++);
            wk += nb;
        } while (--i > 0);
        q0 += j0, q1 += j1, q2 += j2;
    } while (--s > 0);
    c = tsr_mve_clamp_of(act);
    if (bias != NULL) {
        b = vldrhq_z_f16(TSR_MVE_CH(bias), p);
        x0 = vaddq_f16(x0, b), x1 = vaddq_f16(x1, b), x2 = vaddq_f16(x2, b);
    }
    if (res != NULL) { /* read before the stores: res may be y */
        x0 = vaddq_f16(x0, vldrhq_z_f16(TSR_MVE_CH(res[0]), p));
        x1 = vaddq_f16(x1, vldrhq_z_f16(TSR_MVE_CH(res[1]), p));
        if (m->rows > 2) {
            x2 = vaddq_f16(x2, vldrhq_z_f16(TSR_MVE_CH(res[2]), p));
        }
    }
    vstrhq_p_f16(TSR_MVE_H(y[0]), tsr_mve_clamp(c, x0), p);
    vstrhq_p_f16(TSR_MVE_H(y[1]), tsr_mve_clamp(c, x1), p);
    if (m->rows > 2) {
        vstrhq_p_f16(TSR_MVE_H(y[2]), tsr_mve_clamp(c, x2), p);
    }
}

/* A full block of 16 columns for two or three rows (a missing third row repeats the
 * second; its sums are dropped), half accumulation in chunks of `chunk` terms. Inlined
 * into block_full and block_full_residual, so that the first has no residual code. */
static TSR_ALWAYS_INLINE void block_full_body(const tsr_mm_rows *m, const tsr_f16 *const a[],
                                              const tsr_f16 *w, const tsr_f16 *bias,
                                              const tsr_act *act, int32_t chunk,
                                              const tsr_f16 *const res[], tsr_f16 *const y[])
{
    const int32_t r2 = m->rows > 2 ? 2 : 1;
    float16x8_t part[GROUP][6];
    float32x4_t t[TSR_MM_ROWS][4];
    int32_t jump[3], r, g;
    cursor c;
    tsr_mve_clamp_f16 clamp;

    c.q0 = TSR_MVE_CH(a[0]), c.q1 = TSR_MVE_CH(a[1]), c.q2 = TSR_MVE_CH(a[r2]);
    c.w = TSR_MVE_CH(w);
    c.left = m->seg, c.segs = m->nseg;
    jump[0] = m->stride[0] - m->seg, jump[1] = m->stride[1] - m->seg;
    jump[2] = m->stride[r2] - m->seg;
    g = run_chunks(&c, m->seg, jump, chunk, part);
    clamp = tsr_mve_clamp_of(act); /* used with a residual only */
    if (c.segs == 0) { /* one group holds every chunk: the totals stay in registers */
        for (r = 0; r < m->rows; ++r) {
            float32x4_t u[4];
            int32_t k;
            load_bias(bias, TSR_PACK_COLS_F16, u);
            for (k = 0; k < g; ++k) {
                add_half(u, part[k][2 * r], part[k][2 * r + 1]);
            }
            store_row(u, act, clamp, res != NULL ? res[r] : NULL, y[r], TSR_PACK_COLS_F16);
        }
        return;
    }
    load_bias(bias, TSR_PACK_COLS_F16, t[0]);
    for (r = 1; r < TSR_MM_ROWS; ++r) {
        t[r][0] = t[0][0], t[r][1] = t[0][1], t[r][2] = t[0][2], t[r][3] = t[0][3];
    }
    add_chunks(t, part, g);
    while (c.segs > 0) {
        add_chunks(t, part, run_chunks(&c, m->seg, jump, chunk, part));
    }
    for (r = 0; r < m->rows; ++r) {
        store_row(t[r], act, clamp, res != NULL ? res[r] : NULL, y[r], TSR_PACK_COLS_F16);
    }
}

/* The out-of-line blocks keep their set-up out of the common path's frame. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void block_full(const tsr_mm_rows *m, const tsr_f16 *const a[], const tsr_f16 *w,
                       const tsr_f16 *bias, const tsr_act *act, int32_t chunk,
                       tsr_f16 *const y[])
{
    block_full_body(m, a, w, bias, act, chunk, NULL, y);
}

#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void block_full_residual(const tsr_mm_rows *m, const tsr_f16 *const a[],
                                const tsr_f16 *w, const tsr_f16 *bias, const tsr_act *act,
                                int32_t chunk, const tsr_f16 *const res[], tsr_f16 *const y[])
{
    block_full_body(m, a, w, bias, act, chunk, res, y);
}

/* The other blocks (nb < 16 not taken by block_narrow, a single row, more than one chunk
 * at nb < 16, TSR_ACC_F32): one row at a time, predicated weight loads. */
#if defined(__GNUC__)
__attribute__((noinline)) /* keeps its set-up out of the common path's frame */
#endif
static void block_rows(const tsr_mm_rows *m, const tsr_f16 *const a[], const tsr_f16 *w,
                       int32_t nb, const tsr_f16 *bias, const tsr_act *act, tsr_acc_mode acc,
                       const tsr_f16 *const res[], tsr_f16 *const y[])
{
    const mve_pred16_t p0 = vctp16q((uint32_t)nb);
    const mve_pred16_t p1 = vctp16q((uint32_t)(nb > 8 ? nb - 8 : 0));
    const int32_t seg = m->seg, chunk = acc == TSR_ACC_F16 ? m->nseg * seg : TSR_ACC_CHUNK;
    const float16x8_t zero = vdupq_n_f16(0);
    const tsr_mve_clamp_f16 clamp = tsr_mve_clamp_of(act);
    int32_t r;
    for (r = 0; r < m->rows; ++r) {
        const float16_t *q = TSR_MVE_CH(a[r]);
        const float16_t *wr = TSR_MVE_CH(w);
        const int32_t jump = m->stride[r] - seg;
        int32_t segs = m->nseg, left = seg, i;
        float32x4_t t[4];
        load_bias(bias, nb, t);
        if (acc == TSR_ACC_F32) { /* half products are exact in float: FMA in float */
            for (; segs > 0; --segs, q += jump) {
                for (i = 0; i < seg; ++i, wr += nb) {
                    const float16x8_t w0 = vldrhq_z_f16(wr, p0);
                    const float16x8_t w1 = vldrhq_z_f16(wr + 8, p1);
                    const float x = (float)*q++;
                    t[0] = vfmaq_n_f32(t[0], vcvtbq_f32_f16(w0), x);
                    t[1] = vfmaq_n_f32(t[1], vcvttq_f32_f16(w0), x);
                    t[2] = vfmaq_n_f32(t[2], vcvtbq_f32_f16(w1), x);
                    t[3] = vfmaq_n_f32(t[3], vcvttq_f32_f16(w1), x);
                }
            }
        } else {
            while (segs > 0) {
                float16x8_t s0 = zero, s1 = zero;
                int32_t need = chunk;
                do {
                    const int32_t run = need < left ? need : left;
                    for (i = 0; i < run; ++i, wr += nb) {
                        const float16_t x = *q++;
                        s0 = vfmaq_n_f16(s0, vldrhq_z_f16(wr, p0), x);
                        s1 = vfmaq_n_f16(s1, vldrhq_z_f16(wr + 8, p1), x);
                    }
                    need -= run;
                    left -= run;
                    if (left == 0) {
                        q += jump;
                        left = seg;
                        --segs;
                    }
                } while (need > 0 && segs > 0);
                add_half(t, s0, s1);
            }
        }
        store_row(t, act, clamp, res != NULL ? res[r] : NULL, y[r], nb);
    }
}

static TSR_ALWAYS_INLINE void block(const tsr_mm_rows *m, const tsr_f16 *const a[], const tsr_f16 *w,
                  int32_t nb, const tsr_f16 *bias, const tsr_act *act, tsr_acc_mode acc,
                  const tsr_f16 *const res[], tsr_f16 *const y[])
{
    const int32_t k = m->nseg * m->seg;
    if (nb == TSR_PACK_COLS_F16 && m->rows > 1 && acc != TSR_ACC_F32 &&
        (acc == TSR_ACC_F16 || k <= TSR_ACC_CHUNK) && tsr_mve_act_inline(act)) {
        block_one_chunk(m, a, w, bias, act, res, y);
    } else if (nb <= 8 && m->rows > 1 && acc != TSR_ACC_F32 &&
               (acc == TSR_ACC_F16 || k <= TSR_ACC_CHUNK) && tsr_mve_act_inline(act)) {
        block_narrow(m, a, w, nb, bias, act, res, y);
    } else if (nb == TSR_PACK_COLS_F16 && m->rows > 1 && acc != TSR_ACC_F32) {
        const int32_t chunk = acc == TSR_ACC_F16 ? k : TSR_ACC_CHUNK;
        if (res != NULL) {
            block_full_residual(m, a, w, bias, act, chunk, res, y);
        } else {
            block_full(m, a, w, bias, act, chunk, y);
        }
    } else {
        block_rows(m, a, w, nb, bias, act, acc, res, y);
    }
}

#else /* portable: the reference accumulation of tsr_simd.h, column by column */

/* One column's dot product for the row x (segments `stride` apart), weights from wj, nb
 * apart, accumulated in acc. */
static float column_sum(const tsr_mm_rows *m, const tsr_f16 *x, int32_t stride,
                        const tsr_f16 *wj, int32_t nb, tsr_acc_mode acc)
{
    tsr_hacc sum;
    int32_t s;
    tsr_hacc_init(&sum, acc);
    for (s = 0; s < m->nseg; ++s) {
        tsr_hacc_dot(&sum, x + s * stride, 1, wj + s * m->seg * nb, nb, m->seg);
    }
    return tsr_hacc_sum(&sum);
}

/* The epilogue of every portable path: row r's nb float results in buf (bias included),
 * with a residual (not NULL) each rounded to half and the residual added, then the
 * activation and the rounding to half stored at y. */
static void store_row(const tsr_act *act, float *buf, const tsr_f16 *res, tsr_f16 *y,
                      int32_t nb)
{
    int32_t j;
    if (res != NULL) {
        for (j = 0; j < nb; ++j) {
            buf[j] = tsr_h2f(tsr_f2h(buf[j])) + tsr_h2f(res[j]);
        }
    }
    tsr_f16_act_store(act, buf, y, nb);
}

static void block_columns(const tsr_mm_rows *m, const tsr_f16 *const a[], const tsr_f16 *w,
                          int32_t nb, const tsr_f16 *bias, const tsr_act *act,
                          tsr_acc_mode acc, const tsr_f16 *const res[], tsr_f16 *const y[])
{
    int32_t r, j;
    for (r = 0; r < m->rows; ++r) {
        float buf[TSR_PACK_COLS_F16];
        for (j = 0; j < nb; ++j) {
            const float sum = column_sum(m, a[r], m->stride[r], w + j, nb, acc);
            buf[j] = bias != NULL ? sum + tsr_h2f(bias[j]) : sum;
        }
        store_row(act, buf, res != NULL ? res[r] : NULL, y[r], nb);
    }
}

#if TSR_SIMD == TSR_SIMD_VECTOR

/* A full block of 16 columns, one row at a time, the columns as two vectors of eight
 * lanes: lane j computes block_columns' column j, operation for operation (tsr_simd.h's
 * accumulation: half multiply-adds in runs, float totals, the bias added in float). */
static void block_vector(const tsr_mm_rows *m, const tsr_f16 *const a[], const tsr_f16 *w,
                         const tsr_f16 *bias, const tsr_act *act, tsr_acc_mode acc,
                         const tsr_f16 *const res[], tsr_f16 *const y[])
{
    const int32_t chunk = acc == TSR_ACC_CHUNKED ? TSR_ACC_CHUNK : INT32_MAX;
    const tsr_v8h zero = {0};
    int32_t r, s, i;
    for (r = 0; r < m->rows; ++r) {
        const tsr_f16 *wk = w;
        tsr_v8f t0 = {0}, t1 = {0}; /* float totals (TSR_ACC_F32: the sums) */
        tsr_v8h p0 = zero, p1 = zero; /* half sums of the current run */
        int32_t room = chunk;
        float buf[TSR_PACK_COLS_F16];
        for (s = 0; s < m->nseg; ++s) {
            const tsr_f16 *q = a[r] + s * m->stride[r];
            for (i = 0; i < m->seg; ++i, wk += TSR_PACK_COLS_F16) {
                const tsr_v8h w0 = tsr_v8h_load(wk), w1 = tsr_v8h_load(wk + 8);
                if (acc == TSR_ACC_F32) {
                    const float x = tsr_h2f(q[i]);
                    t0 = t0 + tsr_v8h_widen(w0) * x;
                    t1 = t1 + tsr_v8h_widen(w1) * x;
                } else {
                    const tsr_f16 x = q[i];
                    const tsr_v8h xs = {x, x, x, x, x, x, x, x};
                    p0 = tsr_v8h_fma(w0, xs, p0);
                    p1 = tsr_v8h_fma(w1, xs, p1);
                    if (--room == 0) { /* the run is full: into the float totals */
                        t0 = t0 + tsr_v8h_widen(p0);
                        t1 = t1 + tsr_v8h_widen(p1);
                        p0 = zero, p1 = zero;
                        room = chunk;
                    }
                }
            }
        }
        if (acc == TSR_ACC_F16) {
            t0 = tsr_v8h_widen(p0), t1 = tsr_v8h_widen(p1);
        } else if (acc == TSR_ACC_CHUNKED) {
            t0 = t0 + tsr_v8h_widen(p0), t1 = t1 + tsr_v8h_widen(p1);
        }
        if (bias != NULL) {
            t0 = t0 + tsr_v8h_widen(tsr_v8h_load(bias));
            t1 = t1 + tsr_v8h_widen(tsr_v8h_load(bias + 8));
        }
        memcpy(buf, &t0, sizeof t0);
        memcpy(buf + 8, &t1, sizeof t1);
        store_row(act, buf, res != NULL ? res[r] : NULL, y[r], TSR_PACK_COLS_F16);
    }
}

static TSR_ALWAYS_INLINE void block(const tsr_mm_rows *m, const tsr_f16 *const a[], const tsr_f16 *w,
                  int32_t nb, const tsr_f16 *bias, const tsr_act *act, tsr_acc_mode acc,
                  const tsr_f16 *const res[], tsr_f16 *const y[])
{
    if (nb == TSR_PACK_COLS_F16) {
        block_vector(m, a, w, bias, act, acc, res, y);
    } else {
        block_columns(m, a, w, nb, bias, act, acc, res, y);
    }
}

#else

/* One term of quad_f32: the four weights at w (converted in pairs) times v0, v1, v2. */
#define TSR_QUAD_TERM(v0, v1, v2)                                                         \
    do {                                                                                  \
        float w0, w1, w2, w3;                                                             \
        tsr_h2f_pair(w, &w0, &w1);                                                        \
        tsr_h2f_pair(w + 2, &w2, &w3);                                                    \
        s00 = tsr_fmac_exact(s00, v0, w0), s01 = tsr_fmac_exact(s01, v0, w1);             \
        s02 = tsr_fmac_exact(s02, v0, w2), s03 = tsr_fmac_exact(s03, v0, w3);             \
        s10 = tsr_fmac_exact(s10, v1, w0), s11 = tsr_fmac_exact(s11, v1, w1);             \
        s12 = tsr_fmac_exact(s12, v1, w2), s13 = tsr_fmac_exact(s13, v1, w3);             \
        s20 = tsr_fmac_exact(s20, v2, w0), s21 = tsr_fmac_exact(s21, v2, w1);             \
        s22 = tsr_fmac_exact(s22, v2, w2), s23 = tsr_fmac_exact(s23, v2, w3);             \
        w += nb;                                                                          \
    } while (0)

/* TSR_ACC_F32, columns [j, j + 4) of every row (rows past m->rows repeat the last one): the
 * twelve float sums in registers, each term by term as tsr_hacc_dot sums them, so the
 * results are block_columns' bits. Two terms at a time, so that each row's two values and
 * each term's four weights are converted in pairs (tsr_h2f_pair: one load on the Arm FPU
 * cores). */
static void quad_f32(const tsr_mm_rows *m, const tsr_f16 *const a[], const tsr_f16 *w,
                     int32_t nb, float t[TSR_MM_ROWS][4])
{
    const int32_t r1 = m->rows > 1 ? 1 : 0, r2 = m->rows > 2 ? 2 : r1;
    float s00 = 0.0f, s01 = 0.0f, s02 = 0.0f, s03 = 0.0f;
    float s10 = 0.0f, s11 = 0.0f, s12 = 0.0f, s13 = 0.0f;
    float s20 = 0.0f, s21 = 0.0f, s22 = 0.0f, s23 = 0.0f;
    int32_t s, i;
    for (s = 0; s < m->nseg; ++s) {
        const tsr_f16 *x0 = a[0] + s * m->stride[0], *x1 = a[r1] + s * m->stride[r1];
        const tsr_f16 *x2 = a[r2] + s * m->stride[r2];
        for (i = 0; i + 2 <= m->seg; i += 2) {
            float u0, u1, u2, v0, v1, v2;
            tsr_h2f_pair(x0 + i, &u0, &v0);
            tsr_h2f_pair(x1 + i, &u1, &v1);
            tsr_h2f_pair(x2 + i, &u2, &v2);
            TSR_QUAD_TERM(u0, u1, u2);
            TSR_QUAD_TERM(v0, v1, v2);
        }
        if (i < m->seg) {
            const float u0 = tsr_h2f(x0[i]), u1 = tsr_h2f(x1[i]), u2 = tsr_h2f(x2[i]);
            TSR_QUAD_TERM(u0, u1, u2);
        }
    }
    t[0][0] = s00, t[0][1] = s01, t[0][2] = s02, t[0][3] = s03;
    t[1][0] = s10, t[1][1] = s11, t[1][2] = s12, t[1][3] = s13;
    t[2][0] = s20, t[2][1] = s21, t[2][2] = s22, t[2][3] = s23;
}

#undef TSR_QUAD_TERM

/* Scalar FPU cores, where half is a storage format (TSR_ACC_F32): four columns at a time
 * for all rows, each operand converted once per term instead of once per multiply-add;
 * the last nb % 4 columns, and the half accumulation modes, column by column. */
static TSR_ALWAYS_INLINE void block(const tsr_mm_rows *m, const tsr_f16 *const a[], const tsr_f16 *w,
                  int32_t nb, const tsr_f16 *bias, const tsr_act *act, tsr_acc_mode acc,
                  const tsr_f16 *const res[], tsr_f16 *const y[])
{
    const int32_t wide = acc == TSR_ACC_F32 ? nb / 4 * 4 : 0; /* columns taken by quad_f32 */
    float buf[TSR_MM_ROWS][TSR_PACK_COLS_F16];
    int32_t r, j, c;
    if (wide == 0) {
        block_columns(m, a, w, nb, bias, act, acc, res, y);
        return;
    }
    for (j = 0; j < wide; j += 4) {
        float t[TSR_MM_ROWS][4];
        quad_f32(m, a, w + j, nb, t);
        for (r = 0; r < m->rows; ++r) {
            for (c = 0; c < 4; ++c) {
                buf[r][j + c] = bias != NULL ? t[r][c] + tsr_h2f(bias[j + c]) : t[r][c];
            }
        }
    }
    for (r = 0; r < m->rows; ++r) {
        for (j = wide; j < nb; ++j) {
            const float sum = column_sum(m, a[r], m->stride[r], w + j, nb, acc);
            buf[r][j] = bias != NULL ? sum + tsr_h2f(bias[j]) : sum;
        }
        store_row(act, buf[r], res != NULL ? res[r] : NULL, y[r], nb);
    }
}

#endif
#endif

/* Both entry points: block by block of TSR_PACK_COLS_F16 columns (res NULL: none),
 * inlined into each, so that tsr_mm_f16 has no residual code at all. */
static TSR_ALWAYS_INLINE void mm(const tsr_mm_rows *m, const tsr_f16 *const a[], const tsr_f16 *w, int32_t n,
               const tsr_f16 *bias, const tsr_act *act, tsr_acc_mode acc,
               const tsr_f16 *const res[], tsr_f16 *const y[])
{
    const int32_t k = m->nseg * m->seg;
    int32_t j0, r;
    for (j0 = 0; j0 < n; j0 += TSR_PACK_COLS_F16) {
        const int32_t nb = n - j0 < TSR_PACK_COLS_F16 ? n - j0 : TSR_PACK_COLS_F16;
        const tsr_f16 *rb[TSR_MM_ROWS];
        tsr_f16 *yb[TSR_MM_ROWS];
        for (r = 0; r < m->rows; ++r) {
            yb[r] = y[r] + j0;
            rb[r] = res != NULL ? res[r] + j0 : NULL;
        }
        block(m, a, w + j0 * k, nb, bias != NULL ? bias + j0 : NULL, act, acc,
              res != NULL ? rb : NULL, yb);
    }
}

void tsr_mm_f16(const tsr_mm_rows *m, const tsr_f16 *const a[], const tsr_f16 *w, int32_t n,
                const tsr_f16 *bias, const tsr_act *act, tsr_acc_mode acc, tsr_f16 *const y[])
{
    mm(m, a, w, n, bias, act, acc, NULL, y);
}

void tsr_mm_f16_residual(const tsr_mm_rows *m, const tsr_f16 *const a[], const tsr_f16 *w,
                         int32_t n, const tsr_f16 *bias, const tsr_act *act,
                         tsr_acc_mode acc, const tsr_f16 *const res[], tsr_f16 *const y[])
{
    mm(m, a, w, n, bias, act, acc, res, y);
}
