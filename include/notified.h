/* The VRRP state keepalived last gave `lvsdr notify` for a profile, kept
 * beside the ownership record (/run/lvsdr/net-.../notified-<hash>): a
 * track script runs on master and backup alike, and only this tells it
 * whether this host should hold the VIPs (verify --state notified). */
#ifndef LVSDR_NOTIFIED_H
#define LVSDR_NOTIFIED_H

#include <stddef.h>

#define NOTIFIED_STATE_MAX 16

/* 0, or -errno with err filled. */
int notified_save(const char *profile, const char *state, char *err, size_t errlen);
/* 1 with state filled, 0 when keepalived never notified this profile here,
 * -errno with err filled when the record cannot be read. */
int notified_load(const char *profile, char state[NOTIFIED_STATE_MAX], char *err, size_t errlen);

#endif
