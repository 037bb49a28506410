/* Between the parts of the profile reader: the line reader in front of
 * inih (src/profile_lexer.c), the sections' keys and their dispatch
 * (src/profile.c), the values of the fixed sections (src/profile_values.c),
 * the rules that need the whole file (src/profile_validate.c). Not for the
 * rest of lvsdr, which reads the struct host profile_parse() fills. */
#ifndef LVSDR_PROFILE_READER_H
#define LVSDR_PROFILE_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "host.h"

#define RAW_LINE_MAX 4096
/* Raw text quoted in a message is cut here, with "...". */
#define QUOTE_MAX 40
/* Longer than any key; keeps an unknown key's message short. */
#define KEY_NAME_MAX 32

enum section { SEC_HOST,
	       SEC_ARP,
	       SEC_VIP,
	       SEC_GARP,
	       SEC_PATHCHECK,
	       SEC_HEALTH,
	       SEC_SYNC,
	       SEC_COUNT,
	       SEC_NONE = -1,
	       SEC_UNKNOWN = -2,
	       SEC_SERVICE = -3 /* [service NAME]: src/profile_service.c reads it */ };

enum key {
	KEY_ROLE,
	KEY_INTERFACE,
	KEY_IGNORE,
	KEY_ANNOUNCE,
	KEY_FILTER,
	KEY_ACCEPT,
	KEY_NOTIFY,
	KEY_SCOPE,
	KEY_ADDRESS,
	KEY_RANGE,
	KEY_WIDE,
	KEY_VIP_ANNOUNCE,
	KEY_COUNT_,
	KEY_INTERVAL,
	KEY_REFRESH,
	KEY_MODE,
	KEY_CONFLICT,
	KEY_REALSERVER,
	KEY_PORT,
	KEY_TIMEOUT,
	KEY_RETRIES,
	KEY_H_INTERVAL,
	KEY_H_TIMEOUT,
	KEY_RISE,
	KEY_FALL,
	KEY_ACTION,
	KEY_SORRY,
	KEY_QUORUM,
	KEY_HYSTERESIS,
	KEY_MAX
};

struct key_info {
	enum section section;
	const char *name;
	bool repeatable;
	bool director_only;
};
extern const struct key_info key_table[KEY_MAX];
extern const char *const section_names[SEC_COUNT];

struct parser {
	struct host *host;
	struct diag *d;
	const char *text;
	size_t len, pos;
	unsigned lineno;
	bool stop;
	int section; /* enum section */
	unsigned section_line[SEC_COUNT];
	unsigned key_line[KEY_MAX]; /* first line of each key, 0 = unset */
	unsigned role_line;
	int last_key; /* enum key: the last one read, tried first */
	size_t vip_cap, range_cap;
	unsigned wide_line;   /* wide = yes */
	bool announce_failed; /* an announce = line was refused */
	size_t realserver_cap, port_cap;
	struct services_reader *services;
	size_t long_line; /* "key=value" did not fit inih's buffer: its length */
	int line_limit;	  /* and what fits */
};

static inline int quote_len(size_t n)
{
	return (int)(n > QUOTE_MAX ? QUOTE_MAX : n);
}

static inline const char *quote_more(size_t n)
{
	return n > QUOTE_MAX ? "..." : "";
}

/* src/profile.c: "[host], [arp], ... and [service NAME]", and the keys of
 * one section ("role and interface", returning how many), for messages. */
const char *section_list(char *buf, size_t size);
int section_keys(int section, char *buf, size_t size);

/* src/profile_lexer.c: inih's line reader, stream a struct parser: each
 * raw line normalised for inih, or refused with a message. */
char *profile_next_line(char *str, int num, void *stream);

/* src/profile_values.c: one value of [arp], [vip] address or [pathcheck]
 * into p->host, or a message. */
void parse_knob(struct parser *p, enum arp_knob knob, const char *value);
void parse_address_key(struct parser *p, const char *value);
void parse_realserver(struct parser *p, const char *value);
void parse_port(struct parser *p, const char *value);

/* src/profile_validate.c: the rules that need the whole file. */
void profile_validate(struct parser *p);

#endif
