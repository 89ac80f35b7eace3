/*
 * phc.c - see phc.h.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/ptp_clock.h>
#include <linux/sockios.h>

#include "phc.h"

static int64_t
pct_ns(const struct ptp_clock_time *t)
{
	return t->sec * 1000000000LL + t->nsec;
}

/* The PHC index of an interface, or -1 with err filled. */
static int
phc_index_of(const char *ifname, char *err, size_t errlen)
{
	struct ethtool_ts_info info;
	struct ifreq ifr;
	int fd, rc;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* Type flags are refused by some syscall interposers (clknetsim);
	 * the descriptor is closed before this returns anyway. */
	if (fd < 0 && errno == EINVAL)
		fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	memset(&info, 0, sizeof(info));
	memset(&ifr, 0, sizeof(ifr));
	info.cmd = ETHTOOL_GET_TS_INFO;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	rc = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	if (rc < 0) {
		snprintf(err, errlen, "interface %s: %s", ifname, strerror(errno));
		return -1;
	}
	if (info.phc_index < 0) {
		snprintf(err, errlen, "interface %s has no PTP hardware clock",
		    ifname);
		return -1;
	}
	return info.phc_index;
}

int
phc_open(struct phc *p, const char *device, const char *interface, char *err,
    size_t errlen)
{
	int idx;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (device != NULL) {
		snprintf(p->device, sizeof(p->device), "%s", device);
	} else {
		if ((idx = phc_index_of(interface, err, errlen)) < 0)
			return -1;
		snprintf(p->device, sizeof(p->device), "/dev/ptp%d", idx);
	}
	p->fd = open(p->device, O_RDONLY | O_CLOEXEC);
	if (p->fd < 0) {
		snprintf(err, errlen, "%s: %s", p->device, strerror(errno));
		return -1;
	}
	p->method = PHC_PRECISE;
	return 0;
}

void
phc_close(struct phc *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

static int
read_precise(int fd, struct ptp_phc_reading *out)
{
	struct ptp_sys_offset_precise x;

	memset(&x, 0, sizeof(x));
	if (ioctl(fd, PTP_SYS_OFFSET_PRECISE, &x) < 0)
		return -errno;
	out->sys_ns = pct_ns(&x.sys_realtime);
	out->phc_ns = pct_ns(&x.device);
	out->window_ns = 0;
	return 0;
}

static int
read_extended(int fd, struct ptp_phc_reading *out)
{
	struct ptp_sys_offset_extended x;
	int64_t trip[PHC_READS][3];

	memset(&x, 0, sizeof(x));
	x.n_samples = PHC_READS;	/* rsv[0] = 0: CLOCK_REALTIME */
	if (ioctl(fd, PTP_SYS_OFFSET_EXTENDED, &x) < 0)
		return -errno;
	for (int i = 0; i < PHC_READS; i++)
		for (int j = 0; j < 3; j++)
			trip[i][j] = pct_ns(&x.ts[i][j]);
	return ptp_phc_narrowest((const int64_t (*)[3])trip, PHC_READS, out) <
	    0 ? -EIO : 0;
}

static int
read_basic(int fd, struct ptp_phc_reading *out)
{
	struct ptp_sys_offset x;
	int64_t trip[PHC_READS][3];

	memset(&x, 0, sizeof(x));
	x.n_samples = PHC_READS;
	if (ioctl(fd, PTP_SYS_OFFSET, &x) < 0)
		return -errno;
	/* sys, phc, sys, phc, ..., sys */
	for (int i = 0; i < PHC_READS; i++) {
		trip[i][0] = pct_ns(&x.ts[2 * i]);
		trip[i][1] = pct_ns(&x.ts[2 * i + 1]);
		trip[i][2] = pct_ns(&x.ts[2 * i + 2]);
	}
	return ptp_phc_narrowest((const int64_t (*)[3])trip, PHC_READS, out) <
	    0 ? -EIO : 0;
}

/* The driver does not have this ioctl: try the next one. */
static int
unsupported(int rc)
{
	return rc == -EOPNOTSUPP || rc == -ENOTTY || rc == -EINVAL ||
	    rc == -ENOSYS;
}

/* One reading by the best method; unsupported ones are given up. */
static int
read_once(struct phc *p, struct ptp_phc_reading *out)
{
	int rc = -ENODEV;

	while (p->method != PHC_NONE) {
		switch (p->method) {
		case PHC_PRECISE:
			rc = read_precise(p->fd, out);
			break;
		case PHC_EXTENDED:
			rc = read_extended(p->fd, out);
			break;
		default:
			rc = read_basic(p->fd, out);
			break;
		}
		if (!unsupported(rc))
			return rc;
		p->method = (enum phc_method)(p->method + 1);
	}
	return rc;
}

/*
 * A burst averaged: read noise (a cross-timestamp's jitter, the PHC's
 * read latency varying within a window) shrinks by its square root, and
 * the bound grows by the burst's spread (ptp_phc_combine()).
 */
int
phc_read(struct phc *p, struct ptp_phc_reading *out)
{
	struct ptp_phc_reading r[PHC_BURST_PRECISE > PHC_BURST ?
	    PHC_BURST_PRECISE : PHC_BURST];
	int n, rc;

	if (p->fd < 0)
		return -EBADF;
	if ((rc = read_once(p, &r[0])) < 0)
		return rc;
	n = p->method == PHC_PRECISE ? PHC_BURST_PRECISE : PHC_BURST;
	for (int i = 1; i < n; i++)
		if ((rc = read_once(p, &r[i])) < 0)
			return rc;
	return ptp_phc_combine(r, n, out) < 0 ? -EIO : 0;
}

const char *
phc_method_name(enum phc_method m)
{
	switch (m) {
	case PHC_PRECISE:
		return "precise";
	case PHC_EXTENDED:
		return "extended";
	case PHC_BASIC:
		return "basic";
	case PHC_NONE:
		break;
	}
	return "none";
}
