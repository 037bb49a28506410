/* Opening the files lvsdr keeps or reads as root (its run directory, the
 * profile, the sysctl.d drop-ins) so that what is judged is what was
 * opened: no symbolic link followed where none belongs, nothing but a
 * regular file read (a FIFO would hang the run, a directory read as
 * empty), and modes set explicitly, whatever the caller's umask. */
#ifndef LVSDR_SAFE_OPEN_H
#define LVSDR_SAFE_OPEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* open(path, flags) that never blocks on a FIFO or a device and accepts
 * only a regular file. flags as for open() (add O_NOFOLLOW to refuse a
 * link); a file O_CREAT makes gets mode 0600 (only root opens those). The
 * descriptor, or -errno with err naming path and why: -ENOENT when there
 * is no such file, -EINVAL for a file that is not a regular one, -ELOOP
 * for a link with O_NOFOLLOW. */
int safe_open(const char *path, int flags, char *err, size_t errlen);

/* The same for name relative to dirfd (openat()), path naming it in err. */
int safe_openat(int dirfd, const char *name, const char *path, int flags, char *err, size_t errlen);

/* Why st, which a run as root trusts, could be changed by someone else:
 * owned by a user other than root or us, or writable by others or by a
 * group other than root's. A sticky directory such as /tmp passes when
 * sticky_ok (others cannot replace its entries). NULL when it cannot. */
const char *safe_stat_untrusted(const struct stat *st, bool sticky_ok);

/* A directory lvsdr keeps its records in, judged without following a
 * link: a real directory that nobody but root (or us) can change. 0, or
 * -errno with err naming dir and what is wrong (-ENOENT: missing). */
int safe_dir_trusted(const char *dir, char *err, size_t errlen);

/* The same judgement of st, dir's stat (lstat, or fstat of a descriptor
 * held open): 0, or -errno with err naming dir and what is wrong. */
int safe_dir_stat_trusted(const char *dir, const struct stat *st, char *err, size_t errlen);

/* The name of a file type for messages: "a FIFO", "a directory"... */
const char *safe_file_type(mode_t mode);

#endif
