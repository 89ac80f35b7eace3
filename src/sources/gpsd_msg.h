/*
 * gpsd_msg.h - the messages of gpsd's JSON protocol that the gpsd source
 * uses (VERSION, DEVICES, WATCH, TPV, PPS, TOFF, ERROR), one line at a
 * time. Pure: text in, typed fields out.
 *
 * From gpsd_json(5): TPV carries the fix mode (0 unknown, 1 none, 2 2D,
 * 3 3D), an optional status, the fix time (ISO 8601, UTC) and ept (the
 * estimated time error, seconds, 95 %); PPS and TOFF carry real_sec/
 * real_nsec (the GNSS second) and clock_sec/clock_nsec (the host's
 * CLOCK_REALTIME then): at the PPS edge for PPS, when the first data of
 * the reporting cycle arrived for TOFF (serial-grade).
 */
#ifndef TSYNC_GPSD_MSG_H
#define TSYNC_GPSD_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GPSD_MSG_DEVICE_LEN	64
#define GPSD_MSG_TEXT_LEN	96

enum gpsd_class {
	GPSD_OTHER,		/* a class we do not use (SKY, ...) */
	GPSD_VERSION,
	GPSD_DEVICES,
	GPSD_WATCH,
	GPSD_TPV,
	GPSD_PPS,
	GPSD_TOFF,
	GPSD_ERROR,
};

enum gpsd_msg_result {
	GPSD_MSG_OK = 0,
	GPSD_MSG_NOT_JSON = -1,		/* not a JSON object */
	GPSD_MSG_NO_CLASS = -2,		/* no "class" string */
	GPSD_MSG_BAD_FIELD = -3,	/* a field we use is missing or wrong */
};

struct gpsd_msg {
	enum gpsd_class	cls;
	char		device[GPSD_MSG_DEVICE_LEN];	/* "" when absent */
	/* VERSION: release; ERROR: message */
	char		text[GPSD_MSG_TEXT_LEN];
	int		proto_major, proto_minor;
	/* TPV */
	int		mode;		/* 0..3 */
	int		status;		/* -1 absent */
	bool		has_time;
	int64_t		time_ns;	/* Unix ns */
	bool		has_ept;
	double		ept_s;
	bool		has_leapseconds;
	int		leapseconds;
	/* PPS, TOFF */
	int64_t		real_ns;	/* Unix ns */
	int64_t		clock_ns;
	bool		has_precision;
	int		precision;	/* log2 s */
	/* DEVICES: how many */
	int		ndevices;
};

/*
 * Parse one line (len bytes, no NUL needed, trailing CR/LF allowed).
 * Returns GPSD_MSG_OK with *m filled, or a negative enum gpsd_msg_result.
 * For classes we do not use only cls (and device) are filled.
 */
int	gpsd_msg_parse(const char *line, size_t len, struct gpsd_msg *m);

/* "ok", "not_json", "no_class", "bad_field"; "?" otherwise. */
const char *gpsd_msg_result_name(int rc);

/*
 * ISO 8601 UTC "YYYY-MM-DDTHH:MM:SS[.fff...]Z" (gpsd's time) to Unix ns.
 * 0 or -1.
 */
int	gpsd_msg_iso_time(const char *s, int64_t *ns);

#endif
