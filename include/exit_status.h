/* The exit statuses every command shares (lvsdr(8), EXIT STATUS). In util:
 * the engine reports a run's outcome in these words to the commands. */
#ifndef LVSDR_EXIT_STATUS_H
#define LVSDR_EXIT_STATUS_H

enum lvsdr_exit {
	LVSDR_EXIT_OK = 0,		/* success, or in sync */
	LVSDR_EXIT_DRIFT = 1,		/* verify: live state differs from the profile */
	LVSDR_EXIT_ERROR = 2,		/* bad input, bad usage, or a failure rolled back */
	LVSDR_EXIT_ROLLBACK_FAILED = 3, /* a failure whose rollback failed too: state is listed */
};

#endif
