/* The IPVS steps of a plan, for src/execute.c: run, undo, and what the
 * ownership record learns from them. */
#ifndef LVSDR_EXECUTE_IPVS_H
#define LVSDR_EXECUTE_IPVS_H

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"

/* Before any change: record the services this run is about to create, so
 * a crash leaves a record that names more than is there, never less. */
int ipvs_record_before(struct session *s, char *err, size_t errlen);
/* Steps [i, j) (all STEP_IPVS) in one pipelined batch; done[k] set for
 * each that the kernel took. Returns the 1-based number of the first that
 * failed, with its error in err, or 0. */
size_t ipvs_run(struct session *s, size_t i, size_t j, bool *done, char *err, size_t errlen);
/* Undo one IPVS step: 0 or -errno. */
int ipvs_undo(struct session *s, const struct step *st);
/* After the run (ok) or its rollback (!ok): the record matches what is
 * done, and is saved. */
void ipvs_record_after(struct session *s, const bool *done, bool ok);
/* After a rollback: the table reads as it did before the run. */
bool ipvs_rollback_confirmed(struct session *s);

#endif
