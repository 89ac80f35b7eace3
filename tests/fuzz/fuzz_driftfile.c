/*
 * fuzz_driftfile.c - libFuzzer harness for the drift file parser.
 *
 * Any input is either refused with a one-line message or gives values that
 * are in range and survive a format/parse round trip. Seeds:
 * corpus/driftfile/.
 */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "driftfile.h"

int	LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char err[256], buf[DRIFTFILE_MAX_LEN + 1];
	double f, fu, f2, fu2;
	int64_t t, t2;
	int len;

	if (driftfile_parse((const char *)d, n, &f, &fu, &t, err,
	    sizeof(err)) == -1) {
		if (err[0] == '\0' || strchr(err, '\n') != NULL)
			__builtin_trap();
		return 0;
	}
	if (!isfinite(f) || fabs(f) > DRIFTFILE_MAX_PPB || !isfinite(fu) ||
	    fu < 0 || t < 0)
		__builtin_trap();
	len = driftfile_format(buf, sizeof(buf), f, fu, t);
	if (len < 0 || driftfile_parse(buf, (size_t)len, &f2, &fu2, &t2, err,
	    sizeof(err)) == -1 || t2 != t)
		__builtin_trap();
	return 0;
}
