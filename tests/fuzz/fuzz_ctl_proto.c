/*
 * fuzz_ctl_proto.c - libFuzzer harness for the control protocol codec.
 *
 * Feeds the same bytes to the daemon-side request parser and the
 * client-side message decoder, and checks properties that must hold for
 * any input: failures carry a known code and a clean message, and
 * whatever we would send back (an error reply, a re-encoded message)
 * is one compact line that our own decoder accepts.
 *
 *   clang -fsanitize=fuzzer,address,undefined ... fuzz_ctl_proto.c
 *   ./fuzz_ctl_proto -max_len=8192 tests/fuzz/corpus/ctl_proto
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const codes[] = {
	CTL_ERR_PARSE, CTL_ERR_BAD_REQUEST, CTL_ERR_UNKNOWN_CMD,
	CTL_ERR_VERSION, CTL_ERR_TOO_LARGE,
};

static void
check_error(const struct ctl_error *err)
{
	size_t i, n = strnlen(err->message, sizeof(err->message));
	int known = 0;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		known |= err->code != NULL && strcmp(err->code, codes[i]) == 0;
	if (!known || n == 0 || n == sizeof(err->message))
		abort();
	for (i = 0; i < n; i++)
		if (err->message[i] < 0x20 || err->message[i] > 0x7e)
			abort();
}

/* A line we would send must be one line that decodes; takes line. */
static void
check_line(char *line)
{
	struct ctl_error err;
	size_t n;
	json_t *msg;

	if (line == NULL)
		abort();
	n = strlen(line);
	if (n < 2 || line[n - 1] != '\n' || memchr(line, '\n', n - 1) != NULL)
		abort();
	msg = ctl_decode_message(line, n, &err);
	if (msg == NULL)
		abort();
	json_decref(msg);
	free(line);
}

static void
fuzz_request(const char *buf, size_t size)
{
	struct ctl_request req;
	struct ctl_error err;

	memset(&err, 0, sizeof(err));
	if (ctl_parse_request(buf, size, &req, &err) == 0) {
		if (ctl_cmd_name(req.cmd)[0] == '?')
			abort();
		return;
	}
	check_error(&err);
	check_line(ctl_encode_error(err.code, err.message));
}

static void
fuzz_message(const char *buf, size_t size)
{
	struct ctl_error err;
	json_t *msg, *data;

	memset(&err, 0, sizeof(err));
	msg = ctl_decode_message(buf, size, &err);
	if (msg == NULL) {
		check_error(&err);
		return;
	}
	data = json_object_get(msg, "data");
	if (data != NULL) {
		check_line(ctl_encode_reply(json_incref(data)));
		check_line(ctl_encode_event("status", json_incref(data)));
	}
	json_decref(msg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_request((const char *)data, size);
	fuzz_message((const char *)data, size);
	return 0;
}
