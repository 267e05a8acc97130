/*
 * Tessera firmware driver for QEMU-emulated MCUs: runs one generated model on inputs
 * compiled into the image, measures it, and reports through semihosting on stdout.
 *
 *   <cc> <target flags> -DTSR_MODEL_HEADER='"m.h"' -DTSR_MODEL_DESC=m_desc -DTSR_LAYER_HOOK \
 *        -I MODEL firmware.c fw_data.c MODEL/\*.c --specs=picolibc.specs --oslib=semihost \
 *        --crt0=semihost -T link.ld
 *
 * The model runs twice on the same inputs:
 *   1. quiet: the stack below the current frame is painted first and scanned afterwards
 *      (peak stack), and the instruction counter gives the whole inference;
 *   2. profiled: the layer hook reads the counter after every layer (the time spent in
 *      the hook itself is excluded; in the quiet run the inactive hook costs a few
 *      instructions per layer) and, when fw_dump_layers is set, prints every layer's
 *      output.
 * Counters: on Arm, SysTick at the processor clock under `-icount` (deterministic; its
 * ticks per instruction are calibrated here against a loop of known length); on RISC-V,
 * minstret.
 *
 * Output lines (all numbers decimal unless noted):
 *   C <ticks> <instructions>       calibration: ticks for that many instructions
 *   T <high> <low>                 ticks of the whole quiet inference, high * 2^32 + low
 *   S <bytes>                      peak stack of the quiet inference
 *   L <layer> <ticks>              one layer of the profiled run
 *   D <layer> <output> <count> [h]  then lines of 8 hex words: a layer's output (float32
 *                                  bits, or float16 bits with "h")
 *   O <output> <count> [h]         then lines of 8 hex words: a model output (float32 bits,
 *                                  or float16 bits with "h": a model compiled with --io fp16)
 *   E <status>                     the model returned an error (exit status 4)
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include TSR_MODEL_HEADER

/* fw_data.c (generated with the inputs): runs the model once on them, through its typed
 * entry point; fw_outputs[k] holds output k, in half when fw_io_half is set. */
extern int fw_run(void);
extern const void *const fw_outputs[];
extern const int fw_io_half;
extern const int fw_dump_layers;

/* Linker-script symbols: the stack occupies [__stack_limit, __stack). */
extern char __stack_limit[];
extern char __stack[];

#define PAINT 0xA5A5A5A5u
#define CALIBRATION_SHORT 10000u
#define CALIBRATION_LONG 110000u

/* ---- instruction counter ------------------------------------------------------------- */

#if defined(__riscv)
static uint64_t counter(void)
{
    uint32_t hi, lo, hi2;
    do {
        __asm__ volatile("csrr %0, minstreth" : "=r"(hi));
        __asm__ volatile("csrr %0, minstret" : "=r"(lo));
        __asm__ volatile("csrr %0, minstreth" : "=r"(hi2));
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

static void counter_start(void) {}

/* Two instructions per iteration. */
static void spin(uint32_t n)
{
    __asm__ volatile("1: addi %0, %0, -1\n bnez %0, 1b\n" : "+r"(n));
}

static char *stack_pointer(void)
{
    char *sp;
    __asm__ volatile("mv %0, sp" : "=r"(sp));
    return sp;
}
#else
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SYST_RELOAD 0xFFFFFFu

static volatile uint32_t systick_wraps;

/* Picolibc's vector table calls this on every SysTick wrap. */
void arm_systick_isr(void)
{
    systick_wraps++;
}

static void counter_start(void)
{
    SYST_RVR = SYST_RELOAD;
    SYST_CVR = 0;
    SYST_CSR = 7u; /* enable, interrupt, processor clock */
}

static uint64_t counter(void)
{
    uint32_t wraps, value;
    do {
        wraps = systick_wraps;
        value = SYST_CVR;
    } while (wraps != systick_wraps);
    return (uint64_t)wraps * (SYST_RELOAD + 1u) + (SYST_RELOAD - value);
}

/* Two instructions per iteration. */
static void spin(uint32_t n)
{
    __asm__ volatile("1: subs %0, %0, #1\n bne 1b\n" : "+r"(n) : : "cc");
}

static char *stack_pointer(void)
{
    char *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}
#endif

/* ---- layer hook ------------------------------------------------------------------------ */

static int hook_active;
static uint64_t hook_resume; /* counter when the model last resumed after the hook */

static void print_words(const void *data, int32_t count, int half)
{
    const unsigned char *bytes = (const unsigned char *)data;
    int32_t i;
    for (i = 0; i < count; ++i) {
        const char *end = i % 8 == 7 || i == count - 1 ? "\n" : " ";
        if (half) {
            uint16_t bits;
            memcpy(&bits, bytes + 2 * i, sizeof bits);
            printf("%04x%s", (unsigned)bits, end);
        } else {
            uint32_t bits;
            memcpy(&bits, bytes + 4 * i, sizeof bits);
            printf("%08lx%s", (unsigned long)bits, end);
        }
    }
}

void tsr_layer_done(int32_t layer, int32_t output, const void *data, int32_t count, int32_t half)
{
    const uint64_t entry = counter();
    if (!hook_active) {
        return;
    }
    if (output == 0) {
        printf("L %ld %lu\n", (long)layer, (unsigned long)(entry - hook_resume));
    }
    if (fw_dump_layers) {
        printf("D %ld %ld %ld%s\n", (long)layer, (long)output, (long)count, half ? " h" : "");
        print_words(data, count, half);
    }
    hook_resume = counter();
}

/* ---- main ------------------------------------------------------------------------------ */

/* Paints [__stack_limit, sp - 64) so that the scan after the run sees how deep it went. */
static void paint_stack(void)
{
    uint32_t *p = (uint32_t *)(void *)__stack_limit;
    uint32_t *end = (uint32_t *)(void *)(stack_pointer() - 64);
    while (p < end) {
        *p++ = PAINT;
    }
}

static unsigned long stack_peak(void)
{
    const uint32_t *p = (const uint32_t *)(const void *)__stack_limit;
    while (p < (const uint32_t *)(const void *)__stack && *p == PAINT) {
        ++p;
    }
    return (unsigned long)(__stack - (const char *)p);
}

int main(void)
{
    const tsr_model_desc *m = &TSR_MODEL_DESC;
    uint64_t t0, t1, t2;
    int32_t k;
    int status;

    counter_start();
    t0 = counter();
    spin(CALIBRATION_SHORT);
    t1 = counter();
    spin(CALIBRATION_LONG);
    t2 = counter();
    /* The difference cancels the fixed cost of reading the counter. */
    printf("C %lu %lu\n", (unsigned long)((t2 - t1) - (t1 - t0)), (unsigned long)(2u * (CALIBRATION_LONG - CALIBRATION_SHORT)));

    paint_stack();
    t0 = counter();
    status = fw_run();
    t1 = counter();
    if (status != TSR_OK) {
        printf("E %d\n", status);
        return 4;
    }
    printf("T %lu %lu\n", (unsigned long)((t1 - t0) >> 32), (unsigned long)((t1 - t0) & 0xFFFFFFFFu));
    printf("S %lu\n", stack_peak());

    hook_active = 1;
    t2 = counter();
    hook_resume = t2;
    status = fw_run();
    if (status != TSR_OK) {
        printf("E %d\n", status);
        return 4;
    }
    for (k = 0; k < m->num_outputs; ++k) {
        printf("O %ld %ld%s\n", (long)k, (long)m->outputs[k].elems, fw_io_half ? " h" : "");
        print_words(fw_outputs[k], m->outputs[k].elems, fw_io_half);
    }
    return 0;
}
