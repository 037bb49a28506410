/* Carrying out a plan, and undoing it when a step fails. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "lvsdr.h"
#include "sysctl.h"
#include "util.h"

/* A test hook: LVSDR_FAULT_STEP=N makes step N fail before it runs, so the
 * suite can prove rollback at every step on a real kernel. */
static size_t fault_step(void)
{
	const char *v = getenv("LVSDR_FAULT_STEP");
	int n;
	return v && parse_int(v, &n) && n > 0 ? (size_t)n : 0;
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
	address_apply(s->nl, &c, 1);
	return c.error;
}

static void rollback(struct session *s, bool *done, struct execute_result *res)
{
	char what[320];
	size_t undone = 0;

	for (size_t i = s->plan.nsteps; i-- > 0;) {
		const struct step *st = &s->plan.steps[i];
		if (!done[i])
			continue;
		int ret = undo_step(s, st);
		step_describe(st, s->want.ifname, what, sizeof(what));
		if (ret < 0) {
			res->rollback_failures++;
			fprintf(stderr, "%s: rollback: could not undo \"%s\": %s; this change is still in place\n",
				lvsdr_prog, what, strerror(-ret));
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
		fprintf(stderr, "%s: rollback: %s\n", lvsdr_prog, err);
	if (res->rollback_failures)
		fprintf(stderr, "%s: rollback incomplete: %zu change%s could not be undone (listed above)\n", lvsdr_prog,
			res->rollback_failures, res->rollback_failures == 1 ? "" : "s");
	else
		fprintf(stderr, "%s: rolled back %zu change%s; the host is as it was before this run\n", lvsdr_prog,
			undone, undone == 1 ? "" : "s");
}

int plan_execute(struct session *s, bool quiet, struct execute_result *res)
{
	struct plan *p = &s->plan;
	size_t n = p->nsteps, fault = fault_step(), i = 0;
	bool *done = xcalloc(n, sizeof(*done));
	char err[512], what[320];

	memset(res, 0, sizeof(*res));
	/* Record what we are about to bind before binding it: a crash then
	 * leaves a record that names more than is there, never less. */
	for (size_t k = 0; k < n; k++)
		if (p->steps[k].kind == STEP_ADDR_ADD)
			owned_add(&s->owned, &p->steps[k].addr);
	if (owned_save(&s->owned, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s; nothing changed\n", lvsdr_prog, err);
		free(done);
		return LVSDR_EXIT_ERROR;
	}

	while (i < n) {
		const struct step *st = &p->steps[i];
		if (fault && i + 1 == fault) {
			res->failed_step = i + 1;
			snprintf(res->error, sizeof(res->error), "injected fault (LVSDR_FAULT_STEP=%zu)", fault);
			break;
		}
		if (st->kind == STEP_SYSCTL) {
			int ret = run_sysctl(st, s->want.ifname, st->to);
			if (ret < 0) {
				res->failed_step = i + 1;
				snprintf(res->error, sizeof(res->error), "%s", strerror(-ret));
				break;
			}
			done[i++] = true;
			continue;
		}
		/* A run of address changes of one kind goes to the kernel in one
		 * pipelined batch. */
		size_t j = i;
		while (j < n && p->steps[j].kind == st->kind && !(fault && j + 1 == fault))
			j++;
		struct addr_change *changes = xcalloc(j - i, sizeof(*changes));
		for (size_t k = i; k < j; k++)
			changes[k - i] = (struct addr_change){ .add = p->steps[k].kind == STEP_ADDR_ADD,
								.a = p->steps[k].addr };
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
		if (res->failed_step)
			break;
		i = j;
	}

	for (size_t k = 0; k < n; k++)
		res->done += done[k];
	if (res->failed_step) {
		step_describe(&p->steps[res->failed_step - 1], s->want.ifname, what, sizeof(what));
		fprintf(stderr, "%s: %s: step %zu of %zu failed: %s: %s\n", lvsdr_prog, s->profile, res->failed_step, n,
			what, res->error);
		rollback(s, done, res);
		free(done);
		return res->rollback_failures ? LVSDR_EXIT_ROLLBACK_FAILED : LVSDR_EXIT_ERROR;
	}
	for (size_t k = 0; k < n; k++)
		if (p->steps[k].kind == STEP_ADDR_DEL)
			owned_remove(&s->owned, &p->steps[k].addr);
	if (owned_save(&s->owned, err, sizeof(err)) < 0)
		fprintf(stderr, "%s: warning: %s\n", lvsdr_prog, err);
	if (!quiet)
		for (size_t k = 0; k < n; k++) {
			step_describe(&p->steps[k], s->want.ifname, what, sizeof(what));
			printf("  %zu. %s\n", k + 1, what);
		}
	free(done);
	return LVSDR_EXIT_OK;
}

/* CAP_NET_ADMIN is bit 12, CAP_NET_RAW bit 13 (linux/capability.h). */
int privilege_require(bool net_raw)
{
	char line[256];
	uint64_t eff = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "CapEff: %" SCNx64, &eff) == 1)
				break;
		fclose(f);
	}
	bool admin = eff & (1ull << 12), raw = eff & (1ull << 13);
	if (admin && (raw || !net_raw))
		return LVSDR_EXIT_OK;
	fprintf(stderr, "%s: this command changes the network configuration and needs %s%s%s (run it as root); "
		"nothing changed\n", lvsdr_prog, admin ? "" : "CAP_NET_ADMIN", !admin && net_raw && !raw ? " and " : "",
		net_raw && !raw ? "CAP_NET_RAW" : "");
	return LVSDR_EXIT_ERROR;
}
