/* A tiny harness: each CHECK prints "ok - name" or "not ok - name", and
 * tests/run counts the lines. */
#ifndef LVSDR_HARNESS_H
#define LVSDR_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

extern unsigned harness_failed;

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		bool ok_ = (cond);                                         \
		printf("%s - ", ok_ ? "ok" : "not ok");                    \
		printf(__VA_ARGS__);                                       \
		if (!ok_) {                                                \
			printf(" (%s:%d: %s)", __FILE__, __LINE__, #cond); \
			harness_failed++;                                  \
		}                                                          \
		putchar('\n');                                             \
	} while (0)

struct host;
struct diag;
/* tests/unit/test_profile.c: profile_parse() on a copy of exactly len
 * bytes, no NUL after them, with d reset and named "t.ini". */
int profile_parse_exact(const char *text, size_t len, struct host *h, struct diag *d);

/* One function per test file, called from main.c. */
struct sock_filter;
/* Run a classic BPF filter on pkt (test_pathcheck.c): what it returns. */
unsigned bpf_run(const struct sock_filter *f, unsigned short n, const uint8_t *pkt, size_t len);

void test_util(void);
void test_events(void);
void test_health(void);
void test_sync(void);
void test_host(void);
void test_profile(void);
void test_profile_service(void);
void test_plan(void);
void test_pathcheck(void);
void test_audit(void);
void test_robust(void);
void test_persist(void);
void test_owned(void);
void test_plan_ipvs(void);
void test_ipvs(void);
void test_owned_ipvs(void);

#endif
