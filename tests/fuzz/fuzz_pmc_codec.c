/*
 * fuzz_pmc_codec.c - libFuzzer harness for the ptp4l management codec.
 *
 * Besides memory safety (the input is decoded from an exactly sized heap
 * copy), checks what must hold for any datagram: the return code is a
 * known one; on failure *out is zeroed, or holds only the header for an
 * unknown id / TLV type; on success the body matches the TLV, the text is
 * clean ASCII, and re-encoding gives a message no longer than the input
 * that decodes to the same struct and re-encodes to the same bytes. The
 * first bytes also drive a GET request round trip.
 *
 *   clang -fsanitize=fuzzer,address,undefined ... fuzz_pmc_codec.c \
 *       pmc_codec.c -lm
 *   ./fuzz_pmc_codec -max_len=1500 tests/fuzz/corpus/pmc_codec
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pmc_codec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static void
check_body(const struct pmc_msg *m)
{
	int ds = pmc_dataset_size(m->managementId);

	switch (m->body) {
	case PMC_BODY_NONE:
		if (m->tlvType != PMC_TLV_MANAGEMENT || ds < 0 ||
		    m->action == PMC_SET || m->action == PMC_RESPONSE)
			abort();
		break;
	case PMC_BODY_DATASET:
		if (m->tlvType != PMC_TLV_MANAGEMENT || ds < 0 ||
		    m->data_len < ds)
			abort();
		break;
	case PMC_BODY_ERROR: {
		const char *t = m->u.error.displayData;
		size_t n = strnlen(t, sizeof(m->u.error.displayData));

		if (m->tlvType != PMC_TLV_MANAGEMENT_ERROR_STATUS ||
		    n == sizeof(m->u.error.displayData) ||
		    m->managementId != m->u.error.managementId)
			abort();
		for (size_t i = 0; i < n; i++)
			if (t[i] < 0x20 || t[i] > 0x7e)
				abort();
		break;
	}
	default:
		abort();
	}
	if (pmc_notify_event(m) >= 0 &&
	    (m->action != PMC_RESPONSE || m->body != PMC_BODY_DATASET))
		abort();
}

/* Every helper must answer for any field value. */
static void
check_helpers(const struct pmc_msg *m)
{
	const struct pmc_clock_quality *q =
	    &m->u.parent.grandmasterClockQuality;
	char s[PMC_PORT_ID_STRLEN];
	double a;

	if (m->body != PMC_BODY_DATASET)
		return;
	a = pmc_clock_accuracy_s(q->clockAccuracy);
	if (!(a > 0) || pmc_clock_class_name(q->clockClass) == NULL ||
	    pmc_time_source_name(m->u.time_properties.timeSource) == NULL ||
	    pmc_port_state_name(m->u.port.portState) == NULL)
		abort();
	if (strlen(pmc_port_id_str(&m->hdr.sourcePortIdentity, s)) + 1 >
	    sizeof(s))
		abort();
	if (isnan(pmc_time_interval_ns(m->u.current.meanPathDelay)))
		abort();
}

static void
check_round_trip(const struct pmc_msg *m, size_t in_len)
{
	static uint8_t a[PMC_MAX_MSG_LEN * 2], b[PMC_MAX_MSG_LEN * 2];
	static struct pmc_msg again;
	int na, nb;

	na = pmc_encode(a, sizeof(a), m);
	if (na < PMC_MIN_MSG_LEN || (size_t)na > in_len || na % 2 != 0)
		abort();
	/* data_len and extra_tlvs may shrink: the rest must not change. */
	if (pmc_decode(a, (size_t)na, &again) != 0 ||
	    memcmp(&again.hdr, &m->hdr, sizeof(m->hdr)) != 0 ||
	    again.action != m->action || again.tlvType != m->tlvType ||
	    again.managementId != m->managementId || again.extra_tlvs != 0 ||
	    again.body != m->body || memcmp(&again.u, &m->u, sizeof(m->u)))
		abort();
	nb = pmc_encode(b, sizeof(b), &again);
	if (nb != na || memcmp(a, b, (size_t)na) != 0)
		abort();
}

/* A GET built from the first bytes decodes to what was asked. */
static void
check_get(const uint8_t *data, size_t size)
{
	uint8_t out[PMC_MAX_MSG_LEN];
	struct pmc_hdr h;
	struct pmc_msg m;
	uint16_t id;
	int n, rc;

	if (size < 4)
		return;
	memset(&h, 0, sizeof(h));
	h.sourcePortIdentity = pmc_port_from_pid(
	    (uint32_t)data[0] << 8 | data[1]);
	h.targetPortIdentity = pmc_port_wildcard();
	h.sequenceId = (uint16_t)(data[1] << 8 | data[0]);
	id = (uint16_t)(data[2] << 8 | data[3]);
	n = pmc_encode_get(out, sizeof(out), &h, id, data[0] & 1);
	if (n < 0) {
		if (n != PMC_E_UNKNOWN_ID || pmc_dataset_size(id) >= 0)
			abort();
		return;
	}
	rc = pmc_decode(out, (size_t)n, &m);
	if ((rc != 0 && rc != PMC_E_UNKNOWN_ID) || m.managementId != id ||
	    m.action != PMC_GET || m.hdr.sequenceId != h.sequenceId ||
	    !pmc_port_equal(&m.hdr.sourcePortIdentity, &h.sourcePortIdentity))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pmc_msg m;
	uint8_t *copy = malloc(size > 0 ? size : 1);
	int rc;

	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	memset(&m, 0xa5, sizeof(m));
	rc = pmc_decode(copy, size, &m);
	free(copy);
	if (rc > 0 || rc < PMC_E_INVALID || pmc_rc_name(rc)[0] == '?')
		abort();
	if (rc == PMC_E_UNKNOWN_ID || rc == PMC_E_TLV_TYPE) {
		if (m.body != PMC_BODY_NONE || !zero(&m.u, sizeof(m.u)))
			abort();
		if (rc == PMC_E_UNKNOWN_ID ?
		    pmc_dataset_size(m.managementId) >= 0 :
		    m.tlvType == PMC_TLV_MANAGEMENT ||
		    m.tlvType == PMC_TLV_MANAGEMENT_ERROR_STATUS)
			abort();
	} else if (rc != 0) {
		if (!zero(&m, sizeof(m)))
			abort();
	} else {
		check_body(&m);
		check_helpers(&m);
		check_round_trip(&m, size);
	}
	check_get(data, size);
	return 0;
}
