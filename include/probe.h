/* Who answers for an address on the segment: broadcast probes for each
 * address, every answer collected for a bounded time, and a verdict per
 * address. Used by lvsdr probe and by the conflict check of takeover. */
#ifndef LVSDR_PROBE_H
#define LVSDR_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frames.h"
#include "host.h"

/* lvsdr probe: 3 probes per address over the first half of 500 ms. */
#define LVSDR_PROBE_COUNT 3
#define LVSDR_PROBE_WAIT_MS 500
/* The conflict check of takeover: 2 probes over the first half of 200 ms,
 * the whole delay a takeover waits when [garp] conflict is not off. A
 * host on the same link answers well within a millisecond. */
#define LVSDR_CONFLICT_COUNT 2
#define LVSDR_CONFLICT_WAIT_MS 200

/* The interface to probe or watch: nic_lookup(), and it must be Ethernet.
 * 0, or -1 with err filled. */
int probe_nic_lookup(const char *ifname, struct nic *nic, char *err, size_t errlen);

enum probe_verdict {
	PROBE_OK,	   /* exactly one MAC answered, the expected one if known */
	PROBE_NO_OWNER,	   /* nobody answered */
	PROBE_LEAK,	   /* the expected owner and others answered */
	PROBE_WRONG_OWNER, /* the expected owner did not answer, others did */
	PROBE_CONFLICT,	   /* several answered and no owner is expected */
	PROBE_VERDICT_COUNT
};
extern const char *const probe_verdict_words[PROBE_VERDICT_COUNT];

enum expected_from { EXPECTED_NONE,
		     EXPECTED_OPTION,
		     EXPECTED_THIS_HOST };

struct responder {
	uint8_t mac[MAC_LEN];
	bool this_host; /* the address is bound on the probed interface here */
};

struct probe_target {
	struct ip_addr ip; /* a host address: prefix unused */
	enum expected_from expected_from;
	uint8_t expected[MAC_LEN];
	struct responder *responders;
	size_t nresponders, cap;
	enum probe_verdict verdict;
};

void probe_target_init(struct probe_target *t, const struct ip_addr *a);
void probe_add_responder(struct probe_target *t, const uint8_t mac[MAC_LEN], bool this_host);
bool probe_is_expected(const struct probe_target *t, const uint8_t mac[MAC_LEN]);
enum probe_verdict probe_judge(const struct probe_target *t);
void probe_targets_free(struct probe_target *t, size_t n);

struct probe_timing {
	unsigned count;	  /* probes per address */
	unsigned wait_ms; /* answers are collected this long after the first probe */
};

struct garp_sender;
/* Probe every target on nic and fill in its responders (sorted) and
 * verdict. rx is a descriptor from frames_open() on the same interface,
 * opened before. unspecified: probe from 0.0.0.0 and ::, so that no
 * neighbour learns anything; otherwise from the interface's own IPv4
 * address (one that is not a target) and its link-local address, as a
 * client would ask. A target bound on the interface here counts this
 * host's MAC as an answer, since the kernel never answers its own probe.
 * 0, or -errno with err filled. */
int probe_run(struct garp_sender *g, int rx, const struct nic *nic, struct probe_target *targets, size_t n,
	      const struct probe_timing *timing, bool unspecified, char *err, size_t errlen);

/* Who else answers for each VIP of a director (apply and verify, before
 * they plan): every VIP, bound here or not, probed the way of the conflict
 * check (from the unspecified address, LVSDR_CONFLICT_WAIT_MS), on the NIC
 * of live, a state just read. holders[i] for want->vips[i]; answers from
 * any interface of this host are not counted. Opens its own sockets
 * (CAP_NET_RAW). 0, or -1 with err filled. */
int probe_vip_holders(const struct host *want, const struct host *live, struct vip_holder *holders, char *err,
		      size_t errlen);

#endif
