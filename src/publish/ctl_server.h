/*
 * ctl_server.h - the control socket: a Unix stream socket speaking
 * ctl_proto (JSON lines). Non-blocking throughout: a slow or idle client
 * never blocks the others.
 *
 * Limits: request line CTL_MAX_LINE bytes (longer: error reply, then the
 * connection is closed); at most max_clients connections (the next one
 * gets a "too_many_clients" error and is closed); clients idle for
 * idle_timeout are dropped (subscribers are exempt); a client (subscriber
 * or one that sends requests without reading replies) whose unsent output
 * exceeds 1 MiB is dropped.
 */
#ifndef TSYNC_CTL_SERVER_H
#define TSYNC_CTL_SERVER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct ctl_server;

struct ctl_handlers {
	/* Returns a new reference: the "data" of a status reply. */
	json_t	*(*status)(void *arg);
	/* Returns a new reference: the "data" of a leap reply. */
	json_t	*(*leap)(void *arg);
	/* Returns a new reference: the "data" of a sources reply. */
	json_t	*(*sources)(void *arg);
	/* Returns a new reference: the "data" of a trace reply. */
	json_t	*(*trace)(void *arg);
	/* Admin "reload": schedule a configuration reload; the "data". */
	json_t	*(*reload)(void *arg);
	void	*arg;
};

struct ctl_limits {
	int		max_clients;
	int64_t		idle_timeout_ns;
	long		admin_gid;	/* admin commands: root, or this group (-1: root only) */
};

/*
 * Create the socket at path with mode 0660 (umask-safe). A stale socket
 * file (nobody listening) is replaced; if another process answers on it,
 * creation fails with a message saying so. Returns NULL with err filled.
 */
struct ctl_server *ctl_server_create(struct event_base *base, const char *path,
	    const struct ctl_limits *limits, const struct ctl_handlers *h,
	    char *err, size_t errlen);
/* Closes every connection and unlinks the socket file. */
void	ctl_server_destroy(struct ctl_server *s);
/* New limits apply to new connections and idle timers from now on. */
void	ctl_server_set_limits(struct ctl_server *s, const struct ctl_limits *limits);
const char *ctl_server_path(const struct ctl_server *s);
int	ctl_server_nclients(const struct ctl_server *s);
/* Since create: requests answered with an error, connections refused. */
unsigned long ctl_server_bad_requests(const struct ctl_server *s);
unsigned long ctl_server_refused(const struct ctl_server *s);

/* Push an event to every subscriber. `data` is stolen. */
void	ctl_server_publish(struct ctl_server *s, const char *event, json_t *data);

#endif
