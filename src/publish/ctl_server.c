/*
 * ctl_server.c - the control socket (see ctl_server.h).
 *
 * One bufferevent per client on the caller's event_base; no signal
 * events, nothing epoll-specific, so it runs under EVENT_NOEPOLL and
 * clknetsim. Every client-controlled quantity is bounded: a request line
 * by CTL_MAX_LINE, the input consumed per callback by libevent's single
 * read size, queued output by MAX_OUTPUT_BYTES, connections by
 * max_clients, silence by the idle timer.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "ctl_proto.h"
#include "ctl_server.h"
#include "log.h"
#include "tstime.h"

#define LISTEN_BACKLOG		64
#define MAX_OUTPUT_BYTES	(1024 * 1024)
#define ACCEPT_BURST		16	/* accepts per wakeup, for fairness */
#define ACCEPT_PAUSE_NS		NS_PER_S	/* after EMFILE and friends */
#define CLOSE_LINGER_NS		(5 * NS_PER_S)	/* to flush a last reply */

struct client {
	LIST_ENTRY(client)	entry;
	struct ctl_server	*srv;
	struct bufferevent	*bev;
	struct event		*timer;		/* idle, or close linger */
	pid_t			pid;
	uid_t			uid;
	gid_t			gid;
	bool			subscriber;
	bool			closing;	/* free once output drains */
};

struct ctl_server {
	struct event_base	*base;
	int			fd;
	struct event		*listen_ev;
	struct event		*resume_ev;
	char			*path;
	dev_t			dev;		/* identify our socket file */
	ino_t			ino;
	struct ctl_limits	limits;
	struct ctl_handlers	h;
	LIST_HEAD(, client)	clients;
	int			nclients;
	unsigned long		bad_requests;
	unsigned long		refused;	/* connections beyond max_clients */
};

static int	handle_line(struct client *c, const char *line, size_t len);

static struct timeval
ns_to_timeval(int64_t ns)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ns / NS_PER_S);
	tv.tv_usec = (suseconds_t)(ns % NS_PER_S / NS_PER_US);
	return tv;
}

/* ------------------------------------------------------------ clients */

static void
client_free(struct client *c)
{
	LIST_REMOVE(c, entry);
	c->srv->nclients--;
	event_free(c->timer);
	bufferevent_free(c->bev);	/* closes the fd */
	free(c);
}

static void
arm_timer(struct client *c, int64_t ns)
{
	struct timeval tv = ns_to_timeval(ns);

	evtimer_add(c->timer, &tv);
}

/* A complete request restarts the idle clock; subscribers have none. */
static void
reset_idle(struct client *c)
{
	int64_t idle_ns = c->srv->limits.idle_timeout_ns;

	if (c->subscriber || c->closing || idle_ns <= 0)
		evtimer_del(c->timer);
	else
		arm_timer(c, idle_ns);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	(void)fd;
	(void)what;
	log_debug("ctl_client_timeout", "control client (pid %ld) %s",
	    (long)c->pid, c->closing ? "did not take its last reply" :
	    "idle too long, closing");
	client_free(c);
}

/* Stop serving; free as soon as pending output is written. */
static void
start_close(struct client *c)
{
	c->closing = true;
	evbuffer_drain(bufferevent_get_input(c->bev),
	    evbuffer_get_length(bufferevent_get_input(c->bev)));
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		client_free(c);
		return;
	}
	arm_timer(c, CLOSE_LINGER_NS);
}

/* Queue bytes for the client. Returns -1 if the client is gone. */
static int
queue_bytes(struct client *c, const char *buf, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (buf == NULL || evbuffer_add(out, buf, len) < 0) {
		log_rl(LL_ERR, "ctl_reply_failed", NULL,
		    "cannot queue a control reply (out of memory)");
		client_free(c);
		return -1;
	}
	if (evbuffer_get_length(out) > MAX_OUTPUT_BYTES) {
		log_rl(LL_WARNING, "ctl_slow_client",
		    json_pack("{s:I,s:I}", "pid", (json_int_t)c->pid,
		    "queued_bytes", (json_int_t)evbuffer_get_length(out)),
		    "dropping control client that does not read its replies");
		client_free(c);
		return -1;
	}
	return 0;
}

/* Same, taking a line from an encoder (NULL: out of memory). */
static int
queue_line(struct client *c, char *line)
{
	int rc = queue_bytes(c, line, line != NULL ? strlen(line) : 0);

	free(line);
	return rc;
}

static int
reject(struct client *c, const struct ctl_error *err)
{
	c->srv->bad_requests++;
	log_rl(LL_WARNING, "ctl_bad_request",
	    json_pack("{s:s,s:s,s:I,s:I,s:I}", "code", err->code,
	    "message", err->message, "pid", (json_int_t)c->pid,
	    "uid", (json_int_t)c->uid,
	    "total", (json_int_t)c->srv->bad_requests),
	    "bad control request: %s", err->message);
	return queue_line(c, ctl_encode_error(err->code, err->message));
}

static int
reject_too_large(struct client *c)
{
	struct ctl_error err = { CTL_ERR_TOO_LARGE, "" };

	snprintf(err.message, sizeof(err.message),
	    "request longer than %d bytes", CTL_MAX_LINE - 1);
	if (reject(c, &err) < 0)
		return -1;
	start_close(c);
	return -1;
}

/* ------------------------------------------------------------ commands */

static json_t *
status_data(struct ctl_server *s)
{
	return s->h.status != NULL ? s->h.status(s->h.arg) : NULL;
}

static int
send_status(struct client *c, bool as_event)
{
	json_t *data = status_data(c->srv);
	struct ctl_error err = { CTL_ERR_INTERNAL, "status not available" };

	if (data == NULL)
		return reject(c, &err);
	if (as_event)
		return queue_line(c, ctl_encode_event("status", data));
	return queue_line(c, ctl_encode_reply(data));
}

static int
send_leap(struct client *c)
{
	struct ctl_server *s = c->srv;
	json_t *data = s->h.leap != NULL ? s->h.leap(s->h.arg) : NULL;
	struct ctl_error err = { CTL_ERR_INTERNAL, "leap table state not "
	    "available" };

	if (data == NULL)
		return reject(c, &err);
	return queue_line(c, ctl_encode_reply(data));
}

static int
send_data(struct client *c, json_t *(*fn)(void *), const char *what)
{
	struct ctl_server *s = c->srv;
	json_t *data = fn != NULL ? fn(s->h.arg) : NULL;
	struct ctl_error err = { CTL_ERR_INTERNAL, "" };

	snprintf(err.message, sizeof(err.message), "%s not available", what);

	if (data == NULL)
		return reject(c, &err);
	return queue_line(c, ctl_encode_reply(data));
}

/*
 * Root, or a member of the admin group: the peer's primary group from
 * SO_PEERCRED, or a supplementary group of its user in the group database
 * (the kernel does not pass supplementary groups on a Unix socket).
 */
static bool
peer_is_admin(const struct client *c)
{
	long admin = c->srv->limits.admin_gid;
	struct passwd *pw;
	gid_t groups[256];
	int n = 256;

	if (c->uid == 0)
		return true;
	if (admin < 0 || c->uid == (uid_t)-1)
		return false;
	if (c->gid == (gid_t)admin)
		return true;
	if ((pw = getpwuid(c->uid)) == NULL ||
	    getgrouplist(pw->pw_name, c->gid, groups, &n) < 0)
		return false;
	for (int i = 0; i < n; i++)
		if (groups[i] == (gid_t)admin)
			return true;
	return false;
}

static int
admin_reload(struct client *c)
{
	struct ctl_error err = { CTL_ERR_DENIED, "" };

	if (!peer_is_admin(c)) {
		snprintf(err.message, sizeof(err.message), "reload is for root "
		    "and the status.admin_group; uid %ld is neither",
		    (long)c->uid);
		log_warning("ctl_denied", "control client pid %ld uid %ld: "
		    "reload denied", (long)c->pid, (long)c->uid);
		return reject(c, &err);
	}
	log_notice("ctl_reload", "reload requested by control client pid %ld "
	    "uid %ld", (long)c->pid, (long)c->uid);
	return send_data(c, c->srv->h.reload, "reload");
}

static int
handle_request(struct client *c, const struct ctl_request *req)
{
	switch (req->cmd) {
	case CTL_CMD_VERSION:
		return queue_line(c, ctl_encode_reply(json_pack("{s:i,s:s}",
		    "protocol", CTL_PROTO_VERSION, "daemon", PACKAGE_VERSION)));
	case CTL_CMD_STATUS:
		return send_status(c, false);
	case CTL_CMD_SUBSCRIBE:
		if (queue_line(c, ctl_encode_reply(json_pack("{s:b}",
		    "subscribed", 1))) < 0)
			return -1;
		c->subscriber = true;
		reset_idle(c);
		return send_status(c, true);
	case CTL_CMD_LEAP:
		return send_leap(c);
	case CTL_CMD_SOURCES:
		return send_data(c, c->srv->h.sources, "sources");
	case CTL_CMD_TRACE:
		return send_data(c, c->srv->h.trace, "trace");
	case CTL_CMD_RELOAD:
		return admin_reload(c);
	}
	return 0;
}

/* Returns -1 if the client is gone. */
static int
handle_line(struct client *c, const char *line, size_t len)
{
	struct ctl_request req;
	struct ctl_error err;

	reset_idle(c);
	if (ctl_parse_request(line, len, &req, &err) < 0) {
		if (strcmp(err.code, CTL_ERR_TOO_LARGE) == 0)
			return reject_too_large(c);
		return reject(c, &err);
	}
	return handle_request(c, &req);
}

/* ------------------------------------------------------------ I/O */

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char line[CTL_MAX_LINE];
	struct evbuffer_ptr eol;
	size_t eol_len;

	while (!c->closing) {
		eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
		if (eol.pos < 0) {
			if (evbuffer_get_length(in) >= CTL_MAX_LINE)
				reject_too_large(c);
			return;
		}
		/* The line, '\n' included, must fit in CTL_MAX_LINE. */
		if ((size_t)eol.pos >= CTL_MAX_LINE) {
			reject_too_large(c);
			return;
		}
		evbuffer_remove(in, line, (size_t)eol.pos + 1);
		if (handle_line(c, line, (size_t)eol.pos) < 0)
			return;
	}
	/* Keep reading while closing so the peer sees our reply, not a
	 * reset caused by unread data; the linger timer bounds this. */
	evbuffer_drain(in, evbuffer_get_length(in));
}

static void
write_cb(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;

	(void)bev;
	if (c->closing)
		client_free(c);
}

/* The peer finished sending: answer an unterminated last request. */
static void
peer_eof(struct client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t len = evbuffer_get_length(in);
	char line[CTL_MAX_LINE];

	if (!c->closing && len > 0 && len < CTL_MAX_LINE) {
		evbuffer_remove(in, line, len);
		if (handle_line(c, line, len) < 0)
			return;
	}
	if (!c->closing)
		start_close(c);
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client *c = arg;

	(void)bev;
	if (what & BEV_EVENT_EOF) {
		peer_eof(c);
		return;
	}
	if (what & BEV_EVENT_ERROR)
		log_debug("ctl_client_error", "control client (pid %ld): %s",
		    (long)c->pid, strerror(EVUTIL_SOCKET_ERROR()));
	client_free(c);
}

/* ------------------------------------------------------------ accepting */

static void
refuse(struct ctl_server *s, int fd)
{
	char msg[64];
	char *line;

	snprintf(msg, sizeof(msg), "too many clients (limit %d)",
	    s->limits.max_clients);
	line = ctl_encode_error(CTL_ERR_TOO_MANY, msg);
	/* Best effort: a fresh socket's buffer always has room for this. */
	if (line != NULL &&
	    send(fd, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("ctl_refuse_failed", "cannot tell a refused "
		    "control client why: %s", strerror(errno));
	free(line);
	close(fd);
	s->refused++;
	log_rl(LL_WARNING, "ctl_too_many_clients",
	    json_pack("{s:i}", "max_clients", s->limits.max_clients),
	    "control connection refused: %d clients already", s->nclients);
}

static void
peer_cred(struct client *c, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	c->pid = -1;
	c->uid = (uid_t)-1;
	c->gid = (gid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
		c->pid = cred.pid;
		c->uid = cred.uid;
		c->gid = cred.gid;
	}
}

static int
client_new(struct ctl_server *s, int fd)
{
	struct client *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		close(fd);
		return -1;
	}
	c->srv = s;
	c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->timer = evtimer_new(s->base, timer_cb, c);
	if (c->bev == NULL || c->timer == NULL) {
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			close(fd);
		if (c->timer != NULL)
			event_free(c->timer);
		free(c);
		return -1;
	}
	peer_cred(c, fd);
	LIST_INSERT_HEAD(&s->clients, c, entry);
	s->nclients++;
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	reset_idle(c);
	log_debug("ctl_client_connected", "control client pid %ld uid %ld "
	    "(%d connected)", (long)c->pid, (long)c->uid, s->nclients);
	return 0;
}

/* Out of descriptors or memory: stop accepting for a while rather than
 * spin on a listening socket that stays readable. */
static void
pause_accept(struct ctl_server *s, int err)
{
	struct timeval tv = ns_to_timeval(ACCEPT_PAUSE_NS);

	log_rl(LL_ERR, "ctl_accept_failed", NULL,
	    "cannot accept control connections: %s", strerror(err));
	event_del(s->listen_ev);
	evtimer_add(s->resume_ev, &tv);
}

static void
resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_server *s = arg;

	(void)fd;
	(void)what;
	event_add(s->listen_ev, NULL);
}

static void
accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct ctl_server *s = arg;

	(void)what;
	for (int i = 0; i < ACCEPT_BURST; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				pause_accept(s, errno);
			else if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_rl(LL_ERR, "ctl_accept_failed", NULL,
				    "accept on control socket: %s",
				    strerror(errno));
			return;
		}
		if (s->nclients >= s->limits.max_clients)
			refuse(s, fd);
		else if (client_new(s, fd) < 0)
			log_rl(LL_ERR, "ctl_accept_failed", NULL,
			    "cannot set up a control connection (out of "
			    "memory)");
	}
}

/* ------------------------------------------------------------ socket file */

static int
fill_addr(struct sockaddr_un *sun, const char *path, char *err, size_t errlen)
{
	size_t len = path != NULL ? strlen(path) : 0;

	if (len == 0) {
		snprintf(err, errlen, "control socket path is empty");
		return -1;
	}
	if (len >= sizeof(sun->sun_path)) {
		snprintf(err, errlen, "control socket path is too long "
		    "(%zu bytes, at most %zu): %s", len,
		    sizeof(sun->sun_path) - 1, path);
		return -1;
	}
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len + 1);
	return 0;
}

/* Is someone listening on the existing socket file? */
static int
probe_socket(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc, e;

	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	e = errno;
	close(fd);
	/* EAGAIN: a live listener with a full backlog. */
	if (rc == 0 || e == EAGAIN || e == EINPROGRESS) {
		snprintf(err, errlen, "another tsyncd is already listening "
		    "on %s", sun->sun_path);
		return -1;
	}
	if (e != ECONNREFUSED && e != ENOENT) {
		snprintf(err, errlen, "cannot check existing socket %s: %s",
		    sun->sun_path, strerror(e));
		return -1;
	}
	return 0;
}

/* Make way for bind(): remove a stale socket, never anything else. */
static int
clear_stale(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	const char *path = sun->sun_path;
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot stat %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket; "
		    "refusing to replace it", path);
		return -1;
	}
	if (probe_socket(sun, err, errlen) < 0)
		return -1;
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove stale socket %s: %s",
		    path, strerror(errno));
		return -1;
	}
	log_notice("ctl_stale_socket", "removed stale control socket %s",
	    path);
	return 0;
}

static int
bind_socket(struct ctl_server *s, const struct sockaddr_un *sun,
    char *err, size_t errlen)
{
	struct stat st;
	mode_t old_mask;
	int rc;

	/* The umask closes the window before chmod(); chmod() makes the
	 * mode independent of the umask we inherited. */
	old_mask = umask(0117);
	rc = bind(s->fd, (const struct sockaddr *)sun, sizeof(*sun));
	umask(old_mask);
	if (rc < 0) {
		snprintf(err, errlen, "cannot bind %s: %s", sun->sun_path,
		    strerror(errno));
		return -1;
	}
	if (chmod(sun->sun_path, 0660) < 0 || stat(sun->sun_path, &st) < 0 ||
	    listen(s->fd, LISTEN_BACKLOG) < 0) {
		snprintf(err, errlen, "cannot set up %s: %s", sun->sun_path,
		    strerror(errno));
		unlink(sun->sun_path);
		return -1;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return 0;
}

static void
unlink_if_ours(const struct ctl_server *s)
{
	struct stat st;

	if (lstat(s->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
}

/* A reply to a client that just left must not kill the daemon. */
static void
ignore_sigpipe(void)
{
	struct sigaction sa;

	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGPIPE, &sa, NULL);
	}
}

static int
open_listener(struct ctl_server *s, char *err, size_t errlen)
{
	struct sockaddr_un sun;

	if (fill_addr(&sun, s->path, err, errlen) < 0 ||
	    clear_stale(&sun, err, errlen) < 0)
		return -1;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind_socket(s, &sun, err, errlen) < 0)
		return -1;
	s->listen_ev = event_new(s->base, s->fd, EV_READ | EV_PERSIST,
	    accept_cb, s);
	s->resume_ev = evtimer_new(s->base, resume_cb, s);
	if (s->listen_ev == NULL || s->resume_ev == NULL ||
	    event_add(s->listen_ev, NULL) < 0) {
		snprintf(err, errlen, "cannot watch %s", s->path);
		unlink_if_ours(s);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ public */

struct ctl_server *
ctl_server_create(struct event_base *base, const char *path,
    const struct ctl_limits *limits, const struct ctl_handlers *h,
    char *err, size_t errlen)
{
	struct ctl_server *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->path = strdup(path != NULL ? path : "")) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(s);
		return NULL;
	}
	s->base = base;
	s->fd = -1;
	s->limits = *limits;
	if (h != NULL)
		s->h = *h;
	LIST_INIT(&s->clients);
	if (open_listener(s, err, errlen) < 0) {
		ctl_server_destroy(s);
		return NULL;
	}
	ignore_sigpipe();
	log_info("ctl_listening", "control socket listening on %s", s->path);
	return s;
}

void
ctl_server_destroy(struct ctl_server *s)
{
	if (s == NULL)
		return;
	while (!LIST_EMPTY(&s->clients))
		client_free(LIST_FIRST(&s->clients));
	if (s->listen_ev != NULL)
		event_free(s->listen_ev);
	if (s->resume_ev != NULL)
		event_free(s->resume_ev);
	if (s->fd >= 0) {
		close(s->fd);
		if (s->ino != 0)
			unlink_if_ours(s);
	}
	free(s->path);
	free(s);
}

unsigned long
ctl_server_bad_requests(const struct ctl_server *s)
{
	return s->bad_requests;
}

unsigned long
ctl_server_refused(const struct ctl_server *s)
{
	return s->refused;
}

void
ctl_server_set_limits(struct ctl_server *s, const struct ctl_limits *limits)
{
	s->limits = *limits;
}

const char *
ctl_server_path(const struct ctl_server *s)
{
	return s->path;
}

int
ctl_server_nclients(const struct ctl_server *s)
{
	return s->nclients;
}

void
ctl_server_publish(struct ctl_server *s, const char *event, json_t *data)
{
	struct client *c, *next;
	bool any = false;
	char *line;
	size_t len;

	LIST_FOREACH(c, &s->clients, entry)
		any = any || (c->subscriber && !c->closing);
	if (!any) {
		json_decref(data);
		return;
	}
	line = ctl_encode_event(event, data);
	if (line == NULL)
		return;
	len = strlen(line);
	for (c = LIST_FIRST(&s->clients); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		if (c->subscriber && !c->closing)
			queue_bytes(c, line, len);
	}
	free(line);
}
