/* keepalived's notify FIFO (vrrp_notify_fifo), as lvsdr events reads it:
 * one line per VRRP state change, in the order they happened,
 *   INSTANCE "VI_1" MASTER 100    GROUP "VG_1" BACKUP 0
 * A writer closing (keepalived restarting) is not the end: the reader
 * opens the FIFO again. Lines are numbered from the start of the run. */
#ifndef LVSDR_EVENTS_FIFO_H
#define LVSDR_EVENTS_FIFO_H

#include <stdbool.h>
#include <stddef.h>

#define EVENT_NAME_MAX 128
#define EVENT_LINE_MAX 512

enum event_state { EVENT_MASTER,
		   EVENT_BACKUP,
		   EVENT_FAULT,
		   EVENT_STOP,
		   EVENT_DELETED };
extern const char *const event_state_words[5];

struct event {
	bool group; /* GROUP (a sync group) rather than INSTANCE */
	char name[EVENT_NAME_MAX];
	enum event_state state;
	int priority; /* -1 when the line has none */
};

struct fifo_reader {
	const char *path;
	int fd;
	char buf[EVENT_LINE_MAX];
	size_t len;
	bool overlong;	      /* the line being read is past EVENT_LINE_MAX: dropped */
	unsigned long lineno; /* of the last whole line handed out */
};

/* Open path for reading without waiting for a writer; a missing FIFO is
 * made (mode 0600), anything else that is not a FIFO refused. 0, or -1
 * with err naming the path and why. */
int fifo_reader_open(struct fifo_reader *r, const char *path, char *err, size_t errlen);
/* Read what the FIFO holds and hand each whole line to fn, in order
 * (overlong ones as NULL, to be named). 1 when every writer has closed
 * (the reader has opened the FIFO again), 0, or -1 with err. */
int fifo_reader_read(struct fifo_reader *r, void (*fn)(void *arg, const char *line), void *arg, char *err,
		     size_t errlen);
void fifo_reader_close(struct fifo_reader *r);

/* One line: 1 an event (ev filled), 0 a line that is not ours to act on
 * (keepalived's checker lines, VS and RS), -1 malformed, with why. */
int event_parse(const char *line, struct event *ev, const char **why);

#endif
