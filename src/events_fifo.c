#include "events_fifo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

const char *const event_state_words[5] = { "MASTER", "BACKUP", "FAULT", "STOP", "DELETED" };

static int fifo_open_fd(const char *path, char *err, size_t errlen)
{
	struct stat st;
	/* O_NONBLOCK: opening for reading would otherwise wait for a writer,
	 * and the loop must answer signals meanwhile. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 && errno == ENOENT) {
		if (mkfifo(path, 0600) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot make the FIFO %s: %s", path, strerror(errno));
			return -1;
		}
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot open the FIFO %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		snprintf(err, errlen, "%s is not a FIFO (keepalived's vrrp_notify_fifo makes one)", path);
		close(fd);
		return -1;
	}
	return fd;
}

int fifo_reader_open(struct fifo_reader *r, const char *path, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->path = path;
	r->fd = fifo_open_fd(path, err, errlen);
	return r->fd < 0 ? -1 : 0;
}

void fifo_reader_close(struct fifo_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

/* Split what arrived into lines; a line longer than the buffer is dropped
 * whole and handed out as NULL once its end arrives. */
static void fifo_split(struct fifo_reader *r, const char *data, size_t n, void (*fn)(void *, const char *),
		       void *arg)
{
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n') {
			r->lineno++;
			r->buf[r->len] = '\0';
			fn(arg, r->overlong ? NULL : r->buf);
			r->len = 0;
			r->overlong = false;
		} else if (r->len + 1 < sizeof(r->buf)) {
			r->buf[r->len++] = data[i];
		} else {
			r->overlong = true;
		}
	}
}

int fifo_reader_read(struct fifo_reader *r, void (*fn)(void *arg, const char *line), void *arg, char *err,
		     size_t errlen)
{
	char data[4096];

	for (;;) {
		ssize_t n = read(r->fd, data, sizeof(data));
		if (n > 0) {
			fifo_split(r, data, (size_t)n, fn, arg);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0) {
			snprintf(err, errlen, "reading the FIFO %s: %s", r->path, strerror(errno));
			return -1;
		}
		/* Every writer closed: keepalived stopped or restarts. A last
		 * line without its newline is a line all the same. */
		if (r->len || r->overlong)
			fifo_split(r, "\n", 1, fn, arg);
		close(r->fd);
		r->fd = fifo_open_fd(r->path, err, errlen);
		return r->fd < 0 ? -1 : 1;
	}
}

/* The next word of a line, a "quoted" one whole; NULL at the end. */
static char *next_word(char **p)
{
	char *s = *p + strspn(*p, " \t\r"), *end;

	if (!*s)
		return NULL;
	if (*s == '"') {
		if (!(end = strchr(s + 1, '"')))
			return NULL;
		*end = '\0';
		*p = end + 1;
		return s + 1;
	}
	end = s + strcspn(s, " \t\r");
	if (*end)
		*end++ = '\0';
	*p = end;
	return s;
}

int event_parse(const char *line, struct event *ev, const char **why)
{
	char copy[EVENT_LINE_MAX], *p = copy, *type, *name, *state, *prio;
	int value;

	snprintf(copy, sizeof(copy), "%s", line);
	memset(ev, 0, sizeof(*ev));
	if (!(type = next_word(&p))) {
		*why = "an empty line";
		return -1;
	}
	/* keepalived's checkers write VS and RS lines when notify_fifo is
	 * shared: theirs, not ours. */
	if (!strcmp(type, "VS") || !strcmp(type, "RS"))
		return 0;
	if (strcmp(type, "INSTANCE") && strcmp(type, "GROUP")) {
		*why = "not an INSTANCE or GROUP line";
		return -1;
	}
	ev->group = type[0] == 'G';
	if (!(name = next_word(&p)) || !*name || strlen(name) >= sizeof(ev->name)) {
		*why = "no name, or one longer than 127 characters";
		return -1;
	}
	snprintf(ev->name, sizeof(ev->name), "%s", name);
	if (!(state = next_word(&p))) {
		*why = "no state";
		return -1;
	}
	/* notify_master_rx_lower_pri: a master heard a lower priority; no
	 * state changed. */
	if (!strcmp(state, "MASTER_RX_LOWER_PRI"))
		return 0;
	for (value = 0; value < 5 && strcmp(state, event_state_words[value]); value++)
		;
	if (value == 5) {
		*why = "a state other than MASTER, BACKUP, FAULT, STOP or DELETED";
		return -1;
	}
	ev->state = (enum event_state)value;
	ev->priority = -1;
	if ((prio = next_word(&p)) && (!parse_int(prio, &ev->priority) || ev->priority < 0 || ev->priority > 255)) {
		*why = "a priority that is not a whole number from 0 to 255";
		return -1;
	}
	if (next_word(&p)) {
		*why = "more words than TYPE \"NAME\" STATE PRIORITY";
		return -1;
	}
	return 1;
}
