/* The VRRP state keepalived last gave `lvsdr notify` for a profile, kept
 * beside the ownership record (/run/lvsdr/net-.../notified-<hash>): a
 * track script runs on master and backup alike, and only this tells it
 * whether this host should hold the VIPs (verify --state notified). */
#ifndef LVSDR_NOTIFIED_H
#define LVSDR_NOTIFIED_H

#include <stddef.h>
#include <stdint.h>

#define NOTIFIED_STATE_MAX 16

/* 0, or -errno with err filled. */
int notified_save(const char *profile, const char *state, char *err, size_t errlen);
/* 1 with state filled, 0 when keepalived never notified this profile here,
 * -errno with err filled when the record cannot be read. */
int notified_load(const char *profile, char state[NOTIFIED_STATE_MAX], char *err, size_t errlen);

/* The order in which notify runs of one profile arrived: a ticket, the
 * number in notified-<hash>.seq raised under a short flock as each run
 * starts, before it reads the profile; the state record is written under
 * the same flock, so the last to arrive is the one it keeps. keepalived
 * starts its scripts without waiting, and runs waiting for the lock get it
 * in no particular order: a run whose ticket is no longer the newest gives
 * up (lvsdr(8), KEEPALIVED). 0 with *ticket filled, or -errno with err
 * filled (*ticket is 0 then: order unknown). */
int notified_arrive(const char *profile, const char *state, uint64_t *ticket, char *err, size_t errlen);
/* 1 when a run of this profile arrived after ticket, with its state in
 * newer; 0 when none did; -errno with err filled. */
int notified_newer(const char *profile, uint64_t ticket, char newer[NOTIFIED_STATE_MAX], char *err, size_t errlen);

#endif
