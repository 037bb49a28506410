/* Carrying out a plan, and undoing it when a step fails. */
#include <errno.h>
#include <stdint.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "execute_ipvs.h"
#include "exit_status.h"
#include "progname.h"
#include "state.h"
#include "sysctl.h"
#include "syslog_mirror.h"
#include "util.h"

/* A test hook: LVSDR_FAULT_STEP=N makes step N fail before it runs, so the
 * suite can prove rollback at every step on a real kernel. */
static size_t fault_step(void)
{
	const char *v = getenv("LVSDR_FAULT_STEP");
	int n;
	return v && parse_int(v, &n) && n > 0 ? (size_t)n : 0;
}

/* Another test hook: LVSDR_TEST_STEP_DELAY_MS=N sleeps before every step and
 * sends addresses one at a time, so a test can signal a run mid-way. */
static unsigned step_delay_ms(void)
{
	const char *v = getenv("LVSDR_TEST_STEP_DELAY_MS");
	int n;
	return v && parse_int(v, &n) && n > 0 ? (unsigned)n : 0;
}

/* A third, for tests that must act between two steps whatever the load:
 * LVSDR_TEST_STEP_GATE=DIR makes the run, before step N, create DIR/at-N
 * and wait (up to 60 s) for DIR/go-N or DIR/open. The test sees exactly
 * which step is next while the run stands still; a delay only makes that
 * likely. Like the delay, it sends addresses one at a time. N counts the
 * steps of the process, so in lvsdr events the steps of every event are
 * numbered in turn and a test can stop the service before any of them. */
static const char *step_gate_dir(void)
{
	const char *v = getenv("LVSDR_TEST_STEP_GATE");
	return v && *v ? v : NULL;
}

static void step_gate_wait(const char *dir)
{
	static size_t step; /* the steps this process ran, across plans */
	char at[4096], go[4096], open_all[4096];
	struct timespec tick = { 0, 10 * 1000000L };

	step++;
	snprintf(at, sizeof(at), "%s/at-%zu", dir, step);
	snprintf(go, sizeof(go), "%s/go-%zu", dir, step);
	snprintf(open_all, sizeof(open_all), "%s/open", dir);
	if (access(open_all, F_OK) == 0)
		return;
	FILE *f = fopen(at, "w");
	if (f)
		fclose(f);
	for (int i = 0; i < 6000 && access(go, F_OK) != 0 && access(open_all, F_OK) != 0; i++)
		nanosleep(&tick, NULL);
}

/* The signals that abort a run. They stay blocked while the plan runs and
 * are polled between steps, so a step is never cut in half and the undo
 * runs in our own context instead of a handler's. */
static void abort_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

/* The abort signal waiting for us, taken off the queue; 0 for none. A
 * resident run (lvsdr events) leaves them to its loop: it finishes the
 * event it is on, then answers them. */
static int abort_signal_pending(const struct session *s)
{
	sigset_t set, pending;
	struct timespec now = { 0, 0 };

	if (s->resident)
		return 0;
	abort_signals(&set);
	if (sigpending(&pending) < 0)
		return 0;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&set, sig) && sigismember(&pending, sig)) {
			sigset_t one;
			sigemptyset(&one);
			sigaddset(&one, sig);
			sigtimedwait(&one, NULL, &now);
			return sig;
		}
	return 0;
}

static int live_addr_compare(const void *pa, const void *pb)
{
	const struct live_addr *a = pa, *b = pb;
	int c = ipaddr_compare(&a->ip, &b->ip);
	if (c)
		return c;
	if (a->ip.prefix != b->ip.prefix)
		return a->ip.prefix - b->ip.prefix;
	if (a->ifindex != b->ifindex)
		return a->ifindex - b->ifindex;
	return strcmp(a->label, b->label);
}

/* Whether two lists hold the same addresses (or local routes), in any
 * order; now is sorted in place. */
static bool same_addresses(const struct live_addr *was, size_t nwas, struct live_addr *now, size_t nnow)
{
	bool same = nwas == nnow;

	if (same && nnow) {
		struct live_addr *before = xcalloc(nnow, sizeof(*before));
		memcpy(before, was, nnow * sizeof(*before));
		sort_array(before, nnow, sizeof(*before), live_addr_compare);
		sort_array(now, nnow, sizeof(*now), live_addr_compare);
		for (size_t i = 0; i < nnow && same; i++)
			same = !live_addr_compare(&before[i], &now[i]);
		free(before);
	}
	return same;
}

/* After a rollback, read the kernel again and compare with what it held
 * before the run: the knobs in every scope and the addresses that matter. */
static bool rollback_confirmed(struct session *s)
{
	struct host now;
	char err[512];
	bool same = true;

	/* The NIC is gone: what it held went with it and cannot be compared;
	 * the rest was checked step by step by the undo. */
	if (!if_nametoindex(s->want.ifname))
		return true;
	if (state_read(&s->want, s->nl, &s->owned, &now, err, sizeof(err)) < 0) {
		lvsdr_warnx("rollback: cannot read the state again: %s", err);
		return false;
	}
	for (int k = 0; k < KNOB_COUNT; k++)
		for (int sc = 0; sc < SCOPE_COUNT; sc++) {
			const struct knob_values *was = &s->live.knobs[k], *is = &now.knobs[k];
			if (is->present[sc] == was->present[sc] && (!is->present[sc] || is->value[sc] == was->value[sc]))
				continue;
			if (is->present[sc] && was->present[sc])
				lvsdr_warnx("rollback: conf/%s/%s is %d, was %d",
					    sc == SCOPE_DEV ? s->want.ifname : scope_names[sc], knob_table[k].sysctl,
					    is->value[sc], was->value[sc]);
			else
				lvsdr_warnx("rollback: conf/%s/%s %s",
					    sc == SCOPE_DEV ? s->want.ifname : scope_names[sc], knob_table[k].sysctl,
					    is->present[sc] ? "appeared" : "is gone");
			same = false;
		}
	bool addrs_same = same_addresses(s->live.addrs, s->live.naddrs, now.addrs, now.naddrs) &&
			  same_addresses(s->live.routes, s->live.nroutes, now.routes, now.nroutes);
	if (!addrs_same) {
		lvsdr_warnx("rollback: the addresses or local routes differ from what they were before "
			    "this run");
		same = false;
	}
	host_free(&now);
	return same;
}

static int run_sysctl(const struct step *st, const char *ifname, int value)
{
	return sysctl_write(sysctl_scope_dir(st->scope, ifname), knob_table[st->knob].sysctl, value);
}

/* Undo one step. Returns 0 or -errno. */
static int undo_step(struct session *s, const struct step *st)
{
	struct addr_change c = { .add = st->kind == STEP_ADDR_DEL, .a = st->addr };

	if (st->kind == STEP_SYSCTL)
		return run_sysctl(st, s->want.ifname, st->from);
	if (st->kind == STEP_IPVS)
		return ipvs_undo(s, st);
	address_apply(s->nl, &c, 1);
	return c.error;
}

/* Whether a step's change went away with its interface: the undo then
 * has nothing to undo (conf/<nic> and the addresses on it are gone). */
static bool vanished_with_interface(const struct session *s, const struct step *st, int ret)
{
	const char *ifname = st->kind == STEP_IPVS     ? NULL
			     : st->kind == STEP_SYSCTL ? (st->scope == SCOPE_DEV ? s->want.ifname : NULL)
						       : st->addr.ifname;

	return ifname && (ret == -ENODEV || ret == -ENOENT) && !if_nametoindex(ifname);
}

static void rollback(struct session *s, bool *done, struct execute_result *res)
{
	char what[320];
	size_t undone = 0, vanished = 0;

	for (size_t i = s->plan.nsteps; i-- > 0;) {
		const struct step *st = &s->plan.steps[i];
		if (!done[i])
			continue;
		int ret = undo_step(s, st);
		step_describe(&s->plan, st, what, sizeof(what));
		if (ret < 0 && vanished_with_interface(s, st, ret)) {
			lvsdr_warnx("rollback: \"%s\" went away with its interface, which no longer exists",
				    what);
			done[i] = false;
			vanished++;
		} else if (ret < 0) {
			res->rollback_failures++;
			lvsdr_warnx("rollback: could not undo \"%s\": %s; this change is still in place",
				    what, strerror(-ret));
		} else {
			done[i] = false;
			undone++;
		}
	}
	/* The record named every address this run meant to bind; keep only
	 * those still bound because their undo failed. */
	for (size_t i = 0; i < s->plan.nsteps; i++) {
		const struct step *st = &s->plan.steps[i];
		if (st->kind == STEP_ADDR_ADD && !done[i])
			owned_remove(&s->owned, &st->addr);
	}
	char err[512];
	if (owned_save(&s->owned, err, sizeof(err)) < 0)
		lvsdr_warnx("rollback: %s", err);
	ipvs_record_after(s, done, false);
	if (res->rollback_failures)
		lvsdr_warnx("rollback incomplete: %zu change%s could not be undone (listed above)",
			    res->rollback_failures, res->rollback_failures == 1 ? "" : "s");
	else if (vanished)
		lvsdr_warnx("rolled back %zu change%s; %zu went away with the interface", undone,
			    undone == 1 ? "" : "s", vanished);
	else
		lvsdr_warnx("rolled back %zu change%s; the host is as it was before this run",
			    undone, undone == 1 ? "" : "s");
	res->vanished = vanished;
}

/* With a hook for binds (a takeover announcing as it goes), a run of binds
 * goes in batches that double from 1 up to the netlink pipeline's window
 * (nl_seq.c): the first VIP is announced after one bind rather than after
 * all of them, and a full batch costs no round trip the pipeline would not
 * make anyway. */
#define BIND_BATCH_MAX 64

/* Steps [i, j), address changes of one kind, as one pipelined batch. 0 when
 * every one is done; else the failed step is in res and what was done is
 * marked in done. */
static size_t run_addresses(struct session *s, size_t i, size_t j, bool *done, struct execute_result *res)
{
	const struct plan *p = &s->plan;
	struct addr_change *changes = xcalloc(j - i, sizeof(*changes));

	for (size_t k = i; k < j; k++)
		changes[k - i] = (struct addr_change){ .add = p->steps[k].kind == STEP_ADDR_ADD, .a = p->steps[k].addr };
	address_apply(s->nl, changes, j - i);
	for (size_t k = i; k < j; k++) {
		if (changes[k - i].done && !changes[k - i].error) {
			done[k] = true;
		} else if (!res->failed_step) {
			res->failed_step = k + 1;
			snprintf(res->error, sizeof(res->error), "%s",
				 changes[k - i].error ? strerror(-changes[k - i].error) : "no answer from the kernel");
		}
	}
	free(changes);
	return res->failed_step;
}

/* The addresses steps [from, to) bind, into the ownership record (not
 * saved). */
static void record_binds(struct session *s, size_t from, size_t to)
{
	const struct plan *p = &s->plan;
	struct live_addr *binds = xcalloc(to - from + 1, sizeof(*binds));
	size_t nbinds = 0;

	for (size_t k = from; k < to; k++)
		if (p->steps[k].kind == STEP_ADDR_ADD)
			binds[nbinds++] = p->steps[k].addr;
	owned_add_all(&s->owned, binds, nbinds);
	free(binds);
}

/* How far the record reaches before the first change: every bind; with a
 * hook for binds (a takeover) only the first, so that its first frame
 * waits for no record of 1,000 VIPs. The rest is recorded, once, before
 * the second batch goes (plan_execute()). */
static size_t record_first_reach(const struct session *s)
{
	for (size_t k = 0; s->on_bound && k < s->plan.nsteps; k++)
		if (s->plan.steps[k].kind == STEP_ADDR_ADD)
			return k + 1;
	return s->plan.nsteps;
}

/* Keep the record: what we are about to bind is recorded before it is
 * bound, so a crash leaves a record that names more than is there, never
 * less. Nothing has changed yet when this fails. */
static int record_before(struct session *s, size_t recorded)
{
	char err[512];

	record_binds(s, 0, recorded);
	if (owned_save(&s->owned, err, sizeof(err)) < 0 || ipvs_record_before(s, err, sizeof(err)) < 0) {
		lvsdr_warnx("%s; nothing changed", err);
		return -1;
	}
	return 0;
}

/* Keep the record ahead of the binds: a batch that reaches past what the
 * first save covered (record_first_reach()) waits for the rest of the
 * plan's binds to be recorded, once. */
static int record_ahead(struct session *s, size_t *recorded, size_t i, size_t j, struct execute_result *res)
{
	if (j <= *recorded)
		return 0;
	record_binds(s, *recorded, s->plan.nsteps);
	*recorded = s->plan.nsteps;
	if (owned_save(&s->owned, res->error, sizeof(res->error)) < 0) {
		res->failed_step = i + 1;
		return -1;
	}
	return 0;
}

/* Whether step i must not run: an abort signal arrived, or the test hook
 * makes it fail. Says why in res. */
static bool step_stopped(const struct session *s, size_t i, size_t fault, struct execute_result *res)
{
	int sig;

	if ((sig = abort_signal_pending(s))) {
		res->failed_step = i + 1;
		snprintf(res->error, sizeof(res->error), "interrupted by SIG%s before it ran", sigabbrev_np(sig));
		return true;
	}
	if (fault && i + 1 == fault) {
		res->failed_step = i + 1;
		snprintf(res->error, sizeof(res->error), "injected fault (LVSDR_FAULT_STEP=%zu)", fault);
		return true;
	}
	return false;
}

/* Run the steps in order until one fails (res->failed_step) or all are
 * done, marking each in done[] for the rollback. */
static void run_steps(struct session *s, bool *done, size_t recorded, struct execute_result *res)
{
	const struct plan *p = &s->plan;
	size_t n = p->nsteps, fault = fault_step(), i = 0, bind_batch = 1;
	unsigned delay_ms = step_delay_ms();
	const char *gate = step_gate_dir();
	bool one_by_one = delay_ms || gate;

	while (i < n) {
		const struct step *st = &p->steps[i];
		if (delay_ms) {
			struct timespec ts = { delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L };
			nanosleep(&ts, NULL);
		}
		if (gate)
			step_gate_wait(gate);
		if (step_stopped(s, i, fault, res))
			return;
		if (st->kind == STEP_SYSCTL) {
			int ret = run_sysctl(st, s->want.ifname, st->to);
			if (ret < 0) {
				res->failed_step = i + 1;
				snprintf(res->error, sizeof(res->error), "%s", strerror(-ret));
				return;
			}
			done[i++] = true;
			continue;
		}
		/* A run of address changes of one kind goes to the kernel in one
		 * pipelined batch; so does a run of IPVS changes. */
		size_t j = i;
		while (j < n && p->steps[j].kind == st->kind && !(fault && j + 1 == fault) && !(one_by_one && j > i))
			j++;
		if (st->kind == STEP_IPVS) {
			res->failed_step = ipvs_run(s, i, j, done, res->error, sizeof(res->error));
			if (res->failed_step)
				return;
			i = j;
			continue;
		}
		if (st->kind == STEP_ADDR_ADD && s->on_bound && j - i > bind_batch)
			j = i + bind_batch;
		if (record_ahead(s, &recorded, i, j, res) < 0 || run_addresses(s, i, j, done, res))
			return;
		mark_note("bind");
		if (st->kind == STEP_ADDR_ADD && s->on_bound) {
			s->on_bound(s->on_bound_arg, &p->steps[i], j - i);
			bind_batch = bind_batch * 2 < BIND_BATCH_MAX ? bind_batch * 2 : BIND_BATCH_MAX;
		}
		i = j;
	}
}

/* Roll back after a failed step: say which step and why, undo what was
 * done, and check the undo against the kernel. Returns the exit status. */
static int roll_back_run(struct session *s, bool *done, struct execute_result *res)
{
	const struct plan *p = &s->plan;
	char what[320];

	step_describe(p, &p->steps[res->failed_step - 1], what, sizeof(what));
	lvsdr_warnx("%s: step %zu of %zu failed: %s: %s", s->profile, res->failed_step, p->nsteps,
		    what, res->error);
	if (!if_nametoindex(s->want.ifname))
		lvsdr_warnx("%s no longer exists: it was deleted during this run",
			    s->want.ifname);
	rollback(s, done, res);
	if (!res->rollback_failures && (!rollback_confirmed(s) || !ipvs_rollback_confirmed(s)))
		res->rollback_failures++;
	/* Signals that arrived during the rollback are answered by it. */
	while (abort_signal_pending(s))
		;
	return res->rollback_failures ? LVSDR_EXIT_ROLLBACK_FAILED : LVSDR_EXIT_ERROR;
}

/* Keep the record after a run that completed: forget the addresses it
 * removed, then list the steps (and mirror them to syslog). */
static void record_after(struct session *s, const bool *done, bool quiet)
{
	const struct plan *p = &s->plan;
	char err[512], what[320];

	for (size_t k = 0; k < p->nsteps; k++)
		if (p->steps[k].kind == STEP_ADDR_DEL)
			owned_remove(&s->owned, &p->steps[k].addr);
	if (owned_save(&s->owned, err, sizeof(err)) < 0)
		lvsdr_warnx("warning: %s", err);
	ipvs_record_after(s, done, true);
	for (size_t k = 0; k < p->nsteps && (!quiet || syslog_mirror_active()); k++) {
		step_describe(p, &p->steps[k], what, sizeof(what));
		if (!quiet)
			printf("  %zu. %s\n", k + 1, what);
		syslog_note("%s: %s", s->profile, what);
	}
}

/* Run, record, roll back: abort signals stay blocked throughout (polled
 * between steps, abort_signals()) and the record is kept ahead of the
 * kernel at every step. */
int plan_execute(struct session *s, bool quiet, struct execute_result *res)
{
	size_t n = s->plan.nsteps, recorded = record_first_reach(s);
	bool *done = xcalloc(n, sizeof(*done));
	sigset_t blocked, saved;
	int sig, status = LVSDR_EXIT_OK;

	memset(res, 0, sizeof(*res));
	abort_signals(&blocked);
	/* A resident caller keeps them blocked for good (signalfd): two
	 * system calls saved, one of them before the first bind. */
	if (!s->resident)
		sigprocmask(SIG_BLOCK, &blocked, &saved);
	if (record_before(s, recorded) < 0) {
		status = LVSDR_EXIT_ERROR;
		goto out;
	}
	mark_note("record saved");
	run_steps(s, done, recorded, res);
	/* A signal during the last step still aborts: the run is not over
	 * until the record says so. */
	if (!res->failed_step && n && (sig = abort_signal_pending(s))) {
		res->failed_step = n;
		snprintf(res->error, sizeof(res->error), "interrupted by SIG%s", sigabbrev_np(sig));
	}
	for (size_t k = 0; k < n; k++)
		res->done += done[k];
	if (res->failed_step)
		status = roll_back_run(s, done, res);
	else
		record_after(s, done, quiet);
out:
	free(done);
	if (!s->resident)
		sigprocmask(SIG_SETMASK, &saved, NULL);
	return status;
}
