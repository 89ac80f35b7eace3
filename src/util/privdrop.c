/*
 * privdrop.c - switch from root to the service user with libcap-ng.
 *
 * capng_change_id() does the delicate order for us: keep capabilities
 * across setuid (PR_SET_KEEPCAPS), clear the bounding set while
 * CAP_SETPCAP is still held, setresgid, drop supplementary groups,
 * setresuid, then apply the final capability sets.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>

#include "log.h"
#include "privdrop.h"

#define PW_BUF_LEN	16384

static int
lookup_user(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct passwd pw, *res = NULL;
	char *buf;
	int r;

	buf = malloc(PW_BUF_LEN);
	if (buf == NULL)
		return snprintf(err, errlen, "out of memory"), -1;
	r = getpwnam_r(user, &pw, buf, PW_BUF_LEN, &res);
	if (res == NULL) {
		if (r == 0 || r == ENOENT || r == ESRCH)
			snprintf(err, errlen, "user \"%s\" does not exist; "
			    "create it (systemd-sysusers tsyncd.conf, or "
			    "useradd --system --no-create-home --shell "
			    "/usr/sbin/nologin %s)", user, user);
		else
			snprintf(err, errlen, "cannot look up user \"%s\": %s",
			    user, strerror(r));
		free(buf);
		return -1;
	}
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	free(buf);
	if (*uid == 0)
		return snprintf(err, errlen, "user \"%s\" is root: refusing "
		    "to run privileged", user), -1;
	return 0;
}

/* Describe the kept capabilities for the log, e.g. "sys_time" or "none". */
static void
caps_text(const int *caps, int ncaps, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < ncaps && off < len; i++) {
		const char *name = capng_capability_to_name(caps[i]);

		off += snprintf(buf + off, len - off, "%s%s", i ? "," : "",
		    name != NULL ? name : "?");
	}
	if (ncaps == 0)
		snprintf(buf, len, "none");
}

int
privdrop_apply(const char *user, const int *caps, int ncaps, char *err,
    size_t errlen)
{
	capng_flags_t flags = CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING;
	char kept[256];
	uid_t uid;
	gid_t gid;
	int r;

	if (user == NULL)
		user = PRIVDROP_DEFAULT_USER;
	if (ncaps < 0 || (ncaps > 0 && caps == NULL))
		return snprintf(err, errlen, "bad capability list"), -1;
	if (geteuid() != 0) {
		log_notice("privdrop_skipped", "not started as root (uid %ld): "
		    "keeping the current user and capabilities; not switching "
		    "to \"%s\"", (long)geteuid(), user);
		return 1;
	}
	if (lookup_user(user, &uid, &gid, err, errlen) == -1)
		return -1;
	/* Clearing the bounding set needs CAP_SETPCAP. Without it (a unit
	 * whose CapabilityBoundingSet= omits it) the manager has already
	 * bounded us; empty permitted and effective sets still hold. */
	if (capng_get_caps_process() == 0 &&
	    !capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP)) {
		flags &= ~CAPNG_CLEAR_BOUNDING;
		log_notice("privdrop_bounding_kept", "no CAP_SETPCAP: the "
		    "capability bounding set is left as the service manager "
		    "set it");
	}
	capng_clear(CAPNG_SELECT_BOTH);
	for (int i = 0; i < ncaps; i++) {
		if (caps[i] < 0 || capng_capability_to_name((unsigned)caps[i])
		    == NULL || capng_update(CAPNG_ADD,
		    CAPNG_EFFECTIVE | CAPNG_PERMITTED,
		    (unsigned)caps[i]) != 0)
			return snprintf(err, errlen, "capability %d is not "
			    "known to this kernel", caps[i]), -1;
	}
	errno = 0;
	r = capng_change_id((int)uid, (int)gid, flags);
	if (r != 0)
		return snprintf(err, errlen, "cannot switch to user \"%s\" "
		    "(uid %ld, gid %ld): libcap-ng error %d (%s)", user,
		    (long)uid, (long)gid, r, errno ? strerror(errno) :
		    "no detail"), -1;
	caps_text(caps, ncaps, kept, sizeof(kept));
	log_at(LL_NOTICE, "privileges_dropped", json_pack("{s:s, s:i, s:i, s:s}",
	    "user", user, "uid", (int)uid, "gid", (int)gid, "capabilities", kept),
	    "running as %s (uid %ld, gid %ld), capabilities: %s", user,
	    (long)uid, (long)gid, kept);
	return 0;
}
