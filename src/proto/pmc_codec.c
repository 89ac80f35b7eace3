/*
 * pmc_codec.c - PTP management message codec (see pmc_codec.h).
 *
 * Decoding runs in two passes: the frame (header, messageLength, the TLV
 * chain tiling the message) is checked on raw offsets first, then fields
 * are read through a cursor that refuses to pass its end. The second pass
 * cannot fail on a frame the first accepted, but the cursor makes an
 * out-of-bounds read impossible even if a size in the table were wrong.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pmc_codec.h"

#define MSG_TYPE_MANAGEMENT	0xD
#define PTP_VERSION		2
#define CONTROL_MANAGEMENT	0x04	/* 1588-2008 controlField; ignored */
#define LOG_INTERVAL_NONE	0x7F
#define TLV_HDR_LEN		4	/* tlvType, lengthField */
#define ERROR_FIXED_LEN		8	/* errorId, managementId, reserved */

/* ------------------------------------------------------------ cursors */

struct rd {
	const uint8_t	*p;
	size_t		 left;
	bool		 bad;
};

struct wr {
	uint8_t		*p;
	size_t		 left;
	bool		 bad;
};

static const uint8_t *
rd_take(struct rd *r, size_t n)
{
	const uint8_t *p = r->p;

	if (r->bad || n > r->left) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return p;
}

static uint64_t
rd_uint(struct rd *r, size_t n)
{
	const uint8_t *p = rd_take(r, n);
	uint64_t v = 0;

	for (size_t i = 0; p != NULL && i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static uint8_t	rd_u8(struct rd *r)  { return (uint8_t)rd_uint(r, 1); }
static uint16_t	rd_u16(struct rd *r) { return (uint16_t)rd_uint(r, 2); }
static uint32_t	rd_u32(struct rd *r) { return (uint32_t)rd_uint(r, 4); }
static uint64_t	rd_u64(struct rd *r) { return rd_uint(r, 8); }

static void
rd_bytes(struct rd *r, void *dst, size_t n)
{
	const uint8_t *p = rd_take(r, n);

	if (p != NULL)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

static void
rd_port(struct rd *r, struct pmc_port_identity *pi)
{
	rd_bytes(r, pi->clockIdentity, sizeof(pi->clockIdentity));
	pi->portNumber = rd_u16(r);
}

static uint8_t *
wr_take(struct wr *w, size_t n)
{
	uint8_t *p = w->p;

	if (w->bad || n > w->left) {
		w->bad = true;
		return NULL;
	}
	w->p += n;
	w->left -= n;
	return p;
}

static void
wr_uint(struct wr *w, uint64_t v, size_t n)
{
	uint8_t *p = wr_take(w, n);

	for (size_t i = n; p != NULL && i > 0; i--, v >>= 8)
		p[i - 1] = (uint8_t)v;
}

static void	wr_u8(struct wr *w, uint8_t v)   { wr_uint(w, v, 1); }
static void	wr_u16(struct wr *w, uint16_t v) { wr_uint(w, v, 2); }
static void	wr_u32(struct wr *w, uint32_t v) { wr_uint(w, v, 4); }
static void	wr_u64(struct wr *w, uint64_t v) { wr_uint(w, v, 8); }

static void
wr_bytes(struct wr *w, const void *src, size_t n)
{
	uint8_t *p = wr_take(w, n);

	if (p != NULL)
		memcpy(p, src, n);
}

static void
wr_port(struct wr *w, const struct pmc_port_identity *pi)
{
	wr_bytes(w, pi->clockIdentity, sizeof(pi->clockIdentity));
	wr_u16(w, pi->portNumber);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ------------------------------------------------------------ datasets */

static void
dec_time_status(struct rd *r, union pmc_data *u)
{
	struct pmc_time_status *t = &u->time_status;

	t->master_offset_ns = (int64_t)rd_u64(r);
	t->ingress_time_ns = (int64_t)rd_u64(r);
	t->cumulativeScaledRateOffset = (int32_t)rd_u32(r);
	t->scaledLastGmPhaseChange = (int32_t)rd_u32(r);
	t->gmTimeBaseIndicator = rd_u16(r);
	t->lastGmPhaseChange_ns_msb = rd_u16(r);
	t->lastGmPhaseChange_ns_lsb = rd_u64(r);
	t->lastGmPhaseChange_frac_ns = rd_u16(r);
	t->gmPresent = (int32_t)rd_u32(r);
	rd_bytes(r, t->gmIdentity, sizeof(t->gmIdentity));
}

static void
enc_time_status(struct wr *w, const union pmc_data *u)
{
	const struct pmc_time_status *t = &u->time_status;

	wr_u64(w, (uint64_t)t->master_offset_ns);
	wr_u64(w, (uint64_t)t->ingress_time_ns);
	wr_u32(w, (uint32_t)t->cumulativeScaledRateOffset);
	wr_u32(w, (uint32_t)t->scaledLastGmPhaseChange);
	wr_u16(w, t->gmTimeBaseIndicator);
	wr_u16(w, t->lastGmPhaseChange_ns_msb);
	wr_u64(w, t->lastGmPhaseChange_ns_lsb);
	wr_u16(w, t->lastGmPhaseChange_frac_ns);
	wr_u32(w, (uint32_t)t->gmPresent);
	wr_bytes(w, t->gmIdentity, sizeof(t->gmIdentity));
}

static void
dec_parent(struct rd *r, union pmc_data *u)
{
	struct pmc_parent_ds *p = &u->parent;
	struct pmc_clock_quality *q = &p->grandmasterClockQuality;

	rd_port(r, &p->parentPortIdentity);
	p->parentStats = rd_u8(r);
	(void)rd_u8(r);
	p->observedParentOffsetScaledLogVariance = rd_u16(r);
	p->observedParentClockPhaseChangeRate = (int32_t)rd_u32(r);
	p->grandmasterPriority1 = rd_u8(r);
	q->clockClass = rd_u8(r);
	q->clockAccuracy = rd_u8(r);
	q->offsetScaledLogVariance = rd_u16(r);
	p->grandmasterPriority2 = rd_u8(r);
	rd_bytes(r, p->grandmasterIdentity, sizeof(p->grandmasterIdentity));
}

static void
enc_parent(struct wr *w, const union pmc_data *u)
{
	const struct pmc_parent_ds *p = &u->parent;
	const struct pmc_clock_quality *q = &p->grandmasterClockQuality;

	wr_port(w, &p->parentPortIdentity);
	wr_u8(w, p->parentStats);
	wr_u8(w, 0);
	wr_u16(w, p->observedParentOffsetScaledLogVariance);
	wr_u32(w, (uint32_t)p->observedParentClockPhaseChangeRate);
	wr_u8(w, p->grandmasterPriority1);
	wr_u8(w, q->clockClass);
	wr_u8(w, q->clockAccuracy);
	wr_u16(w, q->offsetScaledLogVariance);
	wr_u8(w, p->grandmasterPriority2);
	wr_bytes(w, p->grandmasterIdentity, sizeof(p->grandmasterIdentity));
}

static void
dec_time_properties(struct rd *r, union pmc_data *u)
{
	struct pmc_time_properties *t = &u->time_properties;

	t->currentUtcOffset = (int16_t)rd_u16(r);
	t->flags = rd_u8(r);
	t->timeSource = rd_u8(r);
	t->leap61 = t->flags & PMC_FLAG_LEAP61;
	t->leap59 = t->flags & PMC_FLAG_LEAP59;
	t->currentUtcOffsetValid = t->flags & PMC_FLAG_UTC_OFFSET_VALID;
	t->ptpTimescale = t->flags & PMC_FLAG_PTP_TIMESCALE;
	t->timeTraceable = t->flags & PMC_FLAG_TIME_TRACEABLE;
	t->frequencyTraceable = t->flags & PMC_FLAG_FREQ_TRACEABLE;
	t->synchronizationUncertain = t->flags & PMC_FLAG_SYNC_UNCERTAIN;
}

/* flags is the truth on the wire; the bools are a decoded view of it. */
static void
enc_time_properties(struct wr *w, const union pmc_data *u)
{
	const struct pmc_time_properties *t = &u->time_properties;

	wr_u16(w, (uint16_t)t->currentUtcOffset);
	wr_u8(w, t->flags);
	wr_u8(w, t->timeSource);
}

static void
dec_port(struct rd *r, union pmc_data *u)
{
	struct pmc_port_ds *p = &u->port;

	rd_port(r, &p->portIdentity);
	p->portState = rd_u8(r);
	p->logMinDelayReqInterval = (int8_t)rd_u8(r);
	p->peerMeanPathDelay = (int64_t)rd_u64(r);
	p->logAnnounceInterval = (int8_t)rd_u8(r);
	p->announceReceiptTimeout = rd_u8(r);
	p->logSyncInterval = (int8_t)rd_u8(r);
	p->delayMechanism = rd_u8(r);
	p->logMinPdelayReqInterval = (int8_t)rd_u8(r);
	p->versionNumber = rd_u8(r);
}

static void
enc_port(struct wr *w, const union pmc_data *u)
{
	const struct pmc_port_ds *p = &u->port;

	wr_port(w, &p->portIdentity);
	wr_u8(w, p->portState);
	wr_u8(w, (uint8_t)p->logMinDelayReqInterval);
	wr_u64(w, (uint64_t)p->peerMeanPathDelay);
	wr_u8(w, (uint8_t)p->logAnnounceInterval);
	wr_u8(w, p->announceReceiptTimeout);
	wr_u8(w, (uint8_t)p->logSyncInterval);
	wr_u8(w, p->delayMechanism);
	wr_u8(w, (uint8_t)p->logMinPdelayReqInterval);
	wr_u8(w, p->versionNumber);
}

static void
dec_current(struct rd *r, union pmc_data *u)
{
	struct pmc_current_ds *c = &u->current;

	c->stepsRemoved = rd_u16(r);
	c->offsetFromMaster = (int64_t)rd_u64(r);
	c->meanPathDelay = (int64_t)rd_u64(r);
}

static void
enc_current(struct wr *w, const union pmc_data *u)
{
	const struct pmc_current_ds *c = &u->current;

	wr_u16(w, c->stepsRemoved);
	wr_u64(w, (uint64_t)c->offsetFromMaster);
	wr_u64(w, (uint64_t)c->meanPathDelay);
}

static void
dec_subscribe(struct rd *r, union pmc_data *u)
{
	u->subscribe.duration_s = rd_u16(r);
	rd_bytes(r, u->subscribe.bitmask, sizeof(u->subscribe.bitmask));
}

static void
enc_subscribe(struct wr *w, const union pmc_data *u)
{
	wr_u16(w, u->subscribe.duration_s);
	wr_bytes(w, u->subscribe.bitmask, sizeof(u->subscribe.bitmask));
}

static const struct dataset {
	uint16_t	 id;
	uint16_t	 size;		/* fixed part, bytes; all even */
	const char	*name;
	int		 notify;	/* PMC_NOTIFY_* pushing it, or -1 */
	void		(*dec)(struct rd *, union pmc_data *);
	void		(*enc)(struct wr *, const union pmc_data *);
} datasets[] = {
	{ PMC_ID_CURRENT_DATA_SET, 18, "CURRENT_DATA_SET", -1,
	  dec_current, enc_current },
	{ PMC_ID_PARENT_DATA_SET, 32, "PARENT_DATA_SET",
	  PMC_NOTIFY_PARENT_DATA_SET, dec_parent, enc_parent },
	{ PMC_ID_TIME_PROPERTIES_DATA_SET, 4, "TIME_PROPERTIES_DATA_SET", -1,
	  dec_time_properties, enc_time_properties },
	{ PMC_ID_PORT_DATA_SET, 26, "PORT_DATA_SET", PMC_NOTIFY_PORT_STATE,
	  dec_port, enc_port },
	{ PMC_ID_TIME_STATUS_NP, 50, "TIME_STATUS_NP", PMC_NOTIFY_TIME_SYNC,
	  dec_time_status, enc_time_status },
	{ PMC_ID_SUBSCRIBE_EVENTS_NP, 66, "SUBSCRIBE_EVENTS_NP", -1,
	  dec_subscribe, enc_subscribe },
};

static const struct dataset *
find_dataset(uint16_t id)
{
	for (size_t i = 0; i < sizeof(datasets) / sizeof(datasets[0]); i++)
		if (datasets[i].id == id)
			return &datasets[i];
	return NULL;
}

int
pmc_dataset_size(uint16_t managementId)
{
	const struct dataset *ds = find_dataset(managementId);

	return ds != NULL ? ds->size : -1;
}

/* ------------------------------------------------------------ decoding */

/*
 * Everything that can be checked on raw offsets: the header, the action,
 * and that the TLV chain starting at PMC_TLV_OFFSET ends exactly at
 * messageLength with every lengthField even.
 */
static int
check_frame(const uint8_t *buf, size_t len, int *extra_tlvs)
{
	size_t off, tlv_len;

	if (len < PMC_MIN_MSG_LEN)
		return PMC_E_SHORT;
	if ((buf[0] & 0x0f) != MSG_TYPE_MANAGEMENT)
		return PMC_E_NOT_MGMT;
	if ((buf[1] & 0x0f) != PTP_VERSION)
		return PMC_E_VERSION;
	if (get16(buf + 2) != len)
		return PMC_E_MSG_LENGTH;
	if ((buf[46] & 0x0f) > PMC_ACKNOWLEDGE)
		return PMC_E_ACTION;
	*extra_tlvs = 0;
	for (off = PMC_TLV_OFFSET; off < len; off += TLV_HDR_LEN + tlv_len) {
		if (len - off < TLV_HDR_LEN)
			return PMC_E_TLV_LENGTH;
		tlv_len = get16(buf + off + 2);
		if (tlv_len % 2 != 0 || tlv_len > len - off - TLV_HDR_LEN)
			return PMC_E_TLV_LENGTH;
		if (off > PMC_TLV_OFFSET)
			(*extra_tlvs)++;
	}
	return PMC_OK;
}

static void
decode_header(struct rd *r, struct pmc_msg *m)
{
	struct pmc_hdr *h = &m->hdr;

	h->transportSpecific = rd_u8(r) >> 4;
	(void)rd_take(r, 3);		/* version, messageLength: checked */
	h->domainNumber = rd_u8(r);
	(void)rd_u8(r);
	h->flagField = rd_u16(r);
	(void)rd_take(r, 12);		/* correctionField, reserved */
	rd_port(r, &h->sourcePortIdentity);
	h->sequenceId = rd_u16(r);
	(void)rd_take(r, 2);		/* controlField, logMessageInterval */
	rd_port(r, &h->targetPortIdentity);
	h->startingBoundaryHops = rd_u8(r);
	h->boundaryHops = rd_u8(r);
	m->action = (enum pmc_action)(rd_u8(r) & 0x0f);
	(void)rd_u8(r);
	m->tlvType = rd_u16(r);
	(void)rd_u16(r);		/* lengthField: checked */
}

/* PTPText: a length octet, then that many octets, inside the TLV. */
static int
decode_text(struct rd *r, char *dst)
{
	uint8_t n;
	const uint8_t *p;

	if (r->left == 0)
		return PMC_OK;		/* displayData is optional */
	n = rd_u8(r);
	if ((p = rd_take(r, n)) == NULL)
		return PMC_E_TEXT;
	for (size_t i = 0; i < n; i++)
		dst[i] = (p[i] >= 0x20 && p[i] <= 0x7e) ? (char)p[i] : '?';
	dst[n] = '\0';
	return PMC_OK;
}

static int
decode_error(struct rd *r, struct pmc_msg *m)
{
	struct pmc_error_status *e = &m->u.error;

	if (r->left < ERROR_FIXED_LEN)
		return PMC_E_TLV_LENGTH;
	e->managementErrorId = rd_u16(r);
	e->managementId = rd_u16(r);
	(void)rd_take(r, 4);
	m->managementId = e->managementId;
	m->body = PMC_BODY_ERROR;
	return decode_text(r, e->displayData);
}

static bool
data_optional(enum pmc_action a)
{
	return a == PMC_GET || a == PMC_COMMAND || a == PMC_ACKNOWLEDGE;
}

static int
decode_management(struct rd *r, struct pmc_msg *m)
{
	const struct dataset *ds;

	if (r->left < 2)
		return PMC_E_TLV_LENGTH;
	m->managementId = rd_u16(r);
	if ((ds = find_dataset(m->managementId)) == NULL)
		return PMC_E_UNKNOWN_ID;
	if (r->left == 0 && data_optional(m->action))
		return PMC_OK;		/* body NONE */
	if (r->left < ds->size)
		return PMC_E_DATA_SHORT;
	m->data_len = (uint16_t)r->left;
	ds->dec(r, &m->u);
	if (r->bad)
		return PMC_E_DATA_SHORT;
	m->body = PMC_BODY_DATASET;
	return PMC_OK;
}

int
pmc_decode(const uint8_t *buf, size_t len, struct pmc_msg *out)
{
	struct rd r = { buf, len, false };
	struct rd tlv;
	int extra, rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_frame(buf, len, &extra)) != PMC_OK)
		return rc;
	decode_header(&r, out);
	out->extra_tlvs = extra;
	tlv.p = buf + PMC_TLV_OFFSET + TLV_HDR_LEN;
	tlv.left = get16(buf + PMC_TLV_OFFSET + 2);
	tlv.bad = r.bad;
	if (out->tlvType == PMC_TLV_MANAGEMENT)
		rc = decode_management(&tlv, out);
	else if (out->tlvType == PMC_TLV_MANAGEMENT_ERROR_STATUS)
		rc = decode_error(&tlv, out);
	else
		rc = PMC_E_TLV_TYPE;
	if (rc == PMC_E_UNKNOWN_ID || rc == PMC_E_TLV_TYPE) {
		out->body = PMC_BODY_NONE;
		memset(&out->u, 0, sizeof(out->u));
	} else if (rc != PMC_OK) {
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

/* ------------------------------------------------------------ encoding */

static int
tlv_length(const struct pmc_msg *m, size_t *tlv_len)
{
	const struct dataset *ds;
	size_t n;

	switch (m->body) {
	case PMC_BODY_NONE:
		*tlv_len = 2;
		return PMC_OK;
	case PMC_BODY_DATASET:
		if ((ds = find_dataset(m->managementId)) == NULL)
			return PMC_E_UNKNOWN_ID;
		*tlv_len = 2 + (size_t)ds->size;
		return PMC_OK;
	case PMC_BODY_ERROR:
		n = strnlen(m->u.error.displayData, PMC_TEXT_MAX);
		/* An empty displayData is left out, as ptp4l does. */
		*tlv_len = ERROR_FIXED_LEN + (n > 0 ? 1 + n + (1 + n) % 2 : 0);
		return PMC_OK;
	}
	return PMC_E_INVALID;
}

static void
encode_header(struct wr *w, const struct pmc_msg *m, size_t len)
{
	const struct pmc_hdr *h = &m->hdr;

	wr_u8(w, (uint8_t)(h->transportSpecific << 4 | MSG_TYPE_MANAGEMENT));
	wr_u8(w, PTP_VERSION);
	wr_u16(w, (uint16_t)len);
	wr_u8(w, h->domainNumber);
	wr_u8(w, 0);
	wr_u16(w, h->flagField);
	wr_u64(w, 0);			/* correctionField */
	wr_u32(w, 0);
	wr_port(w, &h->sourcePortIdentity);
	wr_u16(w, h->sequenceId);
	wr_u8(w, CONTROL_MANAGEMENT);
	wr_u8(w, LOG_INTERVAL_NONE);
	wr_port(w, &h->targetPortIdentity);
	wr_u8(w, h->startingBoundaryHops);
	wr_u8(w, h->boundaryHops);
	wr_u8(w, (uint8_t)m->action);
	wr_u8(w, 0);
}

static void
encode_error(struct wr *w, const struct pmc_error_status *e, size_t tlv_len)
{
	size_t n = strnlen(e->displayData, PMC_TEXT_MAX);

	wr_u16(w, e->managementErrorId);
	wr_u16(w, e->managementId);
	wr_u32(w, 0);
	if (tlv_len > ERROR_FIXED_LEN) {
		wr_u8(w, (uint8_t)n);
		wr_bytes(w, e->displayData, n);
		if ((1 + n) % 2 != 0)
			wr_u8(w, 0);
	}
}

int
pmc_encode(uint8_t *buf, size_t size, const struct pmc_msg *m)
{
	struct wr w = { buf, size, false };
	size_t tlv_len, len;
	int rc;

	if ((unsigned)m->action > PMC_ACKNOWLEDGE ||
	    m->hdr.transportSpecific > 15)
		return PMC_E_INVALID;
	if ((rc = tlv_length(m, &tlv_len)) != PMC_OK)
		return rc;
	len = PMC_TLV_OFFSET + TLV_HDR_LEN + tlv_len;
	if (len > size)
		return PMC_E_NOSPACE;
	encode_header(&w, m, len);
	if (m->body == PMC_BODY_ERROR) {
		wr_u16(&w, PMC_TLV_MANAGEMENT_ERROR_STATUS);
		wr_u16(&w, (uint16_t)tlv_len);
		encode_error(&w, &m->u.error, tlv_len);
	} else {
		wr_u16(&w, PMC_TLV_MANAGEMENT);
		wr_u16(&w, (uint16_t)tlv_len);
		wr_u16(&w, m->managementId);
		if (m->body == PMC_BODY_DATASET)
			find_dataset(m->managementId)->enc(&w, &m->u);
	}
	return w.bad || w.left != size - len ? PMC_E_INVALID : (int)len;
}

int
pmc_encode_get(uint8_t *buf, size_t size, const struct pmc_hdr *h,
    uint16_t managementId, bool zero_filled)
{
	struct pmc_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr = *h;
	m.action = PMC_GET;
	m.managementId = managementId;
	m.body = zero_filled ? PMC_BODY_DATASET : PMC_BODY_NONE;
	return pmc_encode(buf, size, &m);
}

int
pmc_encode_subscribe(uint8_t *buf, size_t size, const struct pmc_hdr *h,
    const struct pmc_subscribe_events *sub)
{
	struct pmc_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr = *h;
	m.action = PMC_SET;
	m.managementId = PMC_ID_SUBSCRIBE_EVENTS_NP;
	m.body = PMC_BODY_DATASET;
	m.u.subscribe = *sub;
	return pmc_encode(buf, size, &m);
}

void
pmc_subscribe_add(struct pmc_subscribe_events *sub, enum pmc_notify event)
{
	unsigned n = (unsigned)event;

	if (n < 8 * sizeof(sub->bitmask))
		sub->bitmask[n / 8] |= (uint8_t)(1u << (n % 8));
}

bool
pmc_subscribe_has(const struct pmc_subscribe_events *sub,
    enum pmc_notify event)
{
	unsigned n = (unsigned)event;

	return n < 8 * sizeof(sub->bitmask) &&
	    (sub->bitmask[n / 8] & (1u << (n % 8))) != 0;
}

/* ------------------------------------------------------------ matching */

bool
pmc_is_reply(const struct pmc_msg *m, const struct pmc_hdr *h,
    uint16_t managementId)
{
	if (m->action != PMC_RESPONSE && m->action != PMC_ACKNOWLEDGE)
		return false;
	return m->managementId == managementId &&
	    m->hdr.sequenceId == h->sequenceId &&
	    pmc_port_equal(&m->hdr.targetPortIdentity, &h->sourcePortIdentity);
}

int
pmc_notify_event(const struct pmc_msg *m)
{
	const struct dataset *ds;

	if (m->action != PMC_RESPONSE || m->body != PMC_BODY_DATASET)
		return -1;
	ds = find_dataset(m->managementId);
	return ds != NULL ? ds->notify : -1;
}

/* ------------------------------------------------------------ helpers */

struct pmc_port_identity
pmc_port_wildcard(void)
{
	struct pmc_port_identity p;

	memset(p.clockIdentity, 0xff, sizeof(p.clockIdentity));
	p.portNumber = 0xffff;
	return p;
}

struct pmc_port_identity
pmc_port_from_pid(uint32_t pid)
{
	struct pmc_port_identity p = {
		.clockIdentity = { 't', 's', 'y', 'n',
		    (uint8_t)(pid >> 24), (uint8_t)(pid >> 16),
		    (uint8_t)(pid >> 8), (uint8_t)pid },
		.portNumber = (uint16_t)pid,
	};

	if (p.portNumber == 0 || p.portNumber == 0xffff)
		p.portNumber = 1;
	return p;
}

bool
pmc_port_equal(const struct pmc_port_identity *a,
    const struct pmc_port_identity *b)
{
	return a->portNumber == b->portNumber &&
	    memcmp(a->clockIdentity, b->clockIdentity,
	    sizeof(a->clockIdentity)) == 0;
}

char *
pmc_clock_id_str(const uint8_t id[8], char buf[PMC_CLOCK_ID_STRLEN])
{
	snprintf(buf, PMC_CLOCK_ID_STRLEN,
	    "%02x%02x%02x.%02x%02x.%02x%02x%02x",
	    id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7]);
	return buf;
}

char *
pmc_port_id_str(const struct pmc_port_identity *p,
    char buf[PMC_PORT_ID_STRLEN])
{
	char cid[PMC_CLOCK_ID_STRLEN];

	snprintf(buf, PMC_PORT_ID_STRLEN, "%s-%u",
	    pmc_clock_id_str(p->clockIdentity, cid), (unsigned)p->portNumber);
	return buf;
}

double
pmc_time_interval_ns(int64_t ti)
{
	return (double)ti / 65536.0;
}

/* 1588-2019 Table 5 from 0x17 (1 ps) to 0x30 (10 s). */
static const double accuracy_s[] = {
	1e-12, 2.5e-12, 10e-12, 25e-12, 100e-12, 250e-12,	/* 0x17 */
	1e-9, 2.5e-9, 10e-9, 25e-9, 100e-9, 250e-9,		/* 0x1D */
	1e-6, 2.5e-6, 10e-6, 25e-6, 100e-6, 250e-6,		/* 0x23 */
	1e-3, 2.5e-3, 10e-3, 25e-3, 100e-3, 250e-3,		/* 0x29 */
	1.0, 10.0,						/* 0x2F */
};

double
pmc_clock_accuracy_s(uint8_t clockAccuracy)
{
	unsigned i = (unsigned)clockAccuracy - 0x17;

	if (clockAccuracy < 0x17 ||
	    i >= sizeof(accuracy_s) / sizeof(accuracy_s[0]))
		return INFINITY;
	return accuracy_s[i];
}

const char *
pmc_clock_class_name(uint8_t c)
{
	switch (c) {
	case 6:		return "primary";
	case 7:		return "holdover";
	case 13:	return "arb-primary";
	case 14:	return "arb-holdover";
	case 52:	return "degraded-a";
	case 58:	return "arb-degraded-a";
	case 187:	return "degraded-b";
	case 193:	return "arb-degraded-b";
	case 248:	return "default";
	case 255:	return "slave-only";
	}
	if ((c >= 68 && c <= 122) || (c >= 133 && c <= 170) ||
	    (c >= 216 && c <= 232))
		return "profile";
	return "reserved";
}

const char *
pmc_time_source_name(uint8_t t)
{
	switch (t) {
	case PMC_TS_ATOMIC_CLOCK:	return "ATOMIC_CLOCK";
	case PMC_TS_GNSS:		return "GNSS";
	case PMC_TS_TERRESTRIAL_RADIO:	return "TERRESTRIAL_RADIO";
	case PMC_TS_SERIAL_TIME_CODE:	return "SERIAL_TIME_CODE";
	case PMC_TS_PTP:		return "PTP";
	case PMC_TS_NTP:		return "NTP";
	case PMC_TS_HAND_SET:		return "HAND_SET";
	case PMC_TS_OTHER:		return "OTHER";
	case PMC_TS_INTERNAL_OSCILLATOR: return "INTERNAL_OSCILLATOR";
	}
	return t >= 0xf0 && t <= 0xfe ? "profile" : "reserved";
}

const char *
pmc_port_state_name(uint8_t s)
{
	static const char *const names[] = {
		"?", "INITIALIZING", "FAULTY", "DISABLED", "LISTENING",
		"PRE_MASTER", "MASTER", "PASSIVE", "UNCALIBRATED", "SLAVE",
	};

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

const char *
pmc_action_name(int action)
{
	static const char *const names[] = {
		"GET", "SET", "RESPONSE", "COMMAND", "ACKNOWLEDGE",
	};

	if (action < 0 || (size_t)action >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[action];
}

const char *
pmc_id_name(uint16_t managementId)
{
	const struct dataset *ds = find_dataset(managementId);

	return ds != NULL ? ds->name : "?";
}

const char *
pmc_mgmt_error_name(uint16_t e)
{
	switch (e) {
	case PMC_MERR_RESPONSE_TOO_BIG:	return "RESPONSE_TOO_BIG";
	case PMC_MERR_NO_SUCH_ID:	return "NO_SUCH_ID";
	case PMC_MERR_WRONG_LENGTH:	return "WRONG_LENGTH";
	case PMC_MERR_WRONG_VALUE:	return "WRONG_VALUE";
	case PMC_MERR_NOT_SETABLE:	return "NOT_SETABLE";
	case PMC_MERR_NOT_SUPPORTED:	return "NOT_SUPPORTED";
	case PMC_MERR_GENERAL_ERROR:	return "GENERAL_ERROR";
	}
	return "?";
}

const char *
pmc_rc_name(int rc)
{
	static const char *const names[] = {
		"ok", "short", "not_management", "version", "message_length",
		"action", "tlv_length", "tlv_type", "unknown_id", "data_short",
		"text", "no_space", "invalid",
	};

	if (rc > 0 || rc < PMC_E_INVALID)
		return "?";
	return names[-rc];
}
