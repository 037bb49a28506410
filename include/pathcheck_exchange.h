/* What the two exchanges of the path check share: the run's packet socket
 * and state, and the rounds of send and receive that the probes
 * (pathcheck_run.c) and the ping of silent real servers (pathcheck_echo.c)
 * both go through. Private to those two files. */
#ifndef LVSDR_PATHCHECK_EXCHANGE_H
#define LVSDR_PATHCHECK_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "pathcheck_run.h"

struct pathcheck_wire {
	const struct pathcheck_job *job;
	int fd;                   /* probes and answers */
	uint8_t mac[6];
	uint16_t ip_id;
	uint64_t max_rtt_ns;
};

/* One exchange on the packet socket, for the probes and for the pings:
 * round k of 1 + retries goes out at probe_send_offset_ms() for the items
 * still pending, frames are read in between, and it ends at the timeout,
 * or once nothing is pending and linger() has passed. receive() counts an
 * item it completes off pending. */
struct exchange {
	struct pathcheck_wire *wire;
	void *items;
	size_t n, pending;
	int (*send)(struct exchange *x, unsigned round, uint64_t now, char *err, size_t errlen);
	int (*receive)(struct exchange *x, const uint8_t *frame, size_t len, uint64_t now, char *err, size_t errlen);
	uint64_t (*linger)(const struct exchange *x); /* NULL: none */
};
int exchange_run(struct exchange *x, char *err, size_t errlen);

/* Tell a real server that does not take the VIP from one whose answers
 * never reach us: ping every real server whose probes met silence, then
 * write the detail of each silent result. 0, or -1 with err filled. */
int echo_check(struct pathcheck_wire *run, struct pathcheck_result *res, size_t n, char *err, size_t errlen);

#endif
