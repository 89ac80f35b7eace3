/*
 * check_ctl_proto.c - the control protocol codec: every request error
 * class with its exact code, the encoders' wire form, client decoding.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "check_run.h"

/* A C string as a request line, without the terminating NUL. */
#define LINE(s)	(s), sizeof(s) - 1

static void
assert_message_clean(const struct ctl_error *err)
{
	size_t n = strnlen(err->message, sizeof(err->message));

	ck_assert_uint_lt(n, sizeof(err->message));
	ck_assert_uint_gt(n, 0);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)err->message[i];
		ck_assert_msg(c >= 0x20 && c < 0x7f,
		    "byte 0x%02x at %zu in \"%s\"", c, i, err->message);
	}
}

/* Parse buf, expect failure with `code`; returns the message. */
static struct ctl_error
expect_error(const char *buf, size_t len, const char *code)
{
	struct ctl_request req;
	struct ctl_error err = { NULL, "" };

	ck_assert_int_eq(ctl_parse_request(buf, len, &req, &err), -1);
	ck_assert_ptr_nonnull(err.code);
	ck_assert_str_eq(err.code, code);
	assert_message_clean(&err);
	return err;
}

static enum ctl_cmd
expect_ok(const char *buf, size_t len)
{
	struct ctl_request req;
	struct ctl_error err = { NULL, "" };

	req.cmd = (enum ctl_cmd)-1;
	ck_assert_msg(ctl_parse_request(buf, len, &req, &err) == 0,
	    "rejected (%s): %s", err.code, err.message);
	return req.cmd;
}

/* ------------------------------------------------------------ requests */

START_TEST(request_valid_commands)
{
	ck_assert_int_eq(expect_ok(LINE("{\"cmd\":\"status\"}")),
	    CTL_CMD_STATUS);
	ck_assert_int_eq(expect_ok(LINE("{\"cmd\":\"version\"}")),
	    CTL_CMD_VERSION);
	ck_assert_int_eq(expect_ok(LINE("{\"cmd\":\"subscribe\"}")),
	    CTL_CMD_SUBSCRIBE);
	ck_assert_int_eq(expect_ok(LINE("{\"cmd\":\"leap\"}")),
	    CTL_CMD_LEAP);
	ck_assert_int_eq(expect_ok(LINE(" { \"cmd\" : \"status\" } \t")),
	    CTL_CMD_STATUS);
	ck_assert_int_eq(expect_ok(LINE("{\"cmd\":\"status\"}\r")),
	    CTL_CMD_STATUS);
}
END_TEST

START_TEST(request_version_member)
{
	ck_assert_int_eq(expect_ok(LINE("{\"cmd\":\"status\",\"version\":1}")),
	    CTL_CMD_STATUS);
	ck_assert_int_eq(expect_ok(LINE("{\"version\":1,\"cmd\":\"version\"}")),
	    CTL_CMD_VERSION);
	expect_error(LINE("{\"cmd\":\"status\",\"version\":2}"),
	    CTL_ERR_VERSION);
	expect_error(LINE("{\"cmd\":\"status\",\"version\":0}"),
	    CTL_ERR_VERSION);
	expect_error(LINE("{\"cmd\":\"status\",\"version\":-1}"),
	    CTL_ERR_VERSION);
	expect_error(LINE("{\"cmd\":\"status\","
	    "\"version\":9223372036854775807}"), CTL_ERR_VERSION);
	/* Checked before cmd: a newer protocol may have other commands. */
	expect_error(LINE("{\"cmd\":\"frobnicate\",\"version\":7}"),
	    CTL_ERR_VERSION);
}
END_TEST

START_TEST(request_version_wrong_type)
{
	expect_error(LINE("{\"cmd\":\"status\",\"version\":1.0}"),
	    CTL_ERR_BAD_REQUEST);
	expect_error(LINE("{\"cmd\":\"status\",\"version\":\"1\"}"),
	    CTL_ERR_BAD_REQUEST);
	expect_error(LINE("{\"cmd\":\"status\",\"version\":true}"),
	    CTL_ERR_BAD_REQUEST);
	expect_error(LINE("{\"cmd\":\"status\",\"version\":null}"),
	    CTL_ERR_BAD_REQUEST);
	expect_error(LINE("{\"cmd\":\"status\",\"version\":[1]}"),
	    CTL_ERR_BAD_REQUEST);
}
END_TEST

START_TEST(request_empty)
{
	expect_error("", 0, CTL_ERR_BAD_REQUEST);
	expect_error(NULL, 0, CTL_ERR_BAD_REQUEST);
	expect_error(LINE("\r"), CTL_ERR_BAD_REQUEST);
	expect_error(LINE("   \t "), CTL_ERR_BAD_REQUEST);
}
END_TEST

START_TEST(request_too_large)
{
	char *buf = malloc(CTL_MAX_LINE + 16);
	size_t body = strlen("{\"cmd\":\"status\"}");

	ck_assert_ptr_nonnull(buf);
	/* CTL_MAX_LINE - 1 bytes (the '\n' makes CTL_MAX_LINE): accepted. */
	memset(buf, ' ', CTL_MAX_LINE + 16);
	memcpy(buf, "{\"cmd\":\"status\"}", body);
	ck_assert_int_eq(expect_ok(buf, CTL_MAX_LINE - 1), CTL_CMD_STATUS);
	expect_error(buf, CTL_MAX_LINE, CTL_ERR_TOO_LARGE);
	expect_error(buf, CTL_MAX_LINE + 16, CTL_ERR_TOO_LARGE);
	/* The size check comes first, even for garbage. */
	memset(buf, 0, CTL_MAX_LINE + 16);
	expect_error(buf, CTL_MAX_LINE, CTL_ERR_TOO_LARGE);
	free(buf);
}
END_TEST

START_TEST(request_not_json)
{
	expect_error(LINE("status"), CTL_ERR_PARSE);
	expect_error(LINE("{\"cmd\":\"status\""), CTL_ERR_PARSE);
	expect_error(LINE("{\"cmd\":status}"), CTL_ERR_PARSE);
	expect_error(LINE("{'cmd':'status'}"), CTL_ERR_PARSE);
	expect_error(LINE("{\"cmd\":\"status\",}"), CTL_ERR_PARSE);
	expect_error(LINE("\xef\xbb\xbf{\"cmd\":\"status\"}"), CTL_ERR_PARSE);
}
END_TEST

START_TEST(request_not_an_object)
{
	expect_error(LINE("[\"status\"]"), CTL_ERR_PARSE);
	expect_error(LINE("\"status\""), CTL_ERR_PARSE);
	expect_error(LINE("42"), CTL_ERR_PARSE);
	expect_error(LINE("null"), CTL_ERR_PARSE);
	expect_error(LINE("[]"), CTL_ERR_PARSE);
}
END_TEST

START_TEST(request_trailing_garbage)
{
	expect_error(LINE("{\"cmd\":\"status\"} x"), CTL_ERR_PARSE);
	expect_error(LINE("{\"cmd\":\"status\"}{\"cmd\":\"status\"}"),
	    CTL_ERR_PARSE);
	expect_error(LINE("{\"cmd\":\"status\"}\n{\"cmd\":\"version\"}"),
	    CTL_ERR_PARSE);
	expect_error(LINE("{\"cmd\":\"status\"}}"), CTL_ERR_PARSE);
}
END_TEST

START_TEST(request_nul_bytes)
{
	struct ctl_error err;

	err = expect_error(LINE("{\"cmd\":\"status\"}\0"), CTL_ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(err.message, "NUL"));
	expect_error(LINE("{\"cmd\":\"sta\0tus\"}"), CTL_ERR_PARSE);
	expect_error(LINE("\0{\"cmd\":\"status\"}"), CTL_ERR_PARSE);
	expect_error(LINE("\0"), CTL_ERR_PARSE);
	/* Escaped NULs are rejected by the parser (no JSON_ALLOW_NUL). */
	expect_error(LINE("{\"cmd\":\"status\\u0000\"}"), CTL_ERR_PARSE);
}
END_TEST

START_TEST(request_invalid_utf8)
{
	expect_error(LINE("{\"cmd\":\"st\xff" "atus\"}"), CTL_ERR_PARSE);
	expect_error(LINE("{\"cmd\":\"\xc0\xaf\"}"), CTL_ERR_PARSE);
	expect_error(LINE("{\"cmd\":\"\xed\xa0\x80\"}"), CTL_ERR_PARSE);
	expect_error(LINE("{\"cmd\":\"\xe2\x82\"}"), CTL_ERR_PARSE);
	expect_error(LINE("{\"cmd\":\"\\ud800\"}"), CTL_ERR_PARSE);
	expect_error(LINE("{\"\xfe\":1,\"cmd\":\"status\"}"), CTL_ERR_PARSE);
}
END_TEST

START_TEST(request_duplicate_keys)
{
	expect_error(LINE("{\"cmd\":\"status\",\"cmd\":\"status\"}"),
	    CTL_ERR_PARSE);
	expect_error(LINE("{\"cmd\":\"version\",\"cmd\":\"status\"}"),
	    CTL_ERR_PARSE);
	expect_error(LINE("{\"version\":1,\"cmd\":\"status\",\"version\":1}"),
	    CTL_ERR_PARSE);
}
END_TEST

START_TEST(request_huge_numbers)
{
	expect_error(LINE("{\"cmd\":\"status\","
	    "\"version\":99999999999999999999999}"), CTL_ERR_PARSE);
	expect_error(LINE("{\"cmd\":\"status\",\"version\":1e999}"),
	    CTL_ERR_PARSE);
	expect_error(LINE("{\"cmd\":\"status\",\"version\":1e2}"),
	    CTL_ERR_BAD_REQUEST);
	expect_error(LINE("{\"cmd\":\"status\","
	    "\"version\":-9223372036854775808}"), CTL_ERR_VERSION);
}
END_TEST

START_TEST(request_cmd_missing_or_not_string)
{
	expect_error(LINE("{}"), CTL_ERR_BAD_REQUEST);
	expect_error(LINE("{\"version\":1}"), CTL_ERR_BAD_REQUEST);
	expect_error(LINE("{\"command\":\"status\"}"), CTL_ERR_BAD_REQUEST);
	expect_error(LINE("{\"cmd\":null}"), CTL_ERR_BAD_REQUEST);
	expect_error(LINE("{\"cmd\":1}"), CTL_ERR_BAD_REQUEST);
	expect_error(LINE("{\"cmd\":true}"), CTL_ERR_BAD_REQUEST);
	expect_error(LINE("{\"cmd\":[\"status\"]}"), CTL_ERR_BAD_REQUEST);
	expect_error(LINE("{\"cmd\":{\"a\":[1,{\"b\":null}]}}"),
	    CTL_ERR_BAD_REQUEST);
}
END_TEST

START_TEST(request_unknown_member)
{
	struct ctl_error err;

	err = expect_error(LINE("{\"cmd\":\"status\",\"verbose\":true}"),
	    CTL_ERR_BAD_REQUEST);
	ck_assert_ptr_nonnull(strstr(err.message, "\"verbose\""));
	err = expect_error(LINE("{\"cmd\":\"status\","
	    "\"junk\":[[[[{\"x\":[{}]}]]]]}"), CTL_ERR_BAD_REQUEST);
	ck_assert_ptr_nonnull(strstr(err.message, "\"junk\""));
	err = expect_error(LINE("{\"cmd\":\"status\",\"\\u0007\\u00e9\":1}"),
	    CTL_ERR_BAD_REQUEST);
	ck_assert_ptr_nonnull(strstr(err.message, "\"???\""));
}
END_TEST

START_TEST(request_deep_nesting)
{
	char buf[CTL_MAX_LINE];
	size_t n = 0, depth = (sizeof(buf) - 40) / 2;

	n += (size_t)snprintf(buf, sizeof(buf), "{\"cmd\":\"status\",\"x\":");
	for (size_t i = 0; i < depth; i++)
		buf[n++] = '[';
	for (size_t i = 0; i < depth; i++)
		buf[n++] = ']';
	buf[n++] = '}';
	ck_assert_uint_lt(n, CTL_MAX_LINE);
	/* Either the parser's depth limit or the member check rejects it. */
	expect_error(buf, n, CTL_ERR_BAD_REQUEST);
	expect_error(buf, n - 1, CTL_ERR_PARSE);
}
END_TEST

START_TEST(request_unknown_command)
{
	struct ctl_error err;

	err = expect_error(LINE("{\"cmd\":\"restart\"}"), CTL_ERR_UNKNOWN_CMD);
	ck_assert_str_eq(err.message, "unknown command \"restart\"");
	expect_error(LINE("{\"cmd\":\"STATUS\"}"), CTL_ERR_UNKNOWN_CMD);
	expect_error(LINE("{\"cmd\":\"status \"}"), CTL_ERR_UNKNOWN_CMD);
	expect_error(LINE("{\"cmd\":\"\"}"), CTL_ERR_UNKNOWN_CMD);
	err = expect_error(LINE("{\"cmd\":\"a\\t\\n\\u001b[31m\\u00e9\"}"),
	    CTL_ERR_UNKNOWN_CMD);
	ck_assert_str_eq(err.message, "unknown command \"a???[31m??\"");
}
END_TEST

START_TEST(request_unknown_command_truncated)
{
	char buf[256], want[64];
	struct ctl_error err;
	int n;

	n = snprintf(buf, sizeof(buf), "{\"cmd\":\"%0100d\"}", 7);
	err = expect_error(buf, (size_t)n, CTL_ERR_UNKNOWN_CMD);
	snprintf(want, sizeof(want), "unknown command \"%032d...\"", 0);
	ck_assert_str_eq(err.message, want);
}
END_TEST

START_TEST(cmd_names)
{
	const enum ctl_cmd all[] = {
		CTL_CMD_VERSION, CTL_CMD_STATUS, CTL_CMD_SUBSCRIBE,
		CTL_CMD_LEAP, CTL_CMD_SOURCES, CTL_CMD_TRACE, CTL_CMD_RELOAD,
	};
	char buf[64];

	ck_assert_str_eq(ctl_cmd_name(CTL_CMD_VERSION), "version");
	ck_assert_str_eq(ctl_cmd_name(CTL_CMD_STATUS), "status");
	ck_assert_str_eq(ctl_cmd_name(CTL_CMD_SUBSCRIBE), "subscribe");
	ck_assert_str_eq(ctl_cmd_name(CTL_CMD_LEAP), "leap");
	ck_assert_str_eq(ctl_cmd_name(CTL_CMD_SOURCES), "sources");
	ck_assert_str_eq(ctl_cmd_name(CTL_CMD_TRACE), "trace");
	ck_assert_str_eq(ctl_cmd_name(CTL_CMD_RELOAD), "reload");
	ck_assert_str_eq(ctl_cmd_name((enum ctl_cmd)99), "?");
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		int n = snprintf(buf, sizeof(buf), "{\"cmd\":\"%s\"}",
		    ctl_cmd_name(all[i]));
		ck_assert_int_eq(expect_ok(buf, (size_t)n), all[i]);
	}
}
END_TEST

/* ------------------------------------------------------------ encoders */

/* One compact line: ends in '\n', no other newline, no blanks outside
 * strings (our test data has none), decodes back cleanly. */
static json_t *
assert_one_line(char *line)
{
	struct ctl_error err = { NULL, "" };
	size_t n;
	json_t *msg;

	ck_assert_ptr_nonnull(line);
	n = strlen(line);
	ck_assert_uint_gt(n, 1);
	ck_assert_int_eq(line[n - 1], '\n');
	ck_assert_ptr_eq(strchr(line, '\n'), line + n - 1);
	ck_assert_ptr_null(strstr(line, ": "));
	ck_assert_ptr_null(strstr(line, ", "));
	msg = ctl_decode_message(line, n, &err);
	ck_assert_msg(msg != NULL, "%s: %s", err.code, err.message);
	free(line);
	return msg;
}

START_TEST(encode_reply_exact)
{
	char *line = ctl_encode_reply(NULL);

	ck_assert_str_eq(line, "{\"ok\":true,\"version\":1,\"data\":{}}\n");
	free(line);
	line = ctl_encode_reply(json_pack("{s:i,s:s}", "protocol", 1,
	    "daemon", PACKAGE_VERSION));
	ck_assert_str_eq(line, "{\"ok\":true,\"version\":1,\"data\":"
	    "{\"protocol\":1,\"daemon\":\"" PACKAGE_VERSION "\"}}\n");
	json_decref(assert_one_line(line));
}
END_TEST

START_TEST(encode_reply_steals_data)
{
	json_t *data = json_pack("{s:[i,i]}", "x", 1, 2);

	json_incref(data);
	free(ctl_encode_reply(data));
	ck_assert_int_eq((int)data->refcount, 1);
	json_incref(data);
	free(ctl_encode_event("status", data));
	ck_assert_int_eq((int)data->refcount, 1);
	json_decref(data);
}
END_TEST

START_TEST(encode_escapes_newlines)
{
	json_t *msg = assert_one_line(ctl_encode_reply(json_pack("{s:s}",
	    "text", "two\nlines\r\n\u2028")));

	ck_assert_str_eq(json_string_value(json_object_get(
	    json_object_get(msg, "data"), "text")), "two\nlines\r\n\u2028");
	json_decref(msg);
}
END_TEST

START_TEST(encode_error_exact)
{
	char *line = ctl_encode_error(CTL_ERR_UNKNOWN_CMD,
	    "unknown command \"x\"");
	json_t *msg;

	ck_assert_str_eq(line, "{\"ok\":false,\"version\":1,\"error\":"
	    "{\"code\":\"unknown_command\","
	    "\"message\":\"unknown command \\\"x\\\"\"}}\n");
	msg = assert_one_line(line);
	ck_assert(json_is_false(json_object_get(msg, "ok")));
	json_decref(msg);
}
END_TEST

START_TEST(encode_error_bad_utf8_message)
{
	json_t *msg = assert_one_line(ctl_encode_error(CTL_ERR_INTERNAL,
	    "bad \xff\xfe bytes"));
	json_t *e = json_object_get(msg, "error");

	ck_assert_str_eq(json_string_value(json_object_get(e, "message")),
	    "bad ?? bytes");
	json_decref(msg);
	msg = assert_one_line(ctl_encode_error(NULL, NULL));
	e = json_object_get(msg, "error");
	ck_assert_str_eq(json_string_value(json_object_get(e, "code")),
	    CTL_ERR_INTERNAL);
	json_decref(msg);
}
END_TEST

START_TEST(encode_event_exact)
{
	char *line = ctl_encode_event("status", json_pack("{s:b}",
	    "synchronized", 1));
	json_t *msg;

	ck_assert_str_eq(line, "{\"event\":\"status\",\"version\":1,"
	    "\"data\":{\"synchronized\":true}}\n");
	msg = assert_one_line(line);
	ck_assert_str_eq(json_string_value(json_object_get(msg, "event")),
	    "status");
	json_decref(msg);
	line = ctl_encode_event("leap", NULL);
	ck_assert_str_eq(line, "{\"event\":\"leap\",\"version\":1,"
	    "\"data\":{}}\n");
	free(line);
}
END_TEST

/* ------------------------------------------------------------ decoding */

static void
expect_decode_error(const char *buf, size_t len, const char *code)
{
	struct ctl_error err = { NULL, "" };
	json_t *msg = ctl_decode_message(buf, len, &err);

	ck_assert_msg(msg == NULL, "accepted: %.*s", (int)len, buf);
	ck_assert_ptr_nonnull(err.code);
	ck_assert_str_eq(err.code, code);
	assert_message_clean(&err);
}

START_TEST(decode_valid_messages)
{
	struct ctl_error err = { NULL, "" };
	json_t *msg;

	msg = ctl_decode_message(LINE("{\"ok\":true,\"version\":1,"
	    "\"data\":{\"a\":1}}\n"), &err);
	ck_assert_ptr_nonnull(msg);
	ck_assert(json_is_true(json_object_get(msg, "ok")));
	json_decref(msg);
	msg = ctl_decode_message(LINE("{\"ok\":false,\"version\":1,\"error\":"
	    "{\"code\":\"too_many_clients\",\"message\":\"busy\"}}"), &err);
	ck_assert_ptr_nonnull(msg);
	ck_assert_str_eq(json_string_value(json_object_get(
	    json_object_get(msg, "error"), "code")), CTL_ERR_TOO_MANY);
	json_decref(msg);
	msg = ctl_decode_message(LINE("{\"event\":\"status\",\"version\":1,"
	    "\"data\":{}}\r\n"), &err);
	ck_assert_ptr_nonnull(msg);
	json_decref(msg);
}
END_TEST

START_TEST(decode_bad_envelopes)
{
	expect_decode_error(LINE("{\"ok\":true,\"data\":{}}"),
	    CTL_ERR_BAD_REQUEST);
	expect_decode_error(LINE("{\"ok\":true,\"version\":\"1\",\"data\":{}}"),
	    CTL_ERR_BAD_REQUEST);
	expect_decode_error(LINE("{\"ok\":true,\"version\":2,\"data\":{}}"),
	    CTL_ERR_VERSION);
	expect_decode_error(LINE("{\"version\":1,\"data\":{}}"),
	    CTL_ERR_BAD_REQUEST);
	expect_decode_error(LINE("{\"ok\":true,\"event\":\"status\","
	    "\"version\":1,\"data\":{}}"), CTL_ERR_BAD_REQUEST);
	expect_decode_error(LINE("{\"ok\":1,\"version\":1,\"data\":{}}"),
	    CTL_ERR_BAD_REQUEST);
	expect_decode_error(LINE("{\"event\":7,\"version\":1,\"data\":{}}"),
	    CTL_ERR_BAD_REQUEST);
	expect_decode_error(LINE("{\"ok\":true,\"version\":1}"),
	    CTL_ERR_BAD_REQUEST);
	expect_decode_error(LINE("{\"ok\":true,\"version\":1,\"data\":[]}"),
	    CTL_ERR_BAD_REQUEST);
	expect_decode_error(LINE("{\"event\":\"status\",\"version\":1}"),
	    CTL_ERR_BAD_REQUEST);
	expect_decode_error(LINE("{\"ok\":false,\"version\":1}"),
	    CTL_ERR_BAD_REQUEST);
	expect_decode_error(LINE("{\"ok\":false,\"version\":1,\"error\":"
	    "{\"code\":1,\"message\":\"m\"}}"), CTL_ERR_BAD_REQUEST);
	expect_decode_error(LINE("{\"ok\":false,\"version\":1,\"error\":"
	    "{\"code\":\"c\"}}"), CTL_ERR_BAD_REQUEST);
	expect_decode_error(LINE("{\"ok\":false,\"version\":1,\"error\":\"x\"}"),
	    CTL_ERR_BAD_REQUEST);
}
END_TEST

START_TEST(decode_bad_json)
{
	expect_decode_error("", 0, CTL_ERR_PARSE);
	expect_decode_error(LINE("\n"), CTL_ERR_PARSE);
	expect_decode_error(LINE("[1]"), CTL_ERR_PARSE);
	expect_decode_error(LINE("{\"ok\":true,\"version\":1,\"data\":{}} x"),
	    CTL_ERR_PARSE);
	expect_decode_error(LINE("{\"ok\":true,\"version\":1,\"data\":{}}\0"),
	    CTL_ERR_PARSE);
	expect_decode_error(LINE("{\"ok\":true,\"version\":1,"
	    "\"data\":{\"s\":\"\xff\"}}"), CTL_ERR_PARSE);
	expect_decode_error(LINE("{\"ok\":true,\"ok\":true,\"version\":1,"
	    "\"data\":{}}"), CTL_ERR_PARSE);
	expect_decode_error(LINE("{\"ok\":true,\"version\":1e400,"
	    "\"data\":{}}"), CTL_ERR_PARSE);
}
END_TEST

static Suite *
ctl_proto_suite(void)
{
	Suite *s = suite_create("ctl_proto");
	TCase *req = tcase_create("request");
	TCase *enc = tcase_create("encode");
	TCase *dec = tcase_create("decode");

	tcase_add_test(req, request_valid_commands);
	tcase_add_test(req, request_version_member);
	tcase_add_test(req, request_version_wrong_type);
	tcase_add_test(req, request_empty);
	tcase_add_test(req, request_too_large);
	tcase_add_test(req, request_not_json);
	tcase_add_test(req, request_not_an_object);
	tcase_add_test(req, request_trailing_garbage);
	tcase_add_test(req, request_nul_bytes);
	tcase_add_test(req, request_invalid_utf8);
	tcase_add_test(req, request_duplicate_keys);
	tcase_add_test(req, request_huge_numbers);
	tcase_add_test(req, request_cmd_missing_or_not_string);
	tcase_add_test(req, request_unknown_member);
	tcase_add_test(req, request_deep_nesting);
	tcase_add_test(req, request_unknown_command);
	tcase_add_test(req, request_unknown_command_truncated);
	tcase_add_test(req, cmd_names);
	suite_add_tcase(s, req);
	tcase_add_test(enc, encode_reply_exact);
	tcase_add_test(enc, encode_reply_steals_data);
	tcase_add_test(enc, encode_escapes_newlines);
	tcase_add_test(enc, encode_error_exact);
	tcase_add_test(enc, encode_error_bad_utf8_message);
	tcase_add_test(enc, encode_event_exact);
	suite_add_tcase(s, enc);
	tcase_add_test(dec, decode_valid_messages);
	tcase_add_test(dec, decode_bad_envelopes);
	tcase_add_test(dec, decode_bad_json);
	suite_add_tcase(s, dec);
	return s;
}

int
main(void)
{
	return check_run(ctl_proto_suite());
}
