/*
 * fuzz_audit_chain.c - libFuzzer harness for the audit record decoder and
 * the chain verifier.
 *
 * A form feed (never valid in a record) separates files, at most 3; the
 * verifier reads them oldest first, the last being the newest. Besides memory safety, checks
 * what must hold for any input: every problem names one of the files, a
 * line that exists (or 0, the whole file), a seq >= -1 and a clean ASCII message; the counts add
 * up; a chain reported clean has at least one record and its seq range
 * is consistent. Independently, any valid UTF-8 in the input, encoded as
 * a record's data, must decode back to the same hash.
 *
 *   clang -fsanitize=fuzzer,address,undefined ... fuzz_audit_chain.c \
 *       audit_chain.c -ljansson -lcrypto
 *   ./fuzz_audit_chain -max_len=4096 tests/fuzz/corpus/audit_chain
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit_chain.h"

#define NFILES	3

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *names[NFILES] = { "f0", "f1", "f2" };

struct seen {
	unsigned long	lines[NFILES];	/* lines per file */
	unsigned long	errors, warnings;
};

static void
check_problem(const struct audit_problem *p, void *ctx)
{
	struct seen *s = ctx;
	int f = -1;
	size_t n = strnlen(p->what, sizeof(p->what));

	for (int i = 0; i < NFILES; i++)
		if (p->file == names[i])
			f = i;
	if (f < 0 || p->line > s->lines[f] || p->seq < -1 ||
	    n == 0 || n == sizeof(p->what))
		abort();
	for (size_t i = 0; i < n; i++)
		if (p->what[i] < 0x20 || p->what[i] > 0x7e)
			abort();
	if (p->severity == AUDIT_ERROR)
		s->errors++;
	else
		s->warnings++;
}

static unsigned long
count_lines(const uint8_t *p, size_t len)
{
	unsigned long n = 0;

	for (size_t i = 0; i < len; i++)
		n += p[i] == '\n';
	return n + (len > 0 && p[len - 1] != '\n');
}

static void
verify_files(const uint8_t *data, size_t size)
{
	struct audit_verify *v;
	struct audit_verify_result r;
	struct seen s = { { 0 }, 0, 0 };
	size_t start = 0, total = 0;

	v = audit_verify_create(check_problem, &s);
	if (v == NULL)
		return;
	for (int i = 0; i < NFILES; i++) {
		const uint8_t *ff = i < NFILES - 1 ?
		    memchr(data + start, '\f', size - start) : NULL;
		size_t end = ff ? (size_t)(ff - data) : size;

		s.lines[i] = count_lines(data + start, end - start);
		total += s.lines[i];
		audit_verify_buffer(v, names[i], (const char *)data + start,
		    end - start, ff == NULL);
		if (ff == NULL)
			break;
		start = end + 1;
	}
	audit_verify_finish(v, &r);
	audit_verify_destroy(v);
	if (r.errors != s.errors || r.warnings != s.warnings ||
	    r.records > total)
		abort();
	if (r.have_records != (r.records > 0) ||
	    (r.have_records && r.errors == 0 && r.last_seq - r.first_seq !=
	    r.records - 1))
		abort();
}

/* Valid UTF-8 as record data always round-trips through the codec. */
static void
round_trip(const uint8_t *data, size_t size)
{
	char hash[AUDIT_HASH_HEX + 1], why[160];
	struct audit_record rec;
	json_t *str = json_stringn((const char *)data, size);
	size_t len;
	char *line;

	if (str == NULL)
		return;
	line = audit_chain_encode(size, "2026-11-27T03:23:49.123456Z", "leap",
	    json_pack("{s:o}", "s", str), AUDIT_ZERO_HASH, hash, &len);
	if (line == NULL)
		return;			/* E2BIG */
	if (audit_chain_decode(line, len - 1, &rec, why, sizeof(why)) != 0 ||
	    strcmp(rec.hash, hash) != 0 || rec.seq != size)
		abort();
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	verify_files(data, size);
	round_trip(data, size);
	return 0;
}
