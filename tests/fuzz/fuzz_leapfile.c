/*
 * fuzz_leapfile.c - libFuzzer harness for the leap-seconds.list parser.
 *
 * Besides memory safety, checks what must hold for any input: the return
 * code is a known one with a "line N: " message in clean ASCII; a table is
 * returned only with 0 or LEAPFILE_BAD_HASH, and then it keeps every
 * invariant the daemon relies on (1972 origin, strictly increasing
 * midnights, steps of +-1, nothing after the expiry); the queries agree
 * with it.
 *
 *   clang -fsanitize=fuzzer,address,undefined ... fuzz_leapfile.c \
 *       leapfile.c -lcrypto
 *   ./fuzz_leapfile -max_len=8192 tests/fuzz/corpus/leapfile
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leapfile.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_message(const char *err, size_t errlen)
{
	size_t n = strnlen(err, errlen);

	if (n == errlen || strncmp(err, "line ", 5) != 0 ||
	    strstr(err, ": ") == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		if (err[i] < 0x20 || err[i] > 0x7e)
			abort();
}

static void
check_queries(const struct leap_table *t)
{
	int64_t when;
	int delta, k = 0;

	for (int i = 0; i < t->n; i++) {
		const struct leap_entry *e = &t->e[i];

		if (leapfile_tai_offset(t, e->utc_unix_s) != e->dtai)
			abort();
		if (i > 0 && leapfile_tai_offset(t, e->utc_unix_s - 1) !=
		    t->e[i - 1].dtai)
			abort();
	}
	/* Walking leapfile_next() visits every entry after the origin. */
	for (int64_t at = INT64_MIN; leapfile_next(t, at, &when, &delta);
	    at = when) {
		if (++k >= t->n || when != t->e[k].utc_unix_s ||
		    delta != t->e[k].dtai - t->e[k - 1].dtai)
			abort();
	}
	if (k != t->n - 1)
		abort();
	if (leapfile_validity(t, t->expires_unix_s) != LEAPFILE_EXPIRED ||
	    leapfile_validity(t, t->expires_unix_s - 1) == LEAPFILE_EXPIRED)
		abort();
}

static void
check_table(const struct leap_table *t, int rc)
{
	if (t->n < 1 || t->n > LEAP_MAX || t->hash_ok != (rc == 0))
		abort();
	if (t->e[0].utc_unix_s != 63072000 || t->e[0].dtai != 10)
		abort();
	for (int i = 1; i < t->n; i++) {
		const struct leap_entry *a = &t->e[i - 1], *b = &t->e[i];

		if (b->utc_unix_s <= a->utc_unix_s || b->utc_unix_s % 86400 ||
		    (b->dtai - a->dtai != 1 && b->dtai - a->dtai != -1))
			abort();
	}
	if (t->expires_unix_s <= t->updated_unix_s ||
	    t->e[t->n - 1].utc_unix_s > t->expires_unix_s)
		abort();
	check_queries(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct leap_table t;
	char err[256];
	int rc;

	memset(err, 'x', sizeof(err));
	rc = leapfile_parse((const char *)data, size, &t, err, sizeof(err));
	if (rc > 0 || rc <= LEAPFILE_CRYPTO ||
	    leapfile_error_name(rc)[0] == '?')
		abort();
	if (rc == 0 || rc == LEAPFILE_BAD_HASH) {
		check_table(&t, rc);
		if (rc == 0 && err[0] != '\0')
			abort();
	} else if (t.n != 0) {
		abort();
	}
	if (rc != 0)
		check_message(err, sizeof(err));
	return 0;
}
