/* A netlink dump told apart from other answers by its sequence number
 * (include/nl_dump.h). */
#include "nl_seq.h"

#include <errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <stdbool.h>
#include <stdlib.h>

#include "util.h"

struct dump {
	uint32_t seq;
	bool done; /* this dump's NLMSG_DONE was read */
	int error; /* the kernel's -errno for the request */
	void (*each)(struct nlmsghdr *h, void *arg);
	void *arg;
};

static int on_dumped(struct nl_msg *msg, void *arg)
{
	struct dump *d = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);

	if (h->nlmsg_seq != d->seq)
		return NL_SKIP;
	d->each(h, d->arg);
	return NL_OK;
}

/* The dump's own error ends it; an earlier request's is not ours. */
static int on_dump_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct dump *d = arg;

	(void)who;
	if (e->msg.nlmsg_seq != d->seq)
		return NL_SKIP;
	d->error = e->error < 0 ? e->error : -EIO;
	return NL_STOP;
}

static int on_dump_end(struct nl_msg *msg, void *arg)
{
	struct dump *d = arg;

	if (nlmsg_hdr(msg)->nlmsg_seq != d->seq)
		return NL_OK;
	d->done = true;
	return NL_STOP;
}

int nl_dump_run(struct nl_sock *sock, struct nl_msg *msg, void (*each)(struct nlmsghdr *h, void *arg), void *arg,
		int *kernel_error)
{
	struct dump d = { .each = each, .arg = arg };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret = cb ? nl_send_auto(sock, msg) : -NLE_NOMEM;

	*kernel_error = 0;
	if (ret >= 0) {
		d.seq = nlmsg_hdr(msg)->nlmsg_seq;
		nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_dumped, &d);
		/* Told apart above: a change's late acknowledgement must not end the dump. */
		nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, NULL, NULL);
		nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_dump_end, &d);
		nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_dump_end, &d);
		nl_cb_err(cb, NL_CB_CUSTOM, on_dump_error, &d);
		/* nl_recvmsgs() returns after a datagram that holds no part of a
		 * multipart answer, such as a stray acknowledgement: read on
		 * until this dump's own end. */
		do
			ret = nl_recvmsgs(sock, cb);
		while (ret >= 0 && !d.done && !d.error);
		if (ret >= 0 && d.error) {
			*kernel_error = d.error;
			ret = -NLE_FAILURE;
		}
	}
	nl_cb_put(cb);
	return ret;
}

/* Changes in flight before we stop to read the answers: bounded so the
 * acks never overflow the socket's receive buffer. */
#define PIPELINE_WINDOW 64

struct pipeline {
	uint32_t first_seq;
	size_t sent, pending;
	bool *answered;
	void (*answer)(void *ctx, size_t i, int error);
	void *ctx;
};

static void answered(struct pipeline *p, uint32_t seq, int error)
{
	size_t i = (uint32_t)(seq - p->first_seq);

	if (i < p->sent && !p->answered[i]) {
		p->answered[i] = true;
		p->pending--;
		p->answer(p->ctx, i, error);
	}
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	answered(arg, nlmsg_hdr(msg)->nlmsg_seq, 0);
	return NL_OK;
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	(void)who;
	answered(arg, e->msg.nlmsg_seq, e->error < 0 ? e->error : -EIO);
	return NL_SKIP;
}

/* Send requests [p->sent, end); false once one could not go. */
static bool send_window(struct nl_sock *sock, struct pipeline *p, size_t end,
			int (*build)(void *ctx, size_t i, struct nl_msg **msg))
{
	for (size_t i = p->sent; i < end; i++) {
		struct nl_msg *msg = NULL;
		int ret = build(p->ctx, i, &msg);

		if (ret >= 0)
			ret = nl_send_auto(sock, msg);
		if (ret >= 0) {
			uint32_t seq = nlmsg_hdr(msg)->nlmsg_seq;
			if (i == 0)
				p->first_seq = seq;
			/* Consecutive per socket; a gap is a message we did not count. */
			if (seq - p->first_seq != i)
				ret = -NLE_SEQ_MISMATCH;
		}
		nlmsg_free(msg);
		if (ret < 0) {
			p->answer(p->ctx, i, -EIO);
			return false;
		}
		p->sent = i + 1;
		p->pending++;
	}
	return true;
}

size_t nl_pipeline_run(struct nl_sock *sock, size_t n, int (*build)(void *ctx, size_t i, struct nl_msg **msg),
		       void (*answer)(void *ctx, size_t i, int error), void *ctx)
{
	struct pipeline p = { .answer = answer, .ctx = ctx };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	bool go = cb != NULL;

	p.answered = xcalloc(n ? n : 1, sizeof(*p.answered));
	if (go) {
		nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &p);
		nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, NULL, NULL);
		nl_cb_err(cb, NL_CB_CUSTOM, on_error, &p);
		nl_socket_disable_seq_check(sock);
		nl_socket_enable_auto_ack(sock);
	}
	while (go && p.sent < n) {
		go = send_window(sock, &p, p.sent + PIPELINE_WINDOW < n ? p.sent + PIPELINE_WINDOW : n, build);
		/* Every answer of the window: one nl_recvmsgs() may return with
		 * the next acknowledgement still queued. */
		while (p.pending > 0) {
			int ret = nl_recvmsgs(sock, cb);
			if (ret < 0 && ret != -NLE_INTR && ret != -NLE_AGAIN && ret != -NLE_DUMP_INTR) {
				go = false;
				break;
			}
		}
	}
	nl_cb_put(cb);
	free(p.answered);
	return p.sent;
}
