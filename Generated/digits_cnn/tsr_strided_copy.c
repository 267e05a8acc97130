/*
 * Tessera runtime: strided gather into a dense tensor (ONNX Transpose, Slice with any steps,
 * each output of Split, and any other view), generic in the element size:
 *     y[i0..ir] = x[in_offset + sum(i_d * in_stride[d])], strides of any sign,
 * offsets and strides counted in elements of elem_bytes bytes. The kernel cannot know the
 * size of x: the caller guarantees that every index read is inside x. The kernel checks what
 * it can: rank, shape and element size, that no index is negative and that no offset
 * arithmetic leaves int32_t. y must not alias x.
 */
#include <stddef.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"
#include "tsr_checks.h"
#include "tsr_move.h"
#include "tsr_simd.h"

/* A row read contiguously and written every y_step elements (a transpose's rows): Helium
 * scatters four words or eight half words per store; returns how many it moved (none for
 * the other sizes and cores). */
static TSR_ALWAYS_INLINE int32_t scatter_row(const void *x, void *y, int32_t n, int32_t y_step,
                                             int32_t elem_bytes)
{
    int32_t i = 0;
#if TSR_SIMD == TSR_SIMD_HELIUM
    if (elem_bytes == 4 && y_step > 0 && y_step <= INT32_MAX / 4) {
        const uint32_t *xw = (const uint32_t *)x;
        uint32_t *yw = (uint32_t *)y;
        const uint32x4_t off = vmulq_n_u32(vidupq_n_u32(0, 1), (uint32_t)y_step);
        for (; i + 4 <= n; i += 4) {
            vstrwq_scatter_shifted_offset_u32(yw + i * y_step, off, vld1q_u32(xw + i));
        }
    } else if (elem_bytes == 2 && y_step > 0 && y_step <= 65535 / 7) { /* 16-bit offsets */
        const uint16_t *xh = (const uint16_t *)x;
        uint16_t *yh = (uint16_t *)y;
        const uint16x8_t off = vmulq_n_u16(vidupq_n_u16(0, 1), (uint16_t)y_step);
        for (; i + 8 <= n; i += 8) {
            vstrhq_scatter_shifted_offset_u16(yh + i * y_step, off, vld1q_u16(xh + i));
        }
    }
#else
    (void)x, (void)y, (void)n, (void)y_step, (void)elem_bytes;
#endif
    return i;
}

/* Row elements i .. n - 1 one by one as type T: x[off + i * step] to y[yo + i * y_step]
 * (x and y the kernel's pointers as T). */
#define TSR_GATHER_REST(T, x, y, off, yo, n, step, y_step, i)                     \
    do {                                                                          \
        const T *x_ = (const T *)(x);                                             \
        T *y_ = (T *)(y);                                                         \
        int32_t xi_ = (off) + (i) * (step), yi_ = (yo) + (i) * (y_step);          \
        for (; (i) < (n); ++(i), xi_ += (step), yi_ += (y_step)) {                \
            y_[yi_] = x_[xi_];                                                    \
        }                                                                         \
    } while (0)

/* Every row of the walk, for elements of elem_bytes bytes (inlined: a constant elem_bytes
 * keeps only its loops). The rows all have the walk's n, step and y_step: runs of n
 * elements where both steps are 1, else gathers, with the Helium scatter where x is read
 * contiguously. */
static TSR_ALWAYS_INLINE void copy_rows(tsr_strided_walk *w, const void *x, void *y,
                                         int32_t elem_bytes)
{
    /* n >= 1 (tsr_strided_start); len is n with that spelled out, so that the compiler drops
     * the guards of the runs' copies and of the scatters (the gathers do better on n). */
    const int32_t n = w->n, len = n > 1 ? n : 1, step = w->step, y_step = w->y_step;
    if (step == 1 && y_step == 1) {
        do {
            tsr_move((uint8_t *)y + tsr_elem_span(w->yo, elem_bytes),
                     (const uint8_t *)x + tsr_elem_span(w->off, elem_bytes), len, elem_bytes);
        } while (tsr_strided_next(w));
        return;
    }
    do {
        int32_t i = 0;
        if (step == 1) {
            i = scatter_row((const uint8_t *)x + tsr_elem_span(w->off, elem_bytes),
                            (uint8_t *)y + tsr_elem_span(w->yo, elem_bytes), len, y_step,
                            elem_bytes);
        }
        switch (elem_bytes) {
        case 4:
            TSR_GATHER_REST(uint32_t, x, y, w->off, w->yo, n, step, y_step, i);
            break;
        case 2:
            TSR_GATHER_REST(uint16_t, x, y, w->off, w->yo, n, step, y_step, i);
            break;
        case 8:
            TSR_GATHER_REST(uint64_t, x, y, w->off, w->yo, n, step, y_step, i);
            break;
        default:
            TSR_GATHER_REST(uint8_t, x, y, w->off, w->yo, n, step, y_step, i);
            break;
        }
    } while (tsr_strided_next(w));
}

/* The float and half specialisations, each a function of its own (TSR_NOINLINE). */
static TSR_NOINLINE void copy_rows_4(tsr_strided_walk *w, const void *x, void *y)
{
    copy_rows(w, x, y, 4);
}

static TSR_NOINLINE void copy_rows_2(tsr_strided_walk *w, const void *x, void *y)
{
    copy_rows(w, x, y, 2);
}

int tsr_strided_copy(const tsr_strided_copy_params *p, const void *x, void *y)
{
    tsr_strided_walk w;

    if (p == NULL || x == NULL || y == NULL) {
        return TSR_ERR_NULL;
    }
    if (!tsr_elem_bytes_ok(p->elem_bytes) || !tsr_strided_copy_params_ok(p)) {
        return TSR_ERR_PARAM;
    }
    if (!tsr_strided_start(&w, p)) {
        return TSR_OK; /* nothing to copy */
    }
    switch (p->elem_bytes) {
    case 4:
        copy_rows_4(&w, x, y);
        break;
    case 2:
        copy_rows_2(&w, x, y);
        break;
    default:
        copy_rows(&w, x, y, p->elem_bytes);
        break;
    }
    return TSR_OK;
}
