/*
 * fuzz_cfg.c - libFuzzer harness for the configuration loader.
 *
 * Any input must end in either a configuration or one error line; never
 * a crash, a leak, a hang or undefined behaviour. Seeds: corpus/cfg/.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cfg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct cfg *cfg = NULL;
	char err[CFG_ERR_LEN];

	if (cfg_load_buffer("fuzz.yaml", (const char *)d, n, &cfg, err,
	    sizeof(err)) == 0)
		cfg_free(cfg);
	else if (strchr(err, '\n') != NULL || strncmp(err, "fuzz.yaml", 9) != 0)
		__builtin_trap();	/* the promise: one line, file first */
	return 0;
}
