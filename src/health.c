#include "health.h"

bool health_record(struct health_state *st, bool passed, unsigned rise, unsigned fall)
{
	st->checks++;
	if (!passed)
		st->failed++;
	/* A result that agrees with the state breaks the streak against it. */
	if (passed != st->down) {
		st->streak = 0;
		return false;
	}
	if (++st->streak < (st->down ? rise : fall))
		return false;
	st->down = !st->down;
	st->streak = 0;
	return true;
}

bool quorum_record(bool *lost, uint64_t live, unsigned quorum, unsigned hysteresis)
{
	bool now_lost = *lost ? live < (uint64_t)quorum + hysteresis : live + hysteresis < quorum;

	if (now_lost == *lost)
		return false;
	*lost = now_lost;
	return true;
}

uint64_t quorum_live_weight(const struct health_target *t, size_t n, size_t *svc)
{
	uint64_t least = UINT64_MAX;

	/* Targets come service by service (events_health_init()), but any
	 * order is summed right. */
	for (size_t i = 0; i < n; i++) {
		uint64_t live = 0;
		bool first = true;
		for (size_t j = 0; j < n && first; j++)
			first = j >= i || t[j].svc != t[i].svc;
		if (!first)
			continue;
		for (size_t j = i; j < n; j++)
			if (t[j].svc == t[i].svc && !t[j].st.down)
				live += t[j].weight;
		if (live < least) {
			least = live;
			*svc = t[i].svc;
		}
	}
	return least;
}
