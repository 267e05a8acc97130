/*
 * Tessera host harness: the layer hook for `tessera run --compare-layers`. Built with
 * -DTSR_LAYER_HOOK next to harness.c; every layer's outputs go to the file named by the
 * harness's third argument, in the firmware's text format:
 *   D <layer> <output> <count>, then lines of 8 hex float32 words.
 */
#include <stdio.h>
#include <string.h>

#include TSR_MODEL_HEADER

FILE *harness_layer_file;

void tsr_layer_done(int32_t layer, int32_t output, const float *data, int32_t count)
{
    int32_t i;
    if (harness_layer_file == NULL) {
        return;
    }
    fprintf(harness_layer_file, "D %ld %ld %ld\n", (long)layer, (long)output, (long)count);
    for (i = 0; i < count; ++i) {
        unsigned int bits;
        memcpy(&bits, &data[i], sizeof bits);
        fprintf(harness_layer_file, i % 8 == 7 || i == count - 1 ? "%08x\n" : "%08x ", bits);
    }
}
