#include "syslog_mirror.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "progname.h"

/* The commands that change the host; verify and probe run every few
 * seconds from monitors and would drown the log. */
static const char *const logged_commands[] = { "apply", "takeover", "release", "notify", "persist", "events" };

static struct {
	bool active;
	FILE *saved; /* the process's stderr while the mirror stands in */
	char command[512];
	char line[1024]; /* the stderr line being written */
	size_t len;
	FILE *echo; /* syslog_note_echo() */
	bool hold;  /* syslog_note_hold() */
	char *held; /* the notes held, each ending in a newline */
	size_t nheld;
} mirror;

static bool nonempty(const char *v)
{
	return v && *v;
}

/* keepalived runs only notify and events (the FIFO's reader), a service
 * by nature; systemd gives every service an INVOCATION_ID; Pacemaker runs
 * agents with OCF_RESOURCE_INSTANCE. */
static bool caller_is_a_manager(const char *command)
{
	return !strcmp(command, "notify") || !strcmp(command, "events") || nonempty(getenv("INVOCATION_ID")) ||
	       nonempty(getenv("OCF_RESOURCE_INSTANCE"));
}

static void emit(int priority, const char *text)
{
	size_t skip = strlen(lvsdr_prog);

	/* syslog names the program already. */
	if (!strncmp(text, lvsdr_prog, skip) && text[skip] == ':' && text[skip + 1] == ' ')
		text += skip + 2;
	text += strspn(text, " \t");
	if (*text)
		syslog(priority, "%s", text);
}

static void line_end(void)
{
	mirror.line[mirror.len] = '\0';
	emit(LOG_ERR, mirror.line);
	mirror.len = 0;
}

/* stderr's cookie: everything still reaches fd 2, and each whole line
 * (a long one in pieces) syslog too. */
static ssize_t mirror_write(void *cookie, const char *data, size_t n)
{
	(void)cookie;
	for (size_t off = 0; off < n;) {
		ssize_t w = write(STDERR_FILENO, data + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* a closed stderr must not cost the log */
		off += (size_t)w;
	}
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n') {
			line_end();
			continue;
		}
		mirror.line[mirror.len++] = data[i];
		if (mirror.len == sizeof(mirror.line) - 1)
			line_end();
	}
	return (ssize_t)n;
}

static int mirror_close(void *cookie)
{
	(void)cookie;
	if (mirror.len)
		line_end();
	return 0;
}

void syslog_mirror_start(int argc, char **argv)
{
	const char *command = strrchr(argv[0], ' ') ? strrchr(argv[0], ' ') + 1 : argv[0];
	bool changes = false;
	size_t used;
	FILE *f;

	for (size_t i = 0; i < sizeof(logged_commands) / sizeof(logged_commands[0]); i++)
		changes |= !strcmp(command, logged_commands[i]);
	if (!changes || !caller_is_a_manager(command))
		return;
	used = (size_t)snprintf(mirror.command, sizeof(mirror.command), "%s", command);
	for (int i = 1; i < argc && used < sizeof(mirror.command); i++)
		used += (size_t)snprintf(mirror.command + used, sizeof(mirror.command) - used, " %s", argv[i]);
	f = fopencookie(NULL, "w", (cookie_io_functions_t){ .write = mirror_write, .close = mirror_close });
	if (!f)
		return;
	setvbuf(f, NULL, _IOLBF, 0);
	openlog("lvsdr", LOG_PID, LOG_DAEMON);
	fflush(stderr);
	mirror.saved = stderr;
	stderr = f;
	mirror.active = true;
}

void syslog_mirror_finish(int status)
{
	if (!mirror.active)
		return;
	fflush(stderr);
	syslog(status ? LOG_ERR : LOG_INFO, "%s: exit status %d", mirror.command, status);
	/* The mirror stream is ours to close: stderr is the process's again. */
	FILE *f = stderr;
	stderr = mirror.saved;
	fclose(f);
	mirror.active = false;
	closelog();
}

bool syslog_mirror_active(void)
{
	return mirror.active;
}

void syslog_note_echo(FILE *out)
{
	mirror.echo = out;
}

static void note_write(const char *text)
{
	if (mirror.echo) {
		fprintf(mirror.echo, "%s\n", text);
		fflush(mirror.echo);
	}
	if (mirror.active)
		emit(LOG_INFO, text);
}

void syslog_note_hold(bool hold)
{
	mirror.hold = hold;
	if (hold || !mirror.held)
		return;
	for (char *line = mirror.held, *end; line < mirror.held + mirror.nheld; line = end + 1) {
		end = strchr(line, '\n');
		*end = '\0';
		note_write(line);
	}
	free(mirror.held);
	mirror.held = NULL;
	mirror.nheld = 0;
}

void syslog_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	syslog_vnote(fmt, ap);
	va_end(ap);
}

void syslog_vnote(const char *fmt, va_list ap)
{
	char text[1024];
	size_t len;

	if (!mirror.active && !mirror.echo)
		return;
	vsnprintf(text, sizeof(text), fmt, ap);
	text[strcspn(text, "\n")] = '\0';
	if (mirror.hold) {
		len = strlen(text);
		char *grown = realloc(mirror.held, mirror.nheld + len + 1);
		if (grown) {
			mirror.held = grown;
			memcpy(mirror.held + mirror.nheld, text, len);
			mirror.held[mirror.nheld + len] = '\n';
			mirror.nheld += len + 1;
			return;
		}
	}
	note_write(text);
}
