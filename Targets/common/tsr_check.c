/*
 * Tessera memory checking runtime: the functions behind the TSR_CHECK_* hooks of a model
 * compiled into a build with -DTSR_CHECK_MEMORY (tsr_types.h). Shared by the host harness
 * (Targets/host/harness.c) and the QEMU firmware (Targets/qemu/firmware.c); portable C99,
 * no allocation.
 *
 *   <cc> -DTSR_CHECK_MEMORY -DTSR_MODEL_HEADER='"m.h"' -DTSR_CHECK_SHADOW_BYTES=M_CHECK_SHADOW_BYTES \
 *        -I MODEL tsr_check.c ...
 *
 * The generated run() hands the model's check table (node and buffer names, checksum state)
 * to tsr_check_begin() and then, around every layer:
 *   - after a layer writes an arena buffer, records its checksum (FNV-1a) and the writer;
 *   - before a layer reads an arena buffer, verifies the checksum: a mismatch means another
 *     buffer was placed over it while it was live, or its space was poisoned (freed) early;
 *   - after a layer, fills the arena bytes no live buffer holds any more with 0xFF (a NaN
 *     in float and half), as the plan computed at compile time;
 *   - for a layer whose output the plan placed over one of its inputs, compares the real
 *     output with the same kernel run into the shadow area (TSR_CHECK_SHADOW_BYTES here).
 * A failure prints one line "tessera check: ..." on stderr (on QEMU: semihosting) naming
 * the layer and the buffer, and exits with status 3 (memory violation, as the harness).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TSR_CHECK_MEMORY
#error "tsr_check.c is the runtime of builds with -DTSR_CHECK_MEMORY"
#endif
#if !defined(TSR_MODEL_HEADER) || !defined(TSR_CHECK_SHADOW_BYTES)
#error "define TSR_MODEL_HEADER and TSR_CHECK_SHADOW_BYTES (the model's <MODEL>_CHECK_SHADOW_BYTES)"
#endif
#include TSR_MODEL_HEADER

#define CHECK_EXIT_MEMORY 3
#define CHECK_POISON 0xFFu

static const tsr_check_table *check_table;
static const unsigned char *check_arena;
static uint32_t check_shadow[(TSR_CHECK_SHADOW_BYTES + 3u) / 4u + 1u] TSR_ALIGNED(16);

#if defined(__GNUC__)
#define CHECK_FAIL_ATTRS __attribute__((noreturn, format(printf, 1, 2)))
#else
#define CHECK_FAIL_ATTRS
#endif

static void check_fail(const char *fmt, ...) CHECK_FAIL_ATTRS;
static void check_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tessera check: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stderr);
    exit(CHECK_EXIT_MEMORY);
}

static const char *node_name(int32_t node)
{
    if (node == -2) {
        return "the caller (an input in the arena)";
    }
    return check_table != NULL && node >= 0 && node < check_table->num_nodes ? check_table->nodes[node] : "(unknown node)";
}

static const char *buffer_name(int32_t buffer)
{
    return check_table != NULL && buffer >= 0 && buffer < check_table->num_buffers ? check_table->buffers[buffer]
                                                                                   : "(unknown buffer)";
}

static long arena_offset(const void *p)
{
    return (long)((const unsigned char *)p - check_arena);
}

static void check_buffer(int32_t node, int32_t buffer)
{
    if (check_table == NULL) {
        check_fail("%s: TSR_CHECK_* hook before TSR_CHECK_BEGIN", node_name(node));
    }
    if (buffer < 0 || buffer >= check_table->num_buffers) {
        check_fail("%s: buffer id %ld out of range", node_name(node), (long)buffer);
    }
}

static uint32_t fnv1a(const void *data, uint32_t bytes)
{
    const unsigned char *p = (const unsigned char *)data;
    uint32_t h = 2166136261u, i;
    for (i = 0; i < bytes; ++i) {
        h = (h ^ p[i]) * 16777619u;
    }
    return h;
}

void tsr_check_begin(const tsr_check_table *table, const void *arena)
{
    int32_t b;
    check_table = table;
    check_arena = (const unsigned char *)arena;
    for (b = 0; b < table->num_buffers; ++b) {
        table->writers[b] = -1;
        table->sums[b] = 0;
    }
}

void tsr_check_written(int32_t node, int32_t buffer, const void *data, uint32_t bytes)
{
    check_buffer(node, buffer);
    check_table->sums[buffer] = fnv1a(data, bytes);
    check_table->writers[buffer] = node;
}

void tsr_check_read(int32_t node, int32_t buffer, const void *data, uint32_t bytes)
{
    const unsigned char *p = (const unsigned char *)data;
    int32_t writer;
    uint32_t i = 0;
    check_buffer(node, buffer);
    writer = check_table->writers[buffer];
    if (writer == -1) { /* -2: the caller, for an input in the arena */
        check_fail("%s: reads buffer %s (arena+%ld, %lu B) which no layer has written yet", node_name(node),
                   buffer_name(buffer), arena_offset(data), (unsigned long)bytes);
    }
    if (fnv1a(data, bytes) == check_table->sums[buffer]) {
        return;
    }
    while (i < bytes && p[i] == CHECK_POISON) {
        ++i;
    }
    check_fail("%s: reads buffer %s (arena+%ld, %lu B) which no longer holds what %s wrote (%s)", node_name(node),
               buffer_name(buffer), arena_offset(data), (unsigned long)bytes, node_name(writer),
               i == bytes ? "it holds the poison pattern: its space was freed before this read"
                          : "another buffer was written over it while it was live");
}

void tsr_check_poison(int32_t node, void *data, uint32_t bytes)
{
    (void)node;
    memset(data, (int)CHECK_POISON, bytes);
}

void *tsr_check_shadow(uint32_t bytes)
{
    if (bytes > (uint32_t)TSR_CHECK_SHADOW_BYTES) {
        check_fail("shadow area of %lu B asked for, the build has %lu B (TSR_CHECK_SHADOW_BYTES)", (unsigned long)bytes,
                   (unsigned long)TSR_CHECK_SHADOW_BYTES);
    }
    return check_shadow;
}

void tsr_check_same(int32_t node, int32_t buffer, const void *data, const void *shadow, uint32_t bytes)
{
    const unsigned char *p = (const unsigned char *)data, *s = (const unsigned char *)shadow;
    uint32_t i = 0;
    check_buffer(node, buffer);
    while (i < bytes && p[i] == s[i]) {
        ++i;
    }
    if (i < bytes) {
        check_fail("%s: writes buffer %s (arena+%ld, %lu B) over its own input and overwrote input it still needed: "
                   "its bytes differ from the same kernel run into a separate buffer, first at byte %lu",
                   node_name(node), buffer_name(buffer), arena_offset(data), (unsigned long)bytes, (unsigned long)i);
    }
}
