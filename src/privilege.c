/* The capabilities a run needs, checked before anything changes and given
 * up once their work is done (iputils' arping). Its own file, below the
 * engine: the pathcheck prober drops CAP_NET_RAW too. */
#include "privilege.h"

#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exit_status.h"
#include "progname.h"

/* The effective capabilities as last asked (capget: one system call,
 * where reading /proc/self/status costs four on the takeover's path).
 * Asked once: lvsdr changes its own only in privilege_drop_net_raw(),
 * which asks again, and never calls setuid() or execve(); lvsdr events
 * asked twice per event. */
static struct {
	bool asked;
	uint64_t effective;
} caps;

/* None on failure. CAP_NET_ADMIN is bit 12, CAP_NET_RAW bit 13
 * (linux/capability.h). */
static uint64_t effective_capabilities(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (caps.asked)
		return caps.effective;
	if (syscall(SYS_capget, &hdr, data) < 0)
		return 0;
	caps.asked = true;
	caps.effective = (uint64_t)data[1].effective << 32 | data[0].effective;
	return caps.effective;
}

bool privilege_net_admin(void)
{
	return effective_capabilities() & (1ull << 12);
}

int privilege_require(bool net_raw)
{
	uint64_t eff = effective_capabilities();
	bool admin = eff & (1ull << 12), raw = eff & (1ull << 13);
	if (admin && (raw || !net_raw))
		return LVSDR_EXIT_OK;
	lvsdr_warnx("this command changes the network configuration and needs %s%s%s (run it as root); "
		    "nothing changed",
		    admin ? "" : "CAP_NET_ADMIN", !admin && net_raw && !raw ? " and " : "",
		    net_raw && !raw ? "CAP_NET_RAW" : "");
	return LVSDR_EXIT_ERROR;
}

/* Once the packet socket is open, CAP_NET_RAW has done its work: give it
 * up (effective and permitted) so the rest of the run cannot open another
 * raw socket, as arping does. Failure is harmless and ignored: we only
 * hold less than we could. */
void privilege_drop_net_raw(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return;
	data[CAP_TO_INDEX(CAP_NET_RAW)].effective &= ~CAP_TO_MASK(CAP_NET_RAW);
	data[CAP_TO_INDEX(CAP_NET_RAW)].permitted &= ~CAP_TO_MASK(CAP_NET_RAW);
	data[CAP_TO_INDEX(CAP_NET_RAW)].inheritable &= ~CAP_TO_MASK(CAP_NET_RAW);
	(void)syscall(SYS_capset, &hdr, data);
	caps.asked = false;
}
