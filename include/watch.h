/* What lvsdr watch makes of the claims it sees: per address, who owns it
 * now, who did before, and whether a claim comes from a MAC that should
 * never claim it. No I/O here, so the judgement is unit-tested. */
#ifndef LVSDR_WATCH_H
#define LVSDR_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frames.h"
#include "host.h"

/* Ownership that returns to the previous owner within this time is a
 * flip-flop: a leaking real server and its director take turns, or two
 * hosts fight over the address. */
#define LVSDR_WATCH_FLIP_MS 60000

struct watch_address {
	struct vip vip; /* first, so vip_compare() sorts and finds these */
	bool seen;
	uint8_t owner[MAC_LEN]; /* the MAC of the last claim */
	bool have_previous;
	uint8_t previous[MAC_LEN]; /* the owner before the last change */
	uint64_t changed_ms;	   /* when the owner last changed */
	unsigned long claims, foreign, flips, changes;
};

struct watch_rules {
	uint8_t (*expected)[MAC_LEN]; /* when any: every other MAC is foreign */
	size_t nexpected;
	uint8_t (*never)[MAC_LEN]; /* foreign whatever the expectations (a real server's own MAC) */
	size_t nnever;
};

enum watch_event {
	WATCH_FIRST,	 /* the first claim seen for the address */
	WATCH_REPEAT,	 /* the owner claims it again */
	WATCH_CHANGE,	 /* another MAC claims it */
	WATCH_FLIP_FLOP, /* the previous owner claims it back within LVSDR_WATCH_FLIP_MS */
};

struct watch_verdict {
	enum watch_event event;
	bool foreign;
	uint8_t from[MAC_LEN]; /* CHANGE, FLIP_FLOP: the owner before this claim */
	uint64_t after_ms;     /* FLIP_FLOP: time since it lost the address */
};

bool watch_rules_foreign(const struct watch_rules *rules, const uint8_t mac[MAC_LEN]);
void watch_rules_add(uint8_t (**list)[MAC_LEN], size_t *n, const uint8_t mac[MAC_LEN]);
void watch_rules_free(struct watch_rules *rules);

/* Account one claim by mac at now_ms (any monotonic clock in ms). */
struct watch_verdict watch_claim(struct watch_address *a, const struct watch_rules *rules,
				 const uint8_t mac[MAC_LEN], uint64_t now_ms);

#endif
