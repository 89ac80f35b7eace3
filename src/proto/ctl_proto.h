/*
 * ctl_proto.h - the control socket protocol, version 1: one JSON object
 * per line each way. Pure codec over byte buffers: no I/O.
 *
 *   request  {"cmd":"status"}                 (optional "version":1)
 *   reply    {"ok":true,"version":1,"data":{...}}
 *   error    {"ok":false,"version":1,"error":{"code":"...","message":"..."}}
 *   event    {"event":"status","version":1,"data":{...}}   (subscribers)
 */
#ifndef TSYNC_CTL_PROTO_H
#define TSYNC_CTL_PROTO_H

#include <jansson.h>
#include <stddef.h>

#define CTL_PROTO_VERSION	1
#define CTL_MAX_LINE		4096	/* request line, including '\n' */
#define CTL_DEFAULT_SOCKET	"/run/tsyncd/tsyncd.sock"

enum ctl_cmd {
	CTL_CMD_VERSION,
	CTL_CMD_STATUS,
	CTL_CMD_SUBSCRIBE,
	CTL_CMD_LEAP,
	CTL_CMD_SOURCES,
	CTL_CMD_TRACE,
	CTL_CMD_RELOAD,		/* admin: root or status.admin_group */
};

/* Stable error codes, documented in tsctl(1) / tsyncd(8). */
#define CTL_ERR_PARSE		"parse_error"		/* not a JSON object */
#define CTL_ERR_BAD_REQUEST	"bad_request"		/* missing/invalid member */
#define CTL_ERR_UNKNOWN_CMD	"unknown_command"
#define CTL_ERR_VERSION		"unsupported_version"
#define CTL_ERR_TOO_LARGE	"request_too_large"
#define CTL_ERR_TOO_MANY	"too_many_clients"
#define CTL_ERR_INTERNAL	"internal_error"
#define CTL_ERR_DENIED		"permission_denied"	/* admin command, peer not admin */

struct ctl_request {
	enum ctl_cmd	cmd;
};

struct ctl_error {
	const char	*code;		/* one of CTL_ERR_* */
	char		message[160];
};

/*
 * Parse one request line (without its '\n'; a trailing '\r' is ignored).
 * The buffer need not be NUL-terminated and may contain any bytes.
 * Returns 0, or -1 with *err filled.
 */
int	ctl_parse_request(const char *line, size_t len, struct ctl_request *req,
	    struct ctl_error *err);
const char *ctl_cmd_name(enum ctl_cmd cmd);

/*
 * Encoders return a malloc'd NUL-terminated line ending in '\n' (compact
 * JSON), or NULL on allocation failure. `data` is stolen (may be NULL
 * for an empty object).
 */
char	*ctl_encode_reply(json_t *data);
char	*ctl_encode_error(const char *code, const char *message);
char	*ctl_encode_event(const char *event, json_t *data);

/*
 * Client side: decode a reply or event line. Returns a new reference to
 * the whole object after checking the envelope (an object with "ok" or
 * "event", "version" == CTL_PROTO_VERSION), or NULL with *err filled.
 */
json_t	*ctl_decode_message(const char *line, size_t len, struct ctl_error *err);

#endif
