/* What the exchanges of the path check share: the run's packet socket and
 * state, and the rounds of send and receive that the MAC resolution, the
 * probes (pathcheck_probes.c) and the ping of silent real servers
 * (pathcheck_echo.c) all go through, each a phase of the machine in
 * pathcheck_run.c. Private to those files. */
#ifndef LVSDR_PATHCHECK_EXCHANGE_H
#define LVSDR_PATHCHECK_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "pathcheck_run.h"

struct pathcheck_wire {
	const struct pathcheck_job *job;
	int fd; /* probes and answers */
	uint8_t mac[6];
	uint16_t ip_id;
	uint64_t max_rtt_ns;
};

/* One exchange on a packet socket, driven by its caller's clock: round k
 * of 1 + retries goes out at probe_send_offset_ms() for the items still
 * pending, the caller hands it the frames read from fd in between, and it
 * ends at the timeout, or once nothing is pending and linger() has passed.
 * receive() counts an item it completes off pending. */
struct exchange {
	struct pathcheck_wire *wire;
	int fd; /* where its answers arrive */
	void *items;
	size_t n, pending;
	int (*send)(struct exchange *x, unsigned round, uint64_t now, char *err, size_t errlen);
	int (*receive)(struct exchange *x, const uint8_t *frame, size_t len, uint64_t now, char *err, size_t errlen);
	uint64_t (*linger)(const struct exchange *x); /* NULL: none */
	uint64_t start, end;			      /* set by exchange_begin() */
	unsigned next;				      /* the round to send next */
};
void exchange_begin(struct exchange *x, uint64_t now);
/* Send the rounds due at now. 1 when the exchange is over, 0 when not
 * (*wake: when it next has something to do without a frame), -1 with err
 * filled. */
int exchange_advance(struct exchange *x, uint64_t now, uint64_t *wake, char *err, size_t errlen);

/* The probes, PATHCHECK_BATCH at most in flight (each holds a socket for
 * its source port): one batch after the other, each an exchange. */
struct probe_batch;
struct probe_batch *probe_batch_new(void);
/* The next batch of the results that have a MAC, x set up for it: 1, 0
 * when none is left, -1 with err filled. */
int probe_batch_next(struct probe_batch *b, struct pathcheck_wire *w, struct pathcheck_result *res, size_t n,
		     struct exchange *x, char *err, size_t errlen);
/* The batch's exchange is over: the silent probes are not accepted (their
 * detail waits for the ping), their ports free again. */
void probe_batch_end(struct probe_batch *b);
void probe_batch_free(struct probe_batch *b);

/* Tell a real server that does not take the VIP from one whose answers
 * never reach us: ping every real server whose probes met silence
 * (echo_begin() sets x up; x->n is 0 when none did), then echo_end()
 * writes the detail of each silent result. */
struct echo_round;
struct echo_round *echo_begin(struct pathcheck_wire *w, const struct pathcheck_result *res, size_t n,
			      struct exchange *x);
void echo_end(struct echo_round *e, struct pathcheck_result *res, size_t n);
void echo_free(struct echo_round *e);

#endif
