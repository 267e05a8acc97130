/*
 * Tessera host harness: runs one generated model on a tensors-JSON input file, checks that
 * the model kept to its buffers, and writes the outputs as tensors-JSON.
 *
 *   cc -std=c99 -O2 -Wall -Wextra -Werror -pedantic -ffp-contract=off \
 *      -DTSR_MODEL_HEADER='"mlp.h"' -DTSR_MODEL_DESC=mlp_desc -I OUT \
 *      Targets/host/harness.c OUT/\*.c -ljson-c -lm -o run
 *   ./run IN.json OUT.json
 *
 * A model compiled with --io fp16 needs -DTSR_IO_F16 (its inputs and outputs are tsr_f16;
 * the harness converts the JSON numbers with the model's tsr_convert_* kernels).
 * A model compiled with --input streamed needs -DTSR_READ_INPUT=<model>_read_input and
 * -DTSR_STREAM_NHWC=0 or 1: the harness then serves its reads from the frame it read.
 *
 * Exit status: 0 success; 2 usage, I/O or input-file error; 3 memory violation (a guard
 * zone overwritten or an input modified); 4 run() returned an error or the model
 * descriptor is inconsistent. README.md beside this file has the details.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#if !defined(TSR_MODEL_HEADER) || !defined(TSR_MODEL_DESC)
#error "define TSR_MODEL_HEADER (e.g. '\"mlp.h\"') and TSR_MODEL_DESC (e.g. mlp_desc)"
#endif
#include TSR_MODEL_HEADER

#define GUARD_BYTES 64   /* guard zone on each side of every buffer */
#define GUARD_FILL 0xA5  /* known byte pattern of the guard zones */
#define POISON_FILL 0xFF /* arena and outputs before run(); 0xFFFFFFFF is a NaN */
#define IO_ALIGN 16      /* minimum alignment of the input and output buffers */

/* TSR_IO_F16: the model's inputs and outputs are tsr_f16 (tessera --io fp16, which also
 * emits the two conversion kernels used here); else float. */
#ifdef TSR_IO_F16
#include "tsr_kernels.h"
typedef tsr_f16 io_elem;
#define IO_ENTRY run_f16
#else
typedef float io_elem;
#define IO_ENTRY run
#endif

enum { EXIT_IO = 2, EXIT_MEMORY = 3, EXIT_MODEL = 4 };

/* A heap buffer with guard zones directly before and after its payload. */
typedef struct {
    char label[128];       /* `arena`, `input "x"`, `output "y"`: used in messages */
    unsigned char *block;  /* what malloc returned */
    unsigned char *data;   /* aligned payload */
    size_t bytes;
    unsigned char *copy;   /* inputs: the payload as it was before run() */
} guarded;

#if defined(__GNUC__)
#define HARNESS_FAIL_ATTRS __attribute__((noreturn, format(printf, 2, 3)))
#else
#define HARNESS_FAIL_ATTRS
#endif

/* Print "harness: <message>" on stderr and exit with `status`. */
static void fail(int status, const char *fmt, ...) HARNESS_FAIL_ATTRS;
static void fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("harness: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(status);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n + 1, size); /* +1: never ask for zero bytes */
    if (p == NULL) {
        fail(EXIT_IO, "out of memory");
    }
    return p;
}

/* ---- guarded buffers ---------------------------------------------------------------- */

static void guarded_init(guarded *g, const char *kind, const char *name, size_t bytes,
                         size_t align)
{
    size_t misalign;
    snprintf(g->label, sizeof g->label, name != NULL ? "%s \"%s\"" : "%s", kind, name);
    g->block = xcalloc(bytes + 2 * GUARD_BYTES + align, 1);
    misalign = (size_t)((uintptr_t)(g->block + GUARD_BYTES) % align);
    g->data = g->block + GUARD_BYTES + (align - misalign) % align;
    g->bytes = bytes;
    memset(g->data - GUARD_BYTES, GUARD_FILL, GUARD_BYTES);
    memset(g->data, POISON_FILL, bytes);
    memset(g->data + bytes, GUARD_FILL, GUARD_BYTES);
}

/* Report a damaged guard zone; `base` is the zone's offset from the start of the payload. */
static int check_zone(const guarded *g, const unsigned char *zone, const char *side, long base)
{
    int i, bad = 0, first = -1;
    for (i = 0; i < GUARD_BYTES; ++i) {
        if (zone[i] != GUARD_FILL && bad++ == 0) {
            first = i;
        }
    }
    if (bad > 0) {
        fprintf(stderr, "harness: MEMORY VIOLATION: %s: guard zone %s the buffer overwritten; "
                "first bad byte at offset %ld (buffer is %lu bytes), %d of %d guard bytes changed\n",
                g->label, side, base + first, (unsigned long)g->bytes, bad, GUARD_BYTES);
    }
    return bad > 0;
}

/* Both guard zones, and for an input that run() left the payload as it found it. */
static int guarded_check(const guarded *g)
{
    int violations = check_zone(g, g->data - GUARD_BYTES, "before", -(long)GUARD_BYTES) +
                     check_zone(g, g->data + g->bytes, "after", (long)g->bytes);
    size_t i = 0;
    while (g->copy != NULL && i < g->bytes && g->data[i] == g->copy[i]) {
        ++i;
    }
    if (g->copy != NULL && i < g->bytes) {
        fprintf(stderr, "harness: MEMORY VIOLATION: %s was modified by run(); first changed "
                "byte at offset %lu (element %lu)\n", g->label, (unsigned long)i,
                (unsigned long)(i / sizeof(float)));
        violations++;
    }
    return violations;
}

static guarded *guarded_ios(const tsr_io_desc *ios, int32_t n, const char *kind, size_t align)
{
    guarded *g = xcalloc((size_t)n, sizeof *g);
    int32_t i;
    for (i = 0; i < n; ++i) {
        guarded_init(&g[i], kind, ios[i].name, (size_t)ios[i].elems * sizeof(io_elem), align);
    }
    return g;
}

/* ---- model descriptor --------------------------------------------------------------- */

static void check_io_desc(const tsr_io_desc *io, const char *kind)
{
    long elems = 1;
    int32_t d;
    if (io->name == NULL || io->rank < 0 || io->rank > TSR_MAX_RANK) {
        fail(EXIT_MODEL, "model descriptor: an %s has no name or a bad rank", kind);
    }
    for (d = 0; d < io->rank; ++d) {
        if (io->shape[d] <= 0 || elems > INT32_MAX / io->shape[d]) {
            fail(EXIT_MODEL, "model descriptor: %s \"%s\" has a bad shape", kind, io->name);
        }
        elems *= io->shape[d];
    }
    if (elems != io->elems) {
        fail(EXIT_MODEL, "model descriptor: %s \"%s\" declares %ld elements, its shape has %ld",
             kind, io->name, (long)io->elems, elems);
    }
}

static void check_model(const tsr_model_desc *m)
{
    int32_t i;
    if (m->IO_ENTRY == NULL || m->num_inputs < 0 || m->num_outputs < 1 || m->outputs == NULL ||
        (m->num_inputs > 0 && m->inputs == NULL)) {
        fail(EXIT_MODEL, "model descriptor: missing entry point, inputs or outputs");
    }
    if (m->arena_align == 0 || (m->arena_align & (m->arena_align - 1)) != 0) {
        fail(EXIT_MODEL, "model descriptor: arena_align %lu is not a power of two",
             (unsigned long)m->arena_align);
    }
    for (i = 0; i < m->num_inputs; ++i) {
        check_io_desc(&m->inputs[i], "input");
    }
    for (i = 0; i < m->num_outputs; ++i) {
        check_io_desc(&m->outputs[i], "output");
    }
}

/* ---- reading IN.json ---------------------------------------------------------------- */

static void read_shape(const tsr_io_desc *io, json_object *shape)
{
    char got[200] = "[", want[200] = "[";
    size_t i, n = json_object_array_length(shape);
    int match = n == (size_t)io->rank;
    for (i = 0; i < n; ++i) {
        json_object *v = json_object_array_get_idx(shape, i);
        size_t used = strlen(got);
        if (!json_object_is_type(v, json_type_int)) {
            fail(EXIT_IO, "input \"%s\": shape must be an array of integers", io->name);
        }
        snprintf(got + used, sizeof got - used, "%s%lld", i ? ", " : "",
                 (long long)json_object_get_int64(v));
        match = match && json_object_get_int64(v) == io->shape[i];
    }
    for (i = 0; i < (size_t)io->rank; ++i) {
        size_t used = strlen(want);
        snprintf(want + used, sizeof want - used, "%s%ld", i ? ", " : "", (long)io->shape[i]);
    }
    if (!match) {
        fail(EXIT_IO, "input \"%s\": shape %s] does not match the model's %s]", io->name, got,
             want);
    }
}

static void read_data(const tsr_io_desc *io, json_object *data, io_elem *dst)
{
#ifdef TSR_IO_F16
    float *values = xcalloc((size_t)io->elems, sizeof *values);
#else
    float *values = dst;
#endif
    size_t i, n = json_object_array_length(data);
    if (n != (size_t)io->elems) {
        fail(EXIT_IO, "input \"%s\": data has %lu numbers, the model expects %ld", io->name,
             (unsigned long)n, (long)io->elems);
    }
    for (i = 0; i < n; ++i) {
        json_object *v = json_object_array_get_idx(data, i);
        double d = json_object_get_double(v);
        if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) {
            fail(EXIT_IO, "input \"%s\": data[%lu] is not a number", io->name, (unsigned long)i);
        }
        if (fabs(d) > (double)FLT_MAX && !isinf(d)) {
            fail(EXIT_IO, "input \"%s\": data[%lu] = %g is outside the float range", io->name,
                 (unsigned long)i, d);
        }
        values[i] = (float)d;
    }
#ifdef TSR_IO_F16
    tsr_convert_f32_to_f16(io->elems, values, dst);
    free(values);
#endif
}

static void read_tensor(const tsr_io_desc *io, json_object *t, io_elem *dst)
{
    json_object *shape = NULL, *data = NULL;
    if (!json_object_object_get_ex(t, "shape", &shape) ||
        !json_object_object_get_ex(t, "data", &data) ||
        !json_object_is_type(shape, json_type_array) || !json_object_is_type(data, json_type_array)) {
        fail(EXIT_IO, "input \"%s\": expected {\"shape\": [...], \"data\": [...]}", io->name);
    }
    read_shape(io, shape);
    read_data(io, data, dst);
}

static int32_t find_input(const tsr_model_desc *m, const char *name)
{
    int32_t i;
    for (i = 0; i < m->num_inputs; ++i) {
        if (strcmp(name, m->inputs[i].name) == 0) {
            return i;
        }
    }
    return -1;
}

/* Parse a whole file as one JSON value; report syntax errors with their byte offset. */
static json_object *read_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t len = 0, cap = 0, end;
    json_tokener *tok = json_tokener_new();
    json_object *root;
    if (f == NULL || tok == NULL) {
        fail(EXIT_IO, "cannot open %s: %s", path, strerror(errno));
    }
    do {
        cap = cap * 2 + 4096;
        if ((text = realloc(text, cap)) == NULL) {
            fail(EXIT_IO, "out of memory");
        }
        len += fread(text + len, 1, cap - len, f);
    } while (len == cap);
    if (ferror(f) != 0 || len > INT32_MAX) {
        fail(EXIT_IO, "cannot read %s", path);
    }
    fclose(f);
    root = json_tokener_parse_ex(tok, text, (int)len);
    end = json_tokener_get_parse_end(tok);
    while (root != NULL && end < len && text[end] != '\0' && strchr(" \t\r\n", text[end])) {
        ++end;
    }
    if (root == NULL || end < len) {
        enum json_tokener_error err = json_tokener_get_error(tok);
        fail(EXIT_IO, "%s: invalid JSON at byte %lu: %s", path, (unsigned long)end,
             root != NULL ? "trailing characters" : err == json_tokener_continue
                 ? "unexpected end of file" : json_tokener_error_desc(err));
    }
    json_tokener_free(tok);
    free(text);
    return root;
}

/* Fill every input buffer from the file, then keep a copy to detect writes by run(). */
static void read_inputs(const char *path, const tsr_model_desc *m, guarded *inputs)
{
    json_object *root = read_json(path);
    struct json_object_iterator it, end;
    int32_t i;
    if (!json_object_is_type(root, json_type_object)) {
        fail(EXIT_IO, "%s: expected a JSON object of tensors", path);
    }
    end = json_object_iter_end(root);
    for (it = json_object_iter_begin(root); !json_object_iter_equal(&it, &end);
         json_object_iter_next(&it)) {
        const char *key = json_object_iter_peek_name(&it);
        if ((i = find_input(m, key)) < 0) {
            fail(EXIT_IO, "%s: unknown tensor \"%s\" (not an input of model \"%s\")", path, key,
                 m->name);
        }
        read_tensor(&m->inputs[i], json_object_iter_peek_value(&it), (io_elem *)inputs[i].data);
        inputs[i].copy = xcalloc(inputs[i].bytes, 1);
        memcpy(inputs[i].copy, inputs[i].data, inputs[i].bytes);
    }
    for (i = 0; i < m->num_inputs; ++i) {
        if (inputs[i].copy == NULL) {
            fail(EXIT_IO, "input \"%s\": missing from %s", m->inputs[i].name, path);
        }
    }
    json_object_put(root);
}

/* ---- writing OUT.json --------------------------------------------------------------- */

static void write_tensor(FILE *f, const tsr_io_desc *io, const io_elem *data)
{
    const char *s;
    int32_t i;
#ifdef TSR_IO_F16
    float *v = xcalloc((size_t)io->elems, sizeof *v);
    tsr_convert_f16_to_f32(io->elems, data, v);
#else
    const float *v = data;
#endif
    fputc('"', f);
    for (s = io->name; *s != '\0'; ++s) {
        unsigned char c = (unsigned char)*s;
        fprintf(f, c == '"' || c == '\\' ? "\\%c" : c < 0x20 ? "\\u%04x" : "%c", c);
    }
    fputs("\": {\"shape\": [", f);
    for (i = 0; i < io->rank; ++i) {
        fprintf(f, "%s%ld", i ? ", " : "", (long)io->shape[i]);
    }
    fputs("], \"data\": [", f);
    for (i = 0; i < io->elems; ++i) {
        fputs(i ? ", " : "", f);
        if (isfinite(v[i])) {
            fprintf(f, "%.9g", (double)v[i]);
        } else {
            fputs("null", f); /* JSON has no NaN or Inf */
        }
    }
    fputs("]}", f);
#ifdef TSR_IO_F16
    free(v);
#endif
}

/* Write everything to PATH.tmp, then rename it, so PATH is never left half-written. */
static void write_outputs(const char *path, const tsr_model_desc *m, const guarded *outputs)
{
    char *tmp = xcalloc(strlen(path) + 5, 1);
    FILE *f;
    int32_t i;
    strcat(strcpy(tmp, path), ".tmp");
    if ((f = fopen(tmp, "w")) == NULL) {
        fail(EXIT_IO, "cannot create %s: %s", tmp, strerror(errno));
    }
    fputc('{', f);
    for (i = 0; i < m->num_outputs; ++i) {
        fputs(i ? ",\n  " : "\n  ", f);
        write_tensor(f, &m->outputs[i], (const io_elem *)outputs[i].data);
    }
    fputs("\n}\n", f);
    if (ferror(f) != 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
        int err = errno;
        remove(tmp);
        fail(EXIT_IO, "cannot write %s: %s", path, strerror(err));
    }
    free(tmp);
}

/* ---- main --------------------------------------------------------------------------- */

/* Warn (without failing) about output elements that still hold the poison bit pattern. */
static void warn_poison(const guarded *out)
{
    unsigned char poison[sizeof(io_elem)];
    size_t e, n = 0;
    memset(poison, POISON_FILL, sizeof poison); /* a NaN in float and in half */
    for (e = 0; e < out->bytes; e += sizeof poison) {
        n += memcmp(out->data + e, poison, sizeof poison) == 0;
    }
    if (n > 0) {
        fprintf(stderr, "harness: warning: %s: %lu of %lu elements still hold the poison pattern "
                "(never written, or computed from uninitialised arena memory)\n", out->label,
                (unsigned long)n, (unsigned long)(out->bytes / sizeof(io_elem)));
    }
}

static void release(guarded *g, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        free(g[i].block);
        free(g[i].copy);
    }
}

/* ---- streamed input (tessera --input streamed) --------------------------------------- */

/* TSR_READ_INPUT names the model's <model>_read_input; TSR_STREAM_NHWC is 1 when its input
 * is channels last. The harness plays the camera: the frame read from IN.json stays in its
 * own guarded buffer, run() gets no input pointer, and every region the model pulls is
 * checked against the frame and copied out. With TSR_STREAM_LOG set in the environment,
 * every read is appended to that file as "row col height width". */
#ifdef TSR_READ_INPUT
static const io_elem *stream_frame;
static long stream_h, stream_w, stream_c;
static FILE *stream_log;

int TSR_READ_INPUT(int32_t row, int32_t col, int32_t height, int32_t width, io_elem *dst)
{
    long r, c, k;
    if (stream_frame == NULL || dst == NULL || row < 0 || col < 0 || height < 1 || width < 1 ||
        (long)row + height > stream_h || (long)col + width > stream_w) {
        fprintf(stderr, "harness: read_input(row %ld, col %ld, height %ld, width %ld) leaves the "
                "%ld x %ld frame or has no destination\n", (long)row, (long)col, (long)height,
                (long)width, stream_h, stream_w);
        return -1;
    }
    for (r = 0; r < height; ++r) {
        for (c = 0; c < width; ++c) {
            for (k = 0; k < stream_c; ++k) {
#if TSR_STREAM_NHWC
                dst[(r * width + c) * stream_c + k] =
                    stream_frame[((row + r) * stream_w + col + c) * stream_c + k];
#else
                dst[(k * height + r) * width + c] =
                    stream_frame[(k * stream_h + row + r) * stream_w + col + c];
#endif
            }
        }
    }
    if (stream_log != NULL) {
        fprintf(stream_log, "%ld %ld %ld %ld\n", (long)row, (long)col, (long)height, (long)width);
    }
    return 0;
}

static void stream_begin(const tsr_model_desc *m, const guarded *input)
{
    const char *log = getenv("TSR_STREAM_LOG");
    const int32_t *shape = m->inputs[0].shape;
    if (m->num_inputs != 1 || m->inputs[0].rank != 4 || shape[0] != 1) {
        fail(EXIT_MODEL, "model descriptor: a streamed input must be one 4-D image of batch 1");
    }
    stream_frame = (const io_elem *)input->data;
    stream_h = TSR_STREAM_NHWC ? shape[1] : shape[2];
    stream_w = TSR_STREAM_NHWC ? shape[2] : shape[3];
    stream_c = TSR_STREAM_NHWC ? shape[3] : shape[1];
    if (log != NULL && log[0] != '\0') {
        stream_log = fopen(log, "w");
        if (stream_log == NULL) {
            fail(EXIT_IO, "cannot write %s", log);
        }
    }
}
#endif

int main(int argc, char **argv)
{
    static const char *const status_names[] = {"TSR_OK", "TSR_ERR_NULL", "TSR_ERR_PARAM",
                                               "TSR_ERR_SCRATCH", "TSR_ERR_ALIGN", "TSR_ERR_INPUT"};
    const tsr_model_desc *m = &TSR_MODEL_DESC;
    guarded arena, *inputs, *outputs;
    const io_elem **in;
    io_elem **out;
    size_t io_align;
    int32_t i;
    int status, violations = 0;

#ifdef TSR_LAYER_HOOK
    /* Third argument: where layer_dump.c writes every layer's outputs. */
    if (argc == 4) {
        extern FILE *harness_layer_file;
        harness_layer_file = fopen(argv[3], "w");
        if (harness_layer_file == NULL) {
            fail(EXIT_IO, "cannot write %s", argv[3]);
        }
        argc = 3;
    }
#endif
    if (argc != 3) {
        fail(EXIT_IO, "usage: %s IN.json OUT.json [LAYERS.txt]", argc > 0 ? argv[0] : "run");
    }
    check_model(m);
    io_align = m->arena_align > IO_ALIGN ? m->arena_align : IO_ALIGN;
    memset(&arena, 0, sizeof arena);
    guarded_init(&arena, "arena", NULL, m->arena_bytes, m->arena_align);
    inputs = guarded_ios(m->inputs, m->num_inputs, "input", io_align);
    outputs = guarded_ios(m->outputs, m->num_outputs, "output", io_align);
    read_inputs(argv[1], m, inputs);

    in = xcalloc((size_t)m->num_inputs, sizeof *in);
    out = xcalloc((size_t)m->num_outputs, sizeof *out);
    for (i = 0; i < m->num_inputs; ++i) {
        in[i] = (const io_elem *)inputs[i].data;
    }
#ifdef TSR_READ_INPUT
    stream_begin(m, &inputs[0]);
    in[0] = NULL; /* the model pulls its input through TSR_READ_INPUT */
#endif
    for (i = 0; i < m->num_outputs; ++i) {
        out[i] = (io_elem *)outputs[i].data;
    }
    status = m->IO_ENTRY(in, out, arena.data);
#ifdef TSR_READ_INPUT
    if (stream_log != NULL) {
        fclose(stream_log);
    }
#endif

    violations += guarded_check(&arena);
    for (i = 0; i < m->num_inputs; ++i) {
        violations += guarded_check(&inputs[i]);
    }
    for (i = 0; i < m->num_outputs; ++i) {
        violations += guarded_check(&outputs[i]);
    }
    if (status != 0) {
        fprintf(stderr, "harness: model \"%s\": run() returned %d (%s)\n", m->name, status,
                status < 0 && status >= -5 ? status_names[-status] : "unknown status");
    }
    if (violations > 0) {
        fail(EXIT_MEMORY, "model \"%s\": %d memory violation(s); no output written", m->name,
             violations);
    }
    if (status != 0) {
        exit(EXIT_MODEL);
    }
    for (i = 0; i < m->num_outputs; ++i) {
        warn_poison(&outputs[i]);
    }
    write_outputs(argv[2], m, outputs);

    release(&arena, 1);
    release(inputs, m->num_inputs);
    release(outputs, m->num_outputs);
    free(inputs);
    free(outputs);
    free(in);
    free(out);
    return 0;
}
