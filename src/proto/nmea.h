/*
 * nmea.h - NMEA 0183 sentences from GNSS receivers: framing, checksum,
 * talker, and the typed fields tsync takes time and fix quality from
 * (RMC, ZDA, GGA, GSA, GNS, GSV). Pure codec: no I/O, no clock reads.
 *
 * A sentence is
 *
 *   $<address>,<field>,<field>,...*HH[\r][\n]
 *
 * where address is a two-letter talker plus a three-letter formatter
 * ("GPRMC"), or 'P' plus a manufacturer code for proprietary sentences,
 * and HH is the XOR of every byte between '$' and '*' in hex (either
 * case). The checksum is optional in the standard for some sentences;
 * here it is required, because a serial line that drops or flips a byte
 * would otherwise hand us a wrong second.
 *
 * The epoch assembler at the end groups one second's sentences into one
 * labelled, judged epoch for the GNSS source.
 */
#ifndef TSYNC_NMEA_H
#define TSYNC_NMEA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NMEA_STD_MAX_LEN	82	/* '$' to '\n' inclusive, per NMEA 0183 */
#define NMEA_MAX_LEN		128	/* bytes accepted, without CR/LF */
#define NMEA_ADDR_MAX		15	/* longest address accepted (proprietary) */
#define NMEA_MAX_FIELDS		32	/* address included */
#define NMEA_GSA_PRNS		12	/* PRN slots in a GSA */
#define NMEA_GNS_MODES		8	/* mode characters kept from a GNS */
#define NMEA_YEAR_MIN		1980	/* GPS epoch; earlier is a receiver fault */
#define NMEA_YEAR_MAX		9999

/*
 * Results of nmea_parse(), in the order the checks are made. For
 * PROPRIETARY, UNKNOWN_TALKER and UNKNOWN_SENTENCE the sentence was well
 * framed with a good checksum, and talker/address/system are filled: the
 * receiver said something we do not decode, which is not a line fault.
 */
enum nmea_result {
	NMEA_OK = 0,
	NMEA_EMPTY = -1,		/* nothing but CR/LF */
	NMEA_TOO_LONG = -2,		/* > NMEA_MAX_LEN without CR/LF */
	NMEA_BAD_FRAMING = -3,		/* does not start with '$' */
	NMEA_BAD_CHAR = -4,		/* byte outside 0x20..0x7e, or '$' */
	NMEA_NO_CHECKSUM = -5,		/* no '*' */
	NMEA_BAD_CHECKSUM = -6,		/* not "*HH" at the end, or differs */
	NMEA_BAD_ADDRESS = -7,		/* not [A-Z0-9]{5}, or P + 1..14 */
	NMEA_PROPRIETARY = -8,		/* $P...: not decoded */
	NMEA_UNKNOWN_TALKER = -9,	/* not a GNSS talker (II, EC, ...) */
	NMEA_UNKNOWN_SENTENCE = -10,	/* GNSS talker, formatter not decoded */
	NMEA_TOO_FEW_FIELDS = -11,	/* fewer fields than the type has */
	NMEA_BAD_FIELD = -12,		/* see nmea_sentence.bad_field */
};
#define NMEA_RESULT_MIN		NMEA_BAD_FIELD

enum nmea_type {
	NMEA_TYPE_NONE,
	NMEA_TYPE_RMC,
	NMEA_TYPE_ZDA,
	NMEA_TYPE_GGA,
	NMEA_TYPE_GSA,
	NMEA_TYPE_GNS,
	NMEA_TYPE_GSV,
};

/* The constellation a talker (or a GSA/GSV system id) stands for. */
enum nmea_system {
	NMEA_SYS_NONE,		/* unknown or not given */
	NMEA_SYS_GPS,		/* GP */
	NMEA_SYS_MULTI,		/* GN: a solution from several systems */
	NMEA_SYS_GLONASS,	/* GL */
	NMEA_SYS_GALILEO,	/* GA */
	NMEA_SYS_BEIDOU,	/* GB, and the older BD */
	NMEA_SYS_QZSS,		/* GQ */
	NMEA_SYS_NAVIC,		/* GI (IRNSS) */
};

/* UTC time of day as sent: "hhmmss" with an optional ".f..." fraction. */
struct nmea_tod {
	int		hour;		/* 0..23 */
	int		min;		/* 0..59 */
	int		sec;		/* 0..59; 60 only at 23:59 (leap) */
	int32_t		nsec;		/* the fraction, 0..999999999 */
	int		frac_digits;	/* digits after '.' (0..9) as sent */
};

struct nmea_date {
	int		year;		/* NMEA_YEAR_MIN..MAX; RMC "yy" is 2000+yy */
	int		month;		/* 1..12 */
	int		day;		/* 1..28/29/30/31 for that month */
};

/*
 * Optional fields: an empty field leaves has_* false (or a char 0, or a
 * count -1) and is not an error; a field that is there must be well formed.
 * Fields we do not decode (position, speed, ...) are not checked beyond
 * the character set.
 */
struct nmea_rmc {
	bool		has_time;
	struct nmea_tod	time;
	char		status;		/* 'A' valid, 'V' warning, 0 empty */
	bool		has_date;
	struct nmea_date date;		/* ddmmyy: year 2000 + yy (see above) */
	char		mode;		/* NMEA 2.3+: ADEFMNPRS, 0 absent */
	char		nav_status;	/* NMEA 4.1: SCUV, 0 absent */
};

struct nmea_zda {
	bool		has_time;
	struct nmea_tod	time;
	bool		has_date;	/* day, month and 4-digit year, all */
	struct nmea_date date;
	bool		has_zone;	/* local zone hours and minutes, both */
	int		zone_min;	/* local = UTC + zone_min; -13:59..+13:59 */
};

struct nmea_gga {
	bool		has_time;
	struct nmea_tod	time;
	int		quality;	/* 0 invalid .. 8 simulator; -1 empty */
	int		sats_used;	/* 0..99; -1 empty */
	bool		has_hdop;
	double		hdop;
};

struct nmea_gsa {
	char		selection;	/* 'M' manual, 'A' automatic, 0 empty */
	int		fix;		/* 1 none, 2 2D, 3 3D; 0 empty */
	int		prn_count;	/* non-empty PRN slots, 0..12 */
	int		prns[NMEA_GSA_PRNS];	/* the first prn_count */
	bool		has_pdop, has_hdop, has_vdop;
	double		pdop, hdop, vdop;
	int		system_id;	/* NMEA 4.1: 1..15; 0 absent */
	enum nmea_system system;	/* from system_id; NONE if absent */
};

struct nmea_gns {
	bool		has_time;
	struct nmea_tod	time;
	char		modes[NMEA_GNS_MODES + 1];	/* "AN..." one per system,
						   NUL-terminated; "" empty */
	int		sats_used;	/* 0..99; -1 empty */
	bool		has_hdop;
	double		hdop;
	char		nav_status;	/* NMEA 4.1: SCUV, 0 absent */
};

struct nmea_gsv {
	int		total;		/* messages in this group, 1..9 */
	int		number;		/* this one, 1..total */
	int		sats_in_view;	/* 0..99; -1 empty */
	int		sats_in_msg;	/* satellite blocks with a PRN, 0..4 */
	int		signal_id;	/* NMEA 4.1: 0..15; -1 absent */
};

struct nmea_sentence {
	enum nmea_type	type;		/* NONE unless NMEA_OK */
	char		talker[3];	/* "GP"; "P" when proprietary */
	char		address[NMEA_ADDR_MAX + 1];	/* "GPRMC", "PUBX" */
	enum nmea_system system;	/* from the talker */
	bool		oversize;	/* longer than NMEA_STD_MAX_LEN would
					   allow (high-precision receivers
					   exceed it; we accept them) */
	int		bad_field;	/* NMEA_BAD_FIELD: 1-based field after
					   the address; 0 otherwise */
	union {
		struct nmea_rmc rmc;
		struct nmea_zda zda;
		struct nmea_gga gga;
		struct nmea_gsa gsa;
		struct nmea_gns gns;
		struct nmea_gsv gsv;
	};
};

/*
 * Parse one sentence: buf holds len bytes (any bytes, no NUL needed), a
 * line with or without its trailing CR/LF. Returns NMEA_OK with *s filled,
 * or a negative enum nmea_result; *s is always reset first, so after an
 * error s->type is NMEA_TYPE_NONE.
 */
int	nmea_parse(const char *buf, size_t len, struct nmea_sentence *s);

/* A short stable name for a result ("bad_checksum"), "?" if unknown. */
const char *nmea_result_name(int rc);

/* The checksum of a body (the bytes between '$' and '*'). */
uint8_t	nmea_checksum(const char *body, size_t len);

/* The system a two-letter talker stands for; NONE if not a GNSS talker. */
enum nmea_system nmea_talker_system(const char *talker);

/* GSA/GSV system id (NMEA 4.11): 1 GPS .. 6 NavIC; NONE otherwise. */
enum nmea_system nmea_system_from_id(int id);

/* "GPS", "multi-GNSS", "GLONASS", "Galileo", "BeiDou", "QZSS", "NavIC";
 * "none" for NMEA_SYS_NONE, "?" outside the enum. */
const char *nmea_system_name(enum nmea_system sys);

/* true if d is a real calendar date within NMEA_YEAR_MIN..MAX. */
bool	nmea_date_valid(const struct nmea_date *d);

/* true if t is a time of day as nmea_parse() accepts it. */
bool	nmea_tod_valid(const struct nmea_tod *t);

/*
 * Date and time of day (UTC) to Unix seconds, ignoring t->nsec. Unix time
 * counts no leap seconds, so 23:59:60 gives the same value as 00:00:00 of
 * the next day. Returns 0, or -1 when either is not valid (above).
 */
int	nmea_to_unix(const struct nmea_date *d, const struct nmea_tod *t,
	    int64_t *unix_s);

/* ------------------------------------------------------ epoch assembler */

/*
 * A receiver sends a burst of sentences once a second. The assembler
 * groups the OK sentences fed to it into epochs: all the timed sentences
 * (RMC, ZDA, GGA, GNS) of an epoch carry the same time of day, which is
 * its label; the untimed ones (GSA, GSV) join the epoch in progress, or
 * the next one when none is. An epoch is complete when a sentence with
 * another time of day arrives, or when the caller says the burst is over
 * (nmea_asm_flush(), e.g. after the line went quiet): without flushes the
 * label comes a second late and a GSA sent before the RMC of its burst is
 * counted in the previous epoch. Meant for 1 Hz output, which is what
 * timing receivers send; faster rates show up as jumps.
 *
 * An epoch is valid when all of these hold:
 *  - it has a date (RMC or ZDA; a date is not carried between epochs)
 *    and no two dates in it disagree;
 *  - it has at least one fix report (RMC, GGA or GNS) and every report
 *    present says "fix": RMC status 'A' with no mode, or mode A/D/P/R/F
 *    (E dead reckoning, M manual, S simulator, N none are not a GNSS
 *    time); GGA quality 1..5 (6 dead reckoning, 7 manual and 8 simulator
 *    are not either); GNS with at least one mode A/D/P/R/F; GSA fix 2D
 *    or 3D;
 *  - sats_used >= the min_sats given to nmea_asm_create().
 */
struct nmea_epoch {
	struct nmea_tod	time;		/* the label's time of day */
	bool		has_date;
	struct nmea_date date;
	int64_t		utc_s;		/* Unix seconds of the label, when
					   has_date; 0 otherwise */
	bool		leap_second;	/* time.sec == 60 */
	enum nmea_system system;	/* talker of the first timed sentence */
	bool		valid;		/* see above */
	/* Label continuity against the previous epoch returned. */
	bool		has_prev;	/* false for the first epoch */
	int64_t		step_ns;	/* label - previous label; across a
					   day when either lacks a date,
					   taken modulo one day; saturates
					   at +-2^32 s */
	bool		jump;		/* step is not +1 s (0 s right after
					   a leap second 23:59:60) */
	/* The evidence; where several sentences of a kind disagree, the
	   one that does not say "fix" is kept. */
	bool		has_rmc;
	char		rmc_status;	/* 'A', 'V', 0 empty */
	char		rmc_mode;	/* 0 absent */
	int		gga_quality;	/* -1: no GGA; empty counts as 0 */
	bool		has_gns;
	bool		gns_fix;	/* every GNS had a fix mode */
	int		gsa_fix;	/* best of the GSAs (one per system in
					   NMEA 4.1, and a system without
					   satellites may say 1); 0: none */
	int		sats_used;	/* largest of GGA, GNS and the GSAs'
					   PRN counts summed over system ids
					   (older receivers cap GGA at 12);
					   -1: none reported */
	bool		date_conflict;	/* two dates in the epoch differ */
	int		sentences;	/* fed into this epoch */
};

struct nmea_asm;

/* NULL on allocation failure. min_sats: fewer makes an epoch invalid. */
struct nmea_asm *nmea_asm_create(int min_sats);
void	nmea_asm_destroy(struct nmea_asm *a);

/*
 * Feed one sentence nmea_parse() returned NMEA_OK for. Returns 1 with
 * *out filled when it completed the previous epoch, else 0.
 */
int	nmea_asm_feed(struct nmea_asm *a, const struct nmea_sentence *s,
	    struct nmea_epoch *out);

/* End of a burst: returns 1 with *out filled if an epoch was open. Either
 * way the next sentence starts afresh: untimed ones fed since the last
 * epoch without a timed one after them are dropped. */
int	nmea_asm_flush(struct nmea_asm *a, struct nmea_epoch *out);

#endif
