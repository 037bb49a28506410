/* keepalived's notify FIFO lines, as lvsdr events parses and splits them. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events_fifo.h"
#include "harness.h"

static void test_event_parse(void)
{
	struct event ev;
	const char *why = NULL;

	CHECK(event_parse("INSTANCE \"VI_1\" MASTER 100", &ev, &why) == 1 && !ev.group && !strcmp(ev.name, "VI_1") &&
		      ev.state == EVENT_MASTER && ev.priority == 100,
	      "event_parse: INSTANCE \"VI_1\" MASTER 100");
	CHECK(event_parse("GROUP \"VG 1\" BACKUP 0", &ev, &why) == 1 && ev.group && !strcmp(ev.name, "VG 1") &&
		      ev.state == EVENT_BACKUP && ev.priority == 0,
	      "event_parse: a GROUP whose quoted name holds a space");
	CHECK(event_parse("INSTANCE VI_1 DELETED", &ev, &why) == 1 && ev.state == EVENT_DELETED && ev.priority == -1,
	      "event_parse: an unquoted name, no priority");
	CHECK(event_parse("RS [192.0.2.11]:tcp:80 [192.0.2.100]:tcp:80 UP", &ev, &why) == 0,
	      "event_parse: a checker's RS line is not ours");
	CHECK(event_parse("INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 100", &ev, &why) == 0,
	      "event_parse: MASTER_RX_LOWER_PRI changes no state");
	CHECK(event_parse("INSTANCE \"VI_1\" master 100", &ev, &why) == -1 && strstr(why, "MASTER, BACKUP"),
	      "event_parse: states are case-sensitive");
	CHECK(event_parse("INSTANCE \"VI_1\" MASTER 256", &ev, &why) == -1 && strstr(why, "0 to 255"),
	      "event_parse: priority 256 is refused");
	CHECK(event_parse("INSTANCE \"VI_1\" MASTER 100 extra", &ev, &why) == -1 && strstr(why, "more words"),
	      "event_parse: a word after the priority is refused");
	CHECK(event_parse("INSTANCE \"VI_1 MASTER 100", &ev, &why) == -1, "event_parse: an unclosed quote is refused");
	CHECK(event_parse("", &ev, &why) == -1 && event_parse("instance \"VI_1\" MASTER 1", &ev, &why) == -1,
	      "event_parse: an empty line and a lower-case type are refused");
}

static char seen[8][EVENT_LINE_MAX + 8];
static size_t nseen;

static void collect(void *arg, const char *line)
{
	(void)arg;
	if (nseen < 8)
		snprintf(seen[nseen++], sizeof(seen[0]), "%s", line ? line : "(overlong)");
}

/* Lines split across writes, an overlong one dropped whole, a last line
 * without its newline taken at the writer's close. */
static void test_fifo_reader(void)
{
	char dir[] = "/tmp/lvsdr-unit-fifo.XXXXXX", path[64], err[256], big[EVENT_LINE_MAX + 10];
	struct fifo_reader r;
	int w, ret;

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/f", dir);
	CHECK(fifo_reader_open(&r, path, err, sizeof(err)) == 0, "fifo_reader_open makes a missing FIFO");
	w = open(path, O_WRONLY);
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	CHECK(write(w, "INSTANCE \"VI_1\" MAS", 19) == 19 && fifo_reader_read(&r, collect, NULL, err, sizeof(err)) == 0 &&
		      nseen == 0,
	      "fifo_reader_read: half a line is kept for later");
	ret = write(w, "TER 100\n", 8) + write(w, big, sizeof(big)) + write(w, "GROUP G STOP", 12);
	close(w);
	ret = ret == (int)(8 + sizeof(big) + 12) ? fifo_reader_read(&r, collect, NULL, err, sizeof(err)) : -2;
	CHECK(ret == 1 && nseen == 3 && !strcmp(seen[0], "INSTANCE \"VI_1\" MASTER 100") &&
		      !strcmp(seen[1], "(overlong)") && !strcmp(seen[2], "GROUP G STOP") && r.lineno == 3,
	      "fifo_reader_read: lines joined across writes, an overlong one named, the last taken at close");
	fifo_reader_close(&r);
	unlink(path);
	rmdir(dir);
}

void test_events(void)
{
	test_event_parse();
	test_fifo_reader();
}
