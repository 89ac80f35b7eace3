/*
 * phc.h - a PTP hardware clock (/dev/ptpN) read against CLOCK_REALTIME,
 * for the ptp source: the device from its path or from a network
 * interface (ETHTOOL_GET_TS_INFO), and the offset through the best ioctl
 * the driver has: PTP_SYS_OFFSET_PRECISE (a hardware cross-timestamp),
 * else PTP_SYS_OFFSET_EXTENDED, else PTP_SYS_OFFSET, the narrowest of
 * PHC_READS readings (ptp_phc_narrowest()); a burst of such readings is
 * averaged into one (ptp_phc_combine()).
 */
#ifndef TSYNC_PHC_H
#define TSYNC_PHC_H

#include <stddef.h>

#include "ptp_sample.h"

#define PHC_READS	9	/* readings per ioctl (EXTENDED, basic) */
/* Readings per measurement, averaged (ptp_phc_combine()): a cross-
 * timestamp is one reading, the others the narrowest of PHC_READS. */
#define PHC_BURST_PRECISE	16
#define PHC_BURST		4

enum phc_method {
	PHC_PRECISE,
	PHC_EXTENDED,
	PHC_BASIC,
	PHC_NONE,		/* none works on this device */
};

struct phc {
	int		fd;
	char		device[64];	/* "/dev/ptp0" */
	enum phc_method	method;		/* the best one not refused yet */
};

/*
 * Open the PHC: `device` if not NULL, else the one of `interface`.
 * Returns 0, or -1 with err filled ("interface eth0 has no PTP hardware
 * clock", "/dev/ptp0: Permission denied").
 */
int	phc_open(struct phc *p, const char *device, const char *interface,
	    char *err, size_t errlen);
void	phc_close(struct phc *p);

/* One averaged reading; 0, or a negative errno (the method is downgraded on
 * EOPNOTSUPP and the like, so the next call tries the next one). */
int	phc_read(struct phc *p, struct ptp_phc_reading *out);

const char *phc_method_name(enum phc_method m);

#endif
