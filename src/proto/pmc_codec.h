/*
 * pmc_codec.h - PTP management messages as linuxptp's ptp4l speaks them
 * on its Unix datagram socket (what pmc and phc2sys send). Pure codec over
 * byte buffers: no I/O, no allocation.
 *
 * Clean-room, from the layout in shared/reference/time-metrology.md §3.2
 * and IEEE 1588: one datagram is one message, all integers big-endian:
 *
 *   0   common header, 34 bytes (messageType 0xD, versionPTP 2,
 *       messageLength, domainNumber, sourcePortIdentity, sequenceId)
 *   34  targetPortIdentity, startingBoundaryHops, boundaryHops,
 *       actionField, reserved
 *   48  TLV: tlvType, lengthField (= 2 + data, even), managementId, data
 *       (MANAGEMENT), or errorId, managementId, reserved, displayData
 *       (MANAGEMENT_ERROR_STATUS)
 *
 * Names from the PTP standard keep their CamelCase (clockClass,
 * sequenceId); linuxptp's own fields keep linuxptp's names with a unit
 * (master_offset_ns); everything else is lower_snake.
 *
 * Event notifications: after a SET SUBSCRIBE_EVENTS_NP (answered with a
 * RESPONSE echoing the subscription), ptp4l sends the subscriber
 * unsolicited messages with actionField RESPONSE, exactly like replies:
 * PORT_DATA_SET for NOTIFY_PORT_STATE, TIME_STATUS_NP for NOTIFY_TIME_SYNC,
 * PARENT_DATA_SET for NOTIFY_PARENT_DATA_SET (ptp4l 3.1.1 knows only the
 * first). Their targetPortIdentity is the subscriber's sourcePortIdentity,
 * but their sequenceId comes from ptp4l's per-subscriber counter, from 0,
 * so it does not match any request: pmc_notify_event() says which event a
 * RESPONSE would be, pmc_is_reply() whether it answers a given request.
 * ptp4l keys subscriptions by sourcePortIdentity and sends to the bound
 * path, so a stale subscription under another identity on the same path
 * delivers duplicates until it expires.
 */
#ifndef TSYNC_PMC_CODEC_H
#define TSYNC_PMC_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PMC_HEADER_LEN		34	/* common PTP header */
#define PMC_TLV_OFFSET		48	/* header + management body */
#define PMC_MIN_MSG_LEN		54	/* ... + tlvType, lengthField, id */
#define PMC_MAX_MSG_LEN		1500	/* ptp4l's receive buffer */
#define PMC_TEXT_MAX		255	/* PTPText lengthField is a u8 */
#define PMC_CLOCK_ID_STRLEN	19	/* "001122.fffe.334455" + NUL */
#define PMC_PORT_ID_STRLEN	25	/* "001122.fffe.334455-65535" + NUL */

/* tlvType */
#define PMC_TLV_MANAGEMENT		0x0001
#define PMC_TLV_MANAGEMENT_ERROR_STATUS	0x0002

/* managementId: the ones this codec decodes. */
#define PMC_ID_CURRENT_DATA_SET		0x2001
#define PMC_ID_PARENT_DATA_SET		0x2002
#define PMC_ID_TIME_PROPERTIES_DATA_SET	0x2003
#define PMC_ID_PORT_DATA_SET		0x2004
#define PMC_ID_TIME_STATUS_NP		0xC000
#define PMC_ID_SUBSCRIBE_EVENTS_NP	0xC003

/* managementErrorId in MANAGEMENT_ERROR_STATUS */
#define PMC_MERR_RESPONSE_TOO_BIG	0x0001
#define PMC_MERR_NO_SUCH_ID		0x0002
#define PMC_MERR_WRONG_LENGTH		0x0003
#define PMC_MERR_WRONG_VALUE		0x0004
#define PMC_MERR_NOT_SETABLE		0x0005
#define PMC_MERR_NOT_SUPPORTED		0x0006
#define PMC_MERR_GENERAL_ERROR		0xFFFE

/* timePropertiesDS flags, also flagField's second octet (byte 7) */
#define PMC_FLAG_LEAP61			0x01
#define PMC_FLAG_LEAP59			0x02
#define PMC_FLAG_UTC_OFFSET_VALID	0x04
#define PMC_FLAG_PTP_TIMESCALE		0x08
#define PMC_FLAG_TIME_TRACEABLE		0x10
#define PMC_FLAG_FREQ_TRACEABLE		0x20
#define PMC_FLAG_SYNC_UNCERTAIN		0x40

/* portState */
#define PMC_PS_INITIALIZING	1
#define PMC_PS_FAULTY		2
#define PMC_PS_DISABLED		3
#define PMC_PS_LISTENING	4
#define PMC_PS_PRE_MASTER	5
#define PMC_PS_MASTER		6
#define PMC_PS_PASSIVE		7
#define PMC_PS_UNCALIBRATED	8
#define PMC_PS_SLAVE		9

/* timeSource */
#define PMC_TS_ATOMIC_CLOCK		0x10
#define PMC_TS_GNSS			0x20
#define PMC_TS_TERRESTRIAL_RADIO	0x30
#define PMC_TS_SERIAL_TIME_CODE		0x39
#define PMC_TS_PTP			0x40
#define PMC_TS_NTP			0x50
#define PMC_TS_HAND_SET			0x60
#define PMC_TS_OTHER			0x90
#define PMC_TS_INTERNAL_OSCILLATOR	0xA0

/* Return codes: 0 (or a message length from the encoders) or one of these. */
enum pmc_rc {
	PMC_OK = 0,
	PMC_E_SHORT = -1,	/* fewer bytes than header + TLV header + id */
	PMC_E_NOT_MGMT = -2,	/* messageType is not MANAGEMENT (0xD) */
	PMC_E_VERSION = -3,	/* versionPTP (low nibble) is not 2 */
	PMC_E_MSG_LENGTH = -4,	/* messageLength differs from the buffer */
	PMC_E_ACTION = -5,	/* actionField beyond ACKNOWLEDGE */
	PMC_E_TLV_LENGTH = -6,	/* lengthField odd, past the message end,
				   under the TLV's fixed part, or the TLVs
				   do not end exactly at messageLength */
	PMC_E_TLV_TYPE = -7,	/* first TLV neither MANAGEMENT nor
				   MANAGEMENT_ERROR_STATUS */
	PMC_E_UNKNOWN_ID = -8,	/* a managementId this codec does not know */
	PMC_E_DATA_SHORT = -9,	/* dataset shorter than its fixed size, or
				   missing where the action needs one */
	PMC_E_TEXT = -10,	/* PTPText overruns its TLV */
	PMC_E_NOSPACE = -11,	/* encode: output buffer too small */
	PMC_E_INVALID = -12,	/* encode: bad argument */
};

enum pmc_action {
	PMC_GET = 0,
	PMC_SET = 1,
	PMC_RESPONSE = 2,
	PMC_COMMAND = 3,
	PMC_ACKNOWLEDGE = 4,
};

/* SUBSCRIBE_EVENTS_NP event numbers: bit (n % 8) of bitmask[n / 8]. */
enum pmc_notify {
	PMC_NOTIFY_PORT_STATE = 0,
	PMC_NOTIFY_TIME_SYNC = 1,
	PMC_NOTIFY_PARENT_DATA_SET = 2,
	PMC_NOTIFY_CMLDS = 3,
};

struct pmc_port_identity {
	uint8_t		clockIdentity[8];
	uint16_t	portNumber;
};

struct pmc_clock_quality {
	uint8_t		clockClass;
	uint8_t		clockAccuracy;
	uint16_t	offsetScaledLogVariance;
};

/* TIME_STATUS_NP (linuxptp), 50 bytes */
struct pmc_time_status {
	int64_t		master_offset_ns;	/* this clock - master */
	int64_t		ingress_time_ns;	/* last Sync, PTP clock time */
	int32_t		cumulativeScaledRateOffset; /* (rateRatio-1)*2^41 */
	int32_t		scaledLastGmPhaseChange;
	uint16_t	gmTimeBaseIndicator;
	uint16_t	lastGmPhaseChange_ns_msb;	/* ScaledNs */
	uint64_t	lastGmPhaseChange_ns_lsb;
	uint16_t	lastGmPhaseChange_frac_ns;	/* 2^-16 ns */
	int32_t		gmPresent;	/* raw; nonzero: a master is seen */
	uint8_t		gmIdentity[8];
};

/* PARENT_DATA_SET, 32 bytes */
struct pmc_parent_ds {
	struct pmc_port_identity parentPortIdentity;
	uint8_t		parentStats;
	uint16_t	observedParentOffsetScaledLogVariance;
	int32_t		observedParentClockPhaseChangeRate;
	uint8_t		grandmasterPriority1;
	struct pmc_clock_quality grandmasterClockQuality;
	uint8_t		grandmasterPriority2;
	uint8_t		grandmasterIdentity[8];
};

/* TIME_PROPERTIES_DATA_SET, 4 bytes; the bools mirror flags. */
struct pmc_time_properties {
	int16_t		currentUtcOffset;	/* TAI - UTC, s */
	uint8_t		flags;			/* PMC_FLAG_* */
	uint8_t		timeSource;		/* PMC_TS_* */
	bool		leap61;
	bool		leap59;
	bool		currentUtcOffsetValid;
	bool		ptpTimescale;
	bool		timeTraceable;
	bool		frequencyTraceable;
	bool		synchronizationUncertain;
};

/* PORT_DATA_SET, 26 bytes. TimeInterval: ns * 2^16. */
struct pmc_port_ds {
	struct pmc_port_identity portIdentity;
	uint8_t		portState;		/* PMC_PS_* */
	int8_t		logMinDelayReqInterval;
	int64_t		peerMeanPathDelay;	/* TimeInterval */
	int8_t		logAnnounceInterval;
	uint8_t		announceReceiptTimeout;
	int8_t		logSyncInterval;
	uint8_t		delayMechanism;		/* 1 E2E, 2 P2P, 0xFE off */
	int8_t		logMinPdelayReqInterval;
	uint8_t		versionNumber;
};

/* CURRENT_DATA_SET, 18 bytes. TimeInterval: ns * 2^16. */
struct pmc_current_ds {
	uint16_t	stepsRemoved;
	int64_t		offsetFromMaster;	/* TimeInterval */
	int64_t		meanPathDelay;		/* TimeInterval */
};

/* SUBSCRIBE_EVENTS_NP (linuxptp), 66 bytes */
struct pmc_subscribe_events {
	uint16_t	duration_s;	/* 0xFFFF: permanent (ptp4l >= 4.4) */
	uint8_t		bitmask[64];
};

/* MANAGEMENT_ERROR_STATUS: 8 bytes, then an optional PTPText. */
struct pmc_error_status {
	uint16_t	managementErrorId;	/* PMC_MERR_* */
	uint16_t	managementId;
	char		displayData[PMC_TEXT_MAX + 1];	/* NUL-terminated;
						   bytes outside 0x20-0x7e
						   read as '?' */
};

/* Addressing shared by requests and decoded messages. */
struct pmc_hdr {
	uint8_t		transportSpecific;	/* majorSdoId, 0 for ptp4l */
	uint8_t		domainNumber;		/* must be ptp4l's */
	uint16_t	flagField;
	struct pmc_port_identity sourcePortIdentity;
	uint16_t	sequenceId;
	struct pmc_port_identity targetPortIdentity;
	uint8_t		startingBoundaryHops;	/* 0 keeps a request local */
	uint8_t		boundaryHops;
};

enum pmc_body {
	PMC_BODY_NONE,		/* MANAGEMENT TLV without data (a GET) */
	PMC_BODY_DATASET,	/* u.<dataset> for managementId */
	PMC_BODY_ERROR,		/* u.error */
};

union pmc_data {
	struct pmc_time_status		time_status;
	struct pmc_parent_ds		parent;
	struct pmc_time_properties	time_properties;
	struct pmc_port_ds		port;
	struct pmc_current_ds		current;
	struct pmc_subscribe_events	subscribe;
	struct pmc_error_status		error;
};

struct pmc_msg {
	struct pmc_hdr	hdr;
	enum pmc_action	action;
	uint16_t	tlvType;	/* of the first TLV */
	uint16_t	managementId;	/* = u.error.managementId for errors */
	uint16_t	data_len;	/* dataset bytes sent (>= fixed size) */
	int		extra_tlvs;	/* ignored TLVs after the first
					   (e.g. AUTHENTICATION with spp) */
	enum pmc_body	body;
	union pmc_data	u;
};

/* ------------------------------------------------------------ encoding */

/*
 * GET id. With zero_filled false the TLV carries no data (like phc2sys
 * and pmc -z; 54 bytes), else the dataset's size in zeros (like pmc).
 * Returns the message length, or PMC_E_NOSPACE, or PMC_E_UNKNOWN_ID when
 * zero_filled is asked for an id this codec has no size for.
 */
int	pmc_encode_get(uint8_t *buf, size_t size, const struct pmc_hdr *h,
	    uint16_t managementId, bool zero_filled);

/* SET SUBSCRIBE_EVENTS_NP (120 bytes). Returns the length or < 0. */
int	pmc_encode_subscribe(uint8_t *buf, size_t size, const struct pmc_hdr *h,
	    const struct pmc_subscribe_events *sub);

/*
 * Any message pmc_decode() accepts: the inverse of pmc_decode() up to
 * reserved bytes, extra TLVs and dataset bytes past the fixed size. Used
 * by the request encoders and by fake ptp4l peers in tests. Returns the
 * length, PMC_E_NOSPACE, PMC_E_INVALID (action or body out of range) or
 * PMC_E_UNKNOWN_ID (a dataset body for an unknown id).
 */
int	pmc_encode(uint8_t *buf, size_t size, const struct pmc_msg *m);

void	pmc_subscribe_add(struct pmc_subscribe_events *sub,
	    enum pmc_notify event);
bool	pmc_subscribe_has(const struct pmc_subscribe_events *sub,
	    enum pmc_notify event);

/* ------------------------------------------------------------ decoding */

/*
 * Decode one datagram of len bytes; buf may hold any bytes. Every length
 * is checked against the one that contains it: messageLength == len, the
 * TLVs tile the message exactly, the dataset is at least its fixed size,
 * PTPText fits its TLV. A dataset is required except for GET, COMMAND and
 * ACKNOWLEDGE, which may carry none (PMC_BODY_NONE).
 *
 * Returns 0 with *out filled, or a negative enum pmc_rc with *out zeroed,
 * except PMC_E_UNKNOWN_ID and PMC_E_TLV_TYPE: these are well-framed
 * messages we do not interpret, and leave hdr, action, tlvType and
 * managementId filled (body NONE) so the caller can say what it ignored.
 */
int	pmc_decode(const uint8_t *buf, size_t len, struct pmc_msg *out);

/*
 * Does m answer request (h, managementId)? RESPONSE or ACKNOWLEDGE (for a
 * COMMAND), same managementId, sequenceId, and addressed to
 * h->sourcePortIdentity. Error bodies count: they are answers too.
 */
bool	pmc_is_reply(const struct pmc_msg *m, const struct pmc_hdr *h,
	    uint16_t managementId);

/*
 * The event a RESPONSE carrying m's dataset notifies when it arrives
 * unsolicited: PMC_NOTIFY_* or -1 if none.
 */
int	pmc_notify_event(const struct pmc_msg *m);

/* ------------------------------------------------------------ helpers */

/* All ones: every clock and every port. */
struct pmc_port_identity pmc_port_wildcard(void);

/*
 * A source identity from a process id, unique per process on the host:
 * clockIdentity 74:73:79:6e + pid (big-endian; "tsyn" cannot be an
 * EUI-64 from a MAC, so it never equals ptp4l's own), portNumber the
 * low 16 bits of pid, 1 if those are 0 or 0xFFFF.
 */
struct pmc_port_identity pmc_port_from_pid(uint32_t pid);

bool	pmc_port_equal(const struct pmc_port_identity *a,
	    const struct pmc_port_identity *b);

/* "001122.fffe.334455" and "001122.fffe.334455-1" (linuxptp's format). */
char	*pmc_clock_id_str(const uint8_t id[8], char buf[PMC_CLOCK_ID_STRLEN]);
char	*pmc_port_id_str(const struct pmc_port_identity *p,
	    char buf[PMC_PORT_ID_STRLEN]);

/* TimeInterval (ns * 2^16) to ns. */
double	pmc_time_interval_ns(int64_t ti);

/*
 * Dataset size for a managementId this codec knows, else -1.
 */
int	pmc_dataset_size(uint16_t managementId);

/*
 * clockAccuracy as the half-width of the interval it promises, seconds:
 * 0x20 -> 25e-9 ... 0x30 -> 10, and 1588-2019's 0x17 (1 ps) .. 0x1F.
 * INFINITY for 0x31 (> 10 s), 0xFE (unknown, ptp4l's default), reserved
 * and profile-specific values: no bound is claimed.
 */
double	pmc_clock_accuracy_s(uint8_t clockAccuracy);

/*
 * Short stable names, never NULL. Unknown values get a class name
 * ("reserved", "profile", "?") rather than a number.
 */
const char *pmc_clock_class_name(uint8_t clockClass);
const char *pmc_time_source_name(uint8_t timeSource);
const char *pmc_port_state_name(uint8_t portState);
const char *pmc_action_name(int action);
const char *pmc_id_name(uint16_t managementId);
const char *pmc_mgmt_error_name(uint16_t managementErrorId);
const char *pmc_rc_name(int rc);

#endif
