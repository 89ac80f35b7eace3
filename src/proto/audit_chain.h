/*
 * audit_chain.h - the audit log's record format and its verifier. Pure
 * codec over byte buffers: no I/O, no clock (the writer in
 * src/publish/audit.c supplies the timestamp).
 *
 * One record per line, compact JSON, members in this order:
 *
 *   {"seq":N,"ts":"2026-11-27T03:23:49.123456Z","type":"state",
 *    "data":{...},"prev":"<64 hex>","hash":"<64 hex>"}
 *
 * Canonical hashing rule: a well-formed line ends with the 75 bytes
 * `,"hash":"` + 64 lowercase hex digits + `"}`; "hash" is the SHA-256
 * of every byte before them (the line from its '{' up to and including
 * the closing quote of "prev"). No re-serialisation is involved, so
 * the verifier hashes exactly the bytes on disk. "prev" is the "hash"
 * of the previous record (64 zeros for the first record of a chain).
 * Since a line is a function of its hashed prefix, chaining on "hash"
 * binds the previous line byte for byte.
 */
#ifndef TSYNC_AUDIT_CHAIN_H
#define TSYNC_AUDIT_CHAIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUDIT_DEFAULT_FILE	"/var/lib/tsyncd/audit.log"
#define AUDIT_HASH_HEX		64	/* hex digits of a SHA-256 */
#define AUDIT_MAX_LINE		65536	/* bytes of a record, without '\n' */
#define AUDIT_TYPE_MAX		32	/* type names: [a-z_]{1,32} */
#define AUDIT_TS_LEN		27	/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" */
#define AUDIT_ZERO_HASH							\
	"0000000000000000000000000000000000000000000000000000000000000000"

/* Return values of audit_chain_decode(). */
#define AUDIT_BAD_FORMAT	(-1)	/* not a record; *rec undefined */
#define AUDIT_BAD_HASH		(-2)	/* a record whose hash does not match */

struct audit_record {
	uint64_t	seq;
	char		ts[AUDIT_TS_LEN + 1];
	char		type[AUDIT_TYPE_MAX + 1];
	char		prev[AUDIT_HASH_HEX + 1];
	char		hash[AUDIT_HASH_HEX + 1];	/* as written */
};

/* SHA-256 of buf as lowercase hex. Returns 0, or -1 if libcrypto fails. */
int	audit_chain_sha256_hex(const void *buf, size_t len,
	    char hex[AUDIT_HASH_HEX + 1]);

/* true if type is a valid record type name ([a-z_]{1,32}). */
bool	audit_chain_type_ok(const char *type);

/*
 * Encode one record as a malloc'd NUL-terminated line ending in '\n'.
 * `data` is stolen (NULL for an empty object). *len gets the length
 * including the '\n', hash_hex the new record's hash. Returns NULL with
 * errno EINVAL (bad type/ts/prev), E2BIG (longer than AUDIT_MAX_LINE)
 * or ENOMEM.
 */
char	*audit_chain_encode(uint64_t seq, const char *ts, const char *type,
	    json_t *data, const char *prev_hex,
	    char hash_hex[AUDIT_HASH_HEX + 1], size_t *len);

/*
 * Decode one line (without '\n'; any bytes, need not be NUL-terminated)
 * and check its own hash. Returns 0, AUDIT_BAD_HASH (*rec filled) or
 * AUDIT_BAD_FORMAT; on failure `why` gets a printable-ASCII reason.
 */
int	audit_chain_decode(const char *line, size_t len,
	    struct audit_record *rec, char *why, size_t whylen);

/* ------------------------------------------------------------ verifier */

enum audit_severity {
	AUDIT_WARNING,		/* chain intact: a torn last record */
	AUDIT_ERROR,		/* the chain does not verify */
};

struct audit_problem {
	enum audit_severity severity;
	const char	*file;		/* as given to audit_verify_file() */
	unsigned long	line;		/* 1-based; 0: the file as a whole */
	int64_t		seq;		/* -1 if unknown */
	char		what[200];	/* printable ASCII */
};

typedef void (*audit_report_fn)(const struct audit_problem *p, void *ctx);

struct audit_verify_result {
	unsigned long	records;	/* well-formed records seen */
	unsigned long	errors, warnings;
	bool		have_records;
	uint64_t	first_seq, last_seq;
	bool		from_rotate;	/* first record is "rotate": older
					 * files were not given */
};

struct audit_verify;

struct audit_verify *audit_verify_create(audit_report_fn report, void *ctx);
void	audit_verify_destroy(struct audit_verify *v);
/*
 * Feed files oldest first. For each: audit_verify_file(), then every line
 * in order (without '\n'); `terminated` is false only for bytes after
 * the file's last '\n'. `newest` marks the last file: only there is an
 * unterminated line a torn write (warning) rather than an error.
 * `name` must stay valid until the next audit_verify_file().
 */
void	audit_verify_file(struct audit_verify *v, const char *name,
	    bool newest);
void	audit_verify_line(struct audit_verify *v, const char *line,
	    size_t len, bool terminated);
/* Convenience: audit_verify_file() and every line of buf. */
void	audit_verify_buffer(struct audit_verify *v, const char *name,
	    const char *buf, size_t len, bool newest);
/* Call after the last file (reports an empty newest file). */
void	audit_verify_finish(struct audit_verify *v,
	    struct audit_verify_result *r);

#endif
