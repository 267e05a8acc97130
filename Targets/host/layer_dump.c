/*
 * Tessera host harness: the layer hook for `tessera run --compare-layers`. Built with
 * -DTSR_LAYER_HOOK next to harness.c; every layer's outputs go to the file named by the
 * harness's third argument, in the firmware's text format:
 *   D <layer> <output> <count> [h], then lines of 8 hex words: float32 bits, or with "h"
 *   float16 bits.
 */
#include <stdio.h>
#include <string.h>

#include TSR_MODEL_HEADER

FILE *harness_layer_file;

void tsr_layer_done(int32_t layer, int32_t output, const void *data, int32_t count, int32_t half)
{
    const unsigned char *bytes = (const unsigned char *)data;
    int32_t i;
    if (harness_layer_file == NULL) {
        return;
    }
    fprintf(harness_layer_file, "D %ld %ld %ld%s\n", (long)layer, (long)output, (long)count, half ? " h" : "");
    for (i = 0; i < count; ++i) {
        const char *end = i % 8 == 7 || i == count - 1 ? "\n" : " ";
        if (half) {
            unsigned short bits;
            memcpy(&bits, bytes + 2 * i, sizeof bits);
            fprintf(harness_layer_file, "%04x%s", (unsigned)bits, end);
        } else {
            unsigned int bits;
            memcpy(&bits, bytes + 4 * i, sizeof bits);
            fprintf(harness_layer_file, "%08x%s", bits, end);
        }
    }
}
