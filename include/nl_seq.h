/* Netlink requests whose answers are told apart by sequence number, on a
 * socket that may still hold the late answers of earlier requests: a dump
 * read to its own end, and changes sent pipelined. Shared by the rtnetlink
 * address code and the IPVS facade; <netlink/...> stays out of headers. */
#ifndef LVSDR_NL_SEQ_H
#define LVSDR_NL_SEQ_H

#include <stddef.h>

struct nl_sock;
struct nl_msg;
struct nlmsghdr;

/* Send msg, a dump request, on sock and hand each message of its answer to
 * each(); answers to other requests are skipped. 0 at the dump's end; a
 * negative libnl code (-NLE_DUMP_INTR: the kernel's data changed while it
 * was sent, ask again); or -NLE_FAILURE with *kernel_error set to the
 * kernel's -errno for the request. */
int nl_dump_run(struct nl_sock *sock, struct nl_msg *msg, void (*each)(struct nlmsghdr *h, void *arg), void *arg,
		int *kernel_error);

/* Send requests 0..n-1, built by build() (0 or a negative libnl code),
 * PIPELINE_WINDOW at a time, reading each window's answers before the next:
 * answer(i, 0 or the kernel's -errno) once per request answered. A request
 * that cannot be built or sent gets answer(i, -EIO) and ends the run: the
 * rest must not run ahead of it. Returns the number of requests sent. */
size_t nl_pipeline_run(struct nl_sock *sock, size_t n, int (*build)(void *ctx, size_t i, struct nl_msg **msg),
		       void (*answer)(void *ctx, size_t i, int error), void *ctx);

#endif
