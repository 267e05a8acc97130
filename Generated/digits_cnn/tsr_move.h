/*
 * Tessera runtime: helpers of the data-movement kernels (copy, pad, concat, strided copy,
 * resize, insert region), which are generic in the element size: they move elements of
 * elem_bytes bytes without looking at their values (static inline only, not public API).
 * Portable C99.
 */
#ifndef TSR_MOVE_H
#define TSR_MOVE_H

#include <stddef.h>
#include <stdint.h>

#include "tsr_kernels.h"
#include "tsr_internal.h"

/* Non-zero for the element sizes the data-movement kernels take: 1, 2, 4 or 8 bytes. */
static inline int tsr_elem_bytes_ok(int32_t elem_bytes)
{
    return elem_bytes == 1 || elem_bytes == 2 || elem_bytes == 4 || elem_bytes == 8;
}

/* n elements of `elem_bytes` (a valid size) as a byte count. */
static inline size_t tsr_elem_span(int32_t n, int32_t elem_bytes)
{
    return (size_t)n * (size_t)elem_bytes;
}

/* TSR_MOVE_HALF_PAIRS: 1 to move aligned runs of half elements a word (two of them) at a
 * time; 0 under Helium, whose vector loops move 16 bytes per load and store whatever the
 * lane size, so the test would only cost. */
#ifndef TSR_MOVE_HALF_PAIRS
#if defined(__ARM_FEATURE_MVE)
#define TSR_MOVE_HALF_PAIRS 0
#else
#define TSR_MOVE_HALF_PAIRS 1
#endif
#endif

/* y[i] = x[i] for n elements of elem_bytes bytes (a valid size; x and y aligned to it, not
 * overlapping), one load and store per element, or per two half elements where both
 * pointers are word aligned and n is even. Loops rather than memcpy: picolibc's memcpy is a
 * byte loop, while compilers vectorise these (Helium: 16 bytes per vector load and store)
 * or copy a register per load and store. The loops count elements, so that the compiler
 * sees the trip count (Helium tail-predicated loops). Inlined: a kernel that passes a
 * constant elem_bytes keeps only its loop. */
static TSR_ALWAYS_INLINE void tsr_move(void *y, const void *x, int32_t n, int32_t elem_bytes)
{
    const int pairs = elem_bytes == 2 && TSR_MOVE_HALF_PAIRS &&
                      (((uintptr_t)x | (uintptr_t)y | (uint32_t)n) & 3u) == 0u;
    int32_t i;
    if (elem_bytes == 4 || pairs) {
        const uint32_t *xw = (const uint32_t *)x;
        uint32_t *yw = (uint32_t *)y;
        const int32_t words = elem_bytes == 4 ? n : n / 2;
        for (i = 0; i < words; ++i) {
            yw[i] = xw[i];
        }
    } else if (elem_bytes == 2) {
        const uint16_t *xh = (const uint16_t *)x;
        uint16_t *yh = (uint16_t *)y;
        for (i = 0; i < n; ++i) {
            yh[i] = xh[i];
        }
    } else if (elem_bytes == 8) {
        const uint64_t *xd = (const uint64_t *)x;
        uint64_t *yd = (uint64_t *)y;
        for (i = 0; i < n; ++i) {
            yd[i] = xd[i];
        }
    } else {
        const uint8_t *xb = (const uint8_t *)x;
        uint8_t *yb = (uint8_t *)y;
        for (i = 0; i < n; ++i) {
            yb[i] = xb[i];
        }
    }
}

#endif /* TSR_MOVE_H */
