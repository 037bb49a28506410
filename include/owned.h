/* Which addresses lvsdr bound, so it removes only those. IPv4 addresses
 * also carry a visible label ("lo:lvsdr"), IPv6 addresses have no labels,
 * so the record under /run/lvsdr/ is what counts for both. One record per
 * network namespace, keyed by its cookie (SO_NETNS_COOKIE), which the kernel
 * never reuses while it runs, unlike the namespace's inode:
 * /run/lvsdr/netns-<cookie>/owned, whose first line names the cookie too. */
#ifndef LVSDR_OWNED_H
#define LVSDR_OWNED_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host.h"
#include "record_file.h"

/* lvsdr events, between its runs: the lock file kept open (locked per
 * run) and the next record's file made ahead, unnamed (O_TMPFILE) with its
 * mode set and the text of the last record saved through a spare already
 * in it (a failover's MASTER saves the same record each time), so that
 * the record saved before a bind costs a link, and a rename when a record
 * was there before. -1: none. */
struct owned_keep {
	int lock_fd;
	/* The run directory and the namespace's, held open (O_PATH) once
	 * judged: each run judges them again by fstat(), no path walked. */
	int dir_fd[2];
	int spare_fd;	 /* unnamed, 0644, holding spare_len bytes of last_text */
	int used_fd;	 /* the spare just named: closed by owned_keep_prepare() */
	char *last_text; /* the last record saved through a spare; NULL: none */
	size_t last_len;
	size_t spare_len; /* 0, or last_len: the spare holds last_text */
};
#define OWNED_KEEP_INIT                                                            \
	{                                                                          \
		.lock_fd = -1, .dir_fd = { -1, -1 }, .spare_fd = -1, .used_fd = -1 \
	}

struct owned_set {
	struct live_addr *entries; /* family, addr, prefix, ifname, owner */
	size_t n, cap;
	bool sorted, dirty;
	/* The canonical path of this run's profile, the owner owned_add()
	 * records (owned_set_profile); NULL until given. Two profiles on one
	 * host share the record, and a run removes only its own entries. */
	const char *self;
	char **owners; /* every profile path the set names, each once */
	size_t nowners;
	/* Per sorted entry: its address was seen in the kernel since
	 * owned_seen_reset(); NULL when not tracked. */
	bool *seen;
	uint64_t cookie; /* of this network namespace; 0: the kernel has none */
	/* The directories were judged by owned_lock() in this run: the
	 * record's read and save do not judge them again (only root can
	 * change a directory that passed, and root needs no trick). */
	bool dir_trusted;
	/* owned_load() found no record (in a failover, BACKUP released
	 * everything): a spare can take the record's name at once. */
	bool absent;
	struct owned_keep *keep; /* the caller's, or NULL */
	char dir[PATH_MAX];	 /* the lock's directory */
	char path[PATH_MAX + 8]; /* the record, "" without a cookie */
	/* A record found that cannot be tied to this namespace (another
	 * cookie, none, or an older lvsdr's inode-keyed one): ignored, and
	 * this says which and why; "" otherwise. */
	char warning[PATH_MAX + 256];
};

/* A missing record is an empty set, and so is one that is not this
 * namespace's (set->warning). A damaged one is refused: -EINVAL with
 * err naming file:line. 0, or -errno with err filled. SET must be zeroed
 * or as owned_init() or a lock left it: the lock's judgement of the run
 * directory (dir_trusted) and a kept lock carry over into the new set. */
int owned_load(struct owned_set *set, char *err, size_t errlen);
/* An empty set that knows where its record lives: enough to take the lock
 * before the record is read. */
void owned_init(struct owned_set *set);
/* The same for a given cookie (0: a kernel without SO_NETNS_COOKIE). */
void owned_init_cookie(struct owned_set *set, uint64_t cookie);
/* The run directory and this namespace's folder in it, judged (real
 * directories nobody but root can change) and, with create, made 0755
 * when missing. 0, -ENOENT when one is missing and !create, or -errno
 * with err naming the directory and what is wrong. */
int owned_dir_ready(const struct owned_set *set, bool create, char *err, size_t errlen);
/* Where a name of the record's directory (the record, its temporary name)
 * is resolved: the directory the events service holds open and judged in
 * this run (owned_lock_kept()), no path walked, else by path. The name to
 * use with the descriptor it sets in *dirfd. */
const char *owned_record_at(const struct owned_set *set, const char *path, int *dirfd);
/* The record's text written: through the caller's kept spare file when it
 * has one (struct owned_keep), else with owned_dir_replace(). */
int owned_record_write(struct owned_set *set, const char *text, size_t len, char *err, size_t errlen);
/* Replace a record of the run directory (owned_dir_ready) with text
 * through file_replace() and "<path>.tmp": 0644, fsynced, renamed. The
 * directory is lvsdr's own, so whatever a killed run, or anyone, left as
 * the temporary file is removed first, never written through. 0, or
 * -errno with *step the step that failed and err "cannot create TMP",
 * "cannot write TMP" or "cannot replace PATH". */
int owned_dir_replace(const char *path, const char *text, size_t len, enum file_replace_step *step, char *err,
		      size_t errlen);
/* This network namespace's cookie, 0 when the kernel gives none (< 5.14). */
uint64_t owned_netns_cookie(void);
/* The run directory: $LVSDR_RUNDIR (so tests keep theirs apart), else
 * /run/lvsdr. */
const char *owned_run_dir(void);
/* The profile whose entries this run adds and may remove: its canonical
 * (realpath) path. -EINVAL with err filled when the record cannot hold it
 * (a newline in the path). */
int owned_set_profile(struct owned_set *set, const char *canonical, char *err, size_t errlen);
bool owned_contains(struct owned_set *set, const struct live_addr *a);
/* The entry for exactly this address (interface, prefix), or NULL. */
const struct live_addr *owned_lookup(struct owned_set *set, const struct live_addr *a);
/* Whether the entry's owner is this run's profile. */
bool owned_by_self(const struct owned_set *set, const struct live_addr *entry);
/* Recorded as owned by set->self, whoever the record named before. */
void owned_add(struct owned_set *set, const struct live_addr *a);
/* owned_add() of each of n distinct addresses, with one sort for all: one
 * by one, each new entry sorts the record again before the next lookup (a
 * takeover of 1,000 VIPs spent 30 ms there before its first bind). */
void owned_add_all(struct owned_set *set, const struct live_addr *addrs, size_t n);
/* a's address and prefix recorded under a name no interface of this
 * namespace has now: the interface was renamed, and the address is still
 * lvsdr's. The entry then takes a's interface name. */
bool owned_contains_renamed(struct owned_set *set, const struct live_addr *a);
/* Entries naming an address the kernel does not hold are claims nobody
 * backs (the record is written before binding, so a run killed mid-way
 * leaves some): owned_seen_reset() before a whole address dump,
 * owned_seen() for each address in it, then owned_prune() drops every
 * entry whose address (on any interface, so a renamed NIC keeps its
 * entries) was not seen, calling note for each. Returns how many. */
void owned_seen_reset(struct owned_set *set);
void owned_seen(struct owned_set *set, const struct live_addr *a);
size_t owned_prune(struct owned_set *set, void (*note)(const struct live_addr *entry, void *arg), void *arg);
void owned_remove(struct owned_set *set, const struct live_addr *a);
/* Written atomically (temporary file, rename). Without a cookie nothing is
 * written, and a set naming an address that has no label (IPv6) is
 * refused: -ENOTSUP with err saying why. */
int owned_save(struct owned_set *set, char *err, size_t errlen);
void owned_free(struct owned_set *set);

/* Serialise every run that changes this namespace (keepalived starts
 * notify scripts concurrently). flock() dies with its holder, so a killed
 * run leaves no stale lock. Returns a descriptor to close, or -errno with
 * err filled after timeout_ms. */
int owned_lock(struct owned_set *set, unsigned timeout_ms, char *err, size_t errlen);
/* The same for a resident caller (lvsdr events) that keeps the lock
 * file open between runs in *kept (-1 at first): only flock() per run.
 * A file unlinked meanwhile (its directory removed) is opened anew, for
 * the other runs lock the new one. Unlocked by owned_unlock_kept(). */
int owned_lock_kept(struct owned_set *set, struct owned_keep *keep, unsigned timeout_ms, char *err, size_t errlen);
void owned_unlock_kept(int fd);
/* Between runs, off an event's path: the spare file made when there is
 * none. Failing, the next save makes its own file as any run does. */
void owned_keep_prepare(struct owned_keep *keep);
void owned_keep_close(struct owned_keep *keep);

/* The label lvsdr gives IPv4 addresses on ifname: "<ifname>:lvsdr", the
 * suffix shortened to fit IFNAMSIZ; "" when the name leaves no room. */
void owned_label(const char *ifname, char label[IF_NAMESIZE]);

#endif
