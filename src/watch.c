#include "watch.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static bool listed(uint8_t (*list)[MAC_LEN], size_t n, const uint8_t mac[MAC_LEN])
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(list[i], mac, MAC_LEN))
			return true;
	return false;
}

bool watch_rules_foreign(const struct watch_rules *rules, const uint8_t mac[MAC_LEN])
{
	if (listed(rules->never, rules->nnever, mac))
		return true;
	return rules->nexpected && !listed(rules->expected, rules->nexpected, mac);
}

void watch_rules_add(uint8_t (**list)[MAC_LEN], size_t *n, const uint8_t mac[MAC_LEN])
{
	if (listed(*list, *n, mac))
		return;
	*list = xreallocarray(*list, *n + 1, sizeof(**list));
	memcpy((*list)[(*n)++], mac, MAC_LEN);
}

void watch_rules_free(struct watch_rules *rules)
{
	free(rules->expected);
	free(rules->never);
	memset(rules, 0, sizeof(*rules));
}

struct watch_verdict watch_claim(struct watch_address *a, const struct watch_rules *rules,
				 const uint8_t mac[MAC_LEN], uint64_t now_ms)
{
	struct watch_verdict v = { .foreign = watch_rules_foreign(rules, mac) };

	a->claims++;
	a->foreign += v.foreign;
	if (!a->seen) {
		v.event = WATCH_FIRST;
		a->seen = true;
		memcpy(a->owner, mac, MAC_LEN);
		a->changed_ms = now_ms;
		return v;
	}
	if (!memcmp(a->owner, mac, MAC_LEN)) {
		v.event = WATCH_REPEAT;
		return v;
	}
	memcpy(v.from, a->owner, MAC_LEN);
	if (a->have_previous && !memcmp(a->previous, mac, MAC_LEN) && now_ms - a->changed_ms < LVSDR_WATCH_FLIP_MS) {
		v.event = WATCH_FLIP_FLOP;
		v.after_ms = now_ms - a->changed_ms;
		a->flips++;
	} else {
		v.event = WATCH_CHANGE;
		a->changes++;
	}
	memcpy(a->previous, a->owner, MAC_LEN);
	a->have_previous = true;
	memcpy(a->owner, mac, MAC_LEN);
	a->changed_ms = now_ms;
	return v;
}
