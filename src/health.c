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
