/*
 * ctl_proto.c - control socket protocol v1 codec (see ctl_proto.h).
 *
 * Everything here treats its input as hostile: lines come straight from
 * the socket. Messages we build from client bytes are reduced to
 * printable ASCII so that error replies and logs never echo raw input.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

#define SANE_NAME_MAX	32	/* command / member names quoted in errors */
#define SANE_TEXT_MAX	96	/* parser diagnostics quoted in errors */

static const char *const cmd_names[] = {
	[CTL_CMD_VERSION] = "version",
	[CTL_CMD_STATUS] = "status",
	[CTL_CMD_SUBSCRIBE] = "subscribe",
	[CTL_CMD_LEAP] = "leap",
	[CTL_CMD_SOURCES] = "sources",
	[CTL_CMD_TRACE] = "trace",
	[CTL_CMD_RELOAD] = "reload",
};

#define NCMDS	(sizeof(cmd_names) / sizeof(cmd_names[0]))

const char *
ctl_cmd_name(enum ctl_cmd cmd)
{
	if ((size_t)cmd >= NCMDS)
		return "?";
	return cmd_names[cmd];
}

static int
fail(struct ctl_error *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct ctl_error *err, const char *code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Copy at most max bytes of src into dst as printable ASCII ('?' for
 * anything else), with "..." when cut. dst must hold max + 4 bytes.
 */
static void
sanitize(char *dst, const char *src, size_t len, size_t max)
{
	size_t i, n = len < max ? len : max;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (len > max) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
}

static bool
all_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

/* Load exactly one JSON object from untrusted bytes. */
static json_t *
load_object(const char *buf, size_t len, struct ctl_error *err)
{
	json_error_t jerr;
	char text[SANE_TEXT_MAX + 4];
	json_t *root;

	if (memchr(buf, '\0', len) != NULL) {
		fail(err, CTL_ERR_PARSE, "message contains a NUL byte");
		return NULL;
	}
	/* Without JSON_DISABLE_EOF_CHECK, trailing garbage is an error. */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		sanitize(text, jerr.text, strnlen(jerr.text, sizeof(jerr.text)),
		    SANE_TEXT_MAX);
		fail(err, CTL_ERR_PARSE, "invalid JSON at byte %d: %s",
		    jerr.position, text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		fail(err, CTL_ERR_PARSE, "message is not a JSON object");
		return NULL;
	}
	return root;
}

/* Checked first: a newer client's other members may mean something else. */
static int
check_request_version(json_t *root, struct ctl_error *err)
{
	json_t *v = json_object_get(root, "version");

	if (v == NULL)
		return 0;
	if (!json_is_integer(v))
		return fail(err, CTL_ERR_BAD_REQUEST,
		    "member \"version\" must be an integer");
	if (json_integer_value(v) != CTL_PROTO_VERSION)
		return fail(err, CTL_ERR_VERSION,
		    "protocol version %" JSON_INTEGER_FORMAT
		    " is not supported (this daemon speaks %d)",
		    json_integer_value(v), CTL_PROTO_VERSION);
	return 0;
}

static int
lookup_cmd(json_t *root, enum ctl_cmd *cmd, struct ctl_error *err)
{
	char name[SANE_NAME_MAX + 4];
	json_t *v = json_object_get(root, "cmd");
	const char *s;
	size_t len;

	if (v == NULL)
		return fail(err, CTL_ERR_BAD_REQUEST, "member \"cmd\" is missing");
	if (!json_is_string(v))
		return fail(err, CTL_ERR_BAD_REQUEST,
		    "member \"cmd\" must be a string");
	s = json_string_value(v);
	len = json_string_length(v);
	for (size_t i = 0; i < NCMDS; i++) {
		if (len == strlen(cmd_names[i]) &&
		    memcmp(s, cmd_names[i], len) == 0) {
			*cmd = (enum ctl_cmd)i;
			return 0;
		}
	}
	sanitize(name, s, len, SANE_NAME_MAX);
	return fail(err, CTL_ERR_UNKNOWN_CMD, "unknown command \"%s\"", name);
}

static int
check_members(json_t *root, struct ctl_error *err)
{
	char name[SANE_NAME_MAX + 4];
	const char *key;
	json_t *v;

	json_object_foreach(root, key, v) {
		if (strcmp(key, "cmd") == 0 || strcmp(key, "version") == 0)
			continue;
		sanitize(name, key, strlen(key), SANE_NAME_MAX);
		return fail(err, CTL_ERR_BAD_REQUEST,
		    "unknown member \"%s\"", name);
	}
	return 0;
}

int
ctl_parse_request(const char *line, size_t len, struct ctl_request *req,
    struct ctl_error *err)
{
	json_t *root;
	int rc;

	if (len > CTL_MAX_LINE - 1)
		return fail(err, CTL_ERR_TOO_LARGE,
		    "request longer than %d bytes", CTL_MAX_LINE - 1);
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (all_blank(line, len))
		return fail(err, CTL_ERR_BAD_REQUEST, "empty request");
	root = load_object(line, len, err);
	if (root == NULL)
		return -1;
	rc = check_request_version(root, err);
	if (rc == 0)
		rc = lookup_cmd(root, &req->cmd, err);
	if (rc == 0)
		rc = check_members(root, err);
	json_decref(root);
	return rc;
}

/*
 * 15 significant digits: every double a reply carries round-trips to within
 * 1e-15 relative (ns resolution on offsets up to 1e6 s), without the
 * "0.49524656500000003" noise of the default 17.
 */
#define DUMP_FLAGS	(JSON_COMPACT | JSON_REAL_PRECISION(15))

/* Serialise compactly into a malloc'd line ending in "\n". Steals obj. */
static char *
dump_line(json_t *obj)
{
	size_t n;
	char *buf;

	if (obj == NULL)
		return NULL;
	n = json_dumpb(obj, NULL, 0, DUMP_FLAGS);
	buf = n > 0 ? malloc(n + 2) : NULL;
	if (buf != NULL && json_dumpb(obj, buf, n, DUMP_FLAGS) == n) {
		buf[n] = '\n';
		buf[n + 1] = '\0';
	} else {
		free(buf);
		buf = NULL;
	}
	json_decref(obj);
	return buf;
}

/* {tag: tagval, "version": 1, key: val}; val is stolen. */
static json_t *
envelope(const char *tag, json_t *tagval, const char *key, json_t *val)
{
	json_t *obj = json_object();

	if (obj == NULL) {
		json_decref(tagval);
		json_decref(val);
		return NULL;
	}
	/* json_object_set_new() steals its value even when it fails. */
	if (json_object_set_new(obj, tag, tagval) < 0 ||
	    json_object_set_new(obj, "version",
	    json_integer(CTL_PROTO_VERSION)) < 0) {
		json_decref(val);
		json_decref(obj);
		return NULL;
	}
	if (json_object_set_new(obj, key, val) < 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

char *
ctl_encode_reply(json_t *data)
{
	if (data == NULL)
		data = json_object();
	return dump_line(envelope("ok", json_true(), "data", data));
}

/* Our messages are ASCII, but never emit a reply jansson would reject. */
static json_t *
safe_string(const char *s)
{
	char buf[sizeof(((struct ctl_error *)0)->message) + 4];
	json_t *j;

	if (s == NULL)
		s = "";
	j = json_string(s);
	if (j == NULL) {
		sanitize(buf, s, strlen(s), sizeof(buf) - 4);
		j = json_string(buf);
	}
	return j;
}

char *
ctl_encode_error(const char *code, const char *message)
{
	json_t *error = json_object();

	if (error == NULL)
		return NULL;
	if (json_object_set_new(error, "code",
	    safe_string(code != NULL ? code : CTL_ERR_INTERNAL)) < 0 ||
	    json_object_set_new(error, "message", safe_string(message)) < 0) {
		json_decref(error);
		return NULL;
	}
	return dump_line(envelope("ok", json_false(), "error", error));
}

char *
ctl_encode_event(const char *event, json_t *data)
{
	json_t *name = safe_string(event);

	if (data == NULL)
		data = json_object();
	if (name == NULL) {
		json_decref(data);
		return NULL;
	}
	return dump_line(envelope("event", name, "data", data));
}

static int
check_error_member(json_t *root, struct ctl_error *err)
{
	json_t *e = json_object_get(root, "error");

	if (!json_is_object(e))
		return fail(err, CTL_ERR_BAD_REQUEST,
		    "error reply without an \"error\" object");
	if (!json_is_string(json_object_get(e, "code")) ||
	    !json_is_string(json_object_get(e, "message")))
		return fail(err, CTL_ERR_BAD_REQUEST,
		    "error object needs string \"code\" and \"message\"");
	return 0;
}

static int
check_envelope(json_t *root, struct ctl_error *err)
{
	json_t *ok = json_object_get(root, "ok");
	json_t *event = json_object_get(root, "event");
	json_t *v = json_object_get(root, "version");

	if ((ok == NULL) == (event == NULL))
		return fail(err, CTL_ERR_BAD_REQUEST,
		    "message needs exactly one of \"ok\" and \"event\"");
	if (!json_is_integer(v))
		return fail(err, CTL_ERR_BAD_REQUEST,
		    "message has no integer \"version\"");
	if (json_integer_value(v) != CTL_PROTO_VERSION)
		return fail(err, CTL_ERR_VERSION,
		    "protocol version %" JSON_INTEGER_FORMAT
		    " is not supported (this client speaks %d)",
		    json_integer_value(v), CTL_PROTO_VERSION);
	if (event != NULL && !json_is_string(event))
		return fail(err, CTL_ERR_BAD_REQUEST,
		    "member \"event\" must be a string");
	if (ok != NULL && !json_is_boolean(ok))
		return fail(err, CTL_ERR_BAD_REQUEST,
		    "member \"ok\" must be a boolean");
	if (json_is_false(ok))
		return check_error_member(root, err);
	if (!json_is_object(json_object_get(root, "data")))
		return fail(err, CTL_ERR_BAD_REQUEST,
		    "message has no \"data\" object");
	return 0;
}

json_t *
ctl_decode_message(const char *line, size_t len, struct ctl_error *err)
{
	json_t *root;

	if (all_blank(line, len)) {
		fail(err, CTL_ERR_PARSE, "empty message");
		return NULL;
	}
	root = load_object(line, len, err);
	if (root != NULL && check_envelope(root, err) < 0) {
		json_decref(root);
		root = NULL;
	}
	return root;
}
