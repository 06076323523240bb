/* fuzz_config.c - libFuzzer harness for the model INI reader
 * (src/model_config.c, through inih), which reads every -m FILE and the
 * config text stored in each checkpoint.
 *
 * The input is written to a file and read with config_load, as `-m FILE`
 * reads it (a NUL byte or over 1 MiB is refused there). Besides "no crash",
 * it checks the property checkpoints rely on: a config that parses is
 * written back (config_to_string) as text that parses again into the same
 * text. A failure there aborts, so libFuzzer reports it. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"
#include "model_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("config", "model.ini", data, size);
    ModelConfig c;
    config_defaults(&c);
    if (config_load(&c, path) == 0) {
        char *out = config_to_string(&c);
        if (!out) {
            fprintf(stderr, "fuzz_config: config_to_string failed on a parsed config\n");
            abort();
        }
        ModelConfig again;
        config_defaults(&again);
        if (config_parse(&again, out, "written config") != 0) {
            fprintf(stderr, "fuzz_config: the written config does not parse:\n%s\n", out);
            abort();
        }
        char *out2 = config_to_string(&again);
        if (!out2 || strcmp(out, out2) != 0) {
            fprintf(stderr, "fuzz_config: the config changed when written and read back:\n"
                            "%s\n---\n%s\n", out, out2 ? out2 : "(null)");
            abort();
        }
        free(out2);
        free(out);
    }
    return 0;
}
