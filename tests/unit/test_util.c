/* The strict parsers every profile value goes through, and the edit distance
 * behind "did you mean". What ipaddr_parse() lets through on purpose
 * (reserved ranges, /0) is refused one layer up, in test_profile.c. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "ipaddr.h"
#include "monitor.h"
#include "record_file.h"
#include "util.h"

static bool int_is(const char *s, int want)
{
	int v = want ^ 0x5a5a;
	return parse_int(s, &v) && v == want;
}

/* Refused, and the output left alone: callers keep their default. */
static bool int_refused(const char *s)
{
	int v = 12345;
	return !parse_int(s, &v) && v == 12345;
}

static bool ms_is(const char *s, unsigned want)
{
	unsigned v = want ^ 0x5a5au;
	return parse_duration_ms(s, &v) && v == want;
}

static bool ms_refused(const char *s)
{
	unsigned v = 12345;
	return !parse_duration_ms(s, &v) && v == 12345;
}

/* s parses as family with prefix (has_prefix as given) and the bytes of
 * the canonical text want_addr. */
static bool addr_is(const char *s, int want_family, const char *want_addr, unsigned want_prefix, bool want_has)
{
	struct ip_addr a = { .family = -1, .prefix = 99 }, want = { .family = want_family };
	bool has = !want_has;

	if (inet_pton(want_family, want_addr, want.bytes) != 1)
		return false;
	if (!ipaddr_parse(s, &a, &has))
		return false;
	/* The unused tail of an IPv4 address is zeroed: ipaddr_equal reads all 16. */
	return ipaddr_equal(&a, &want) && a.prefix == want_prefix && has == want_has;
}

static bool addr_refused(const char *s)
{
	struct ip_addr a;
	bool has;
	return !ipaddr_parse(s, &a, &has);
}

static void test_parse_int(void)
{
	CHECK(int_is("0", 0), "parse_int: \"0\" is 0");
	CHECK(int_is("1", 1), "parse_int: \"1\" is 1");
	CHECK(int_is("8", 8), "parse_int: \"8\" is 8");
	CHECK(int_is("-1", -1), "parse_int: \"-1\" is -1 (the kernel stores negative knobs)");
	CHECK(int_is("-0", 0), "parse_int: \"-0\" is 0");
	CHECK(int_is("2147483647", INT_MAX), "parse_int: INT_MAX is accepted");
	CHECK(int_is("-2147483648", INT_MIN), "parse_int: INT_MIN is accepted");
	/* Leading zeros are a plain decimal number here (no octal): "010" is ten. */
	CHECK(int_is("010", 10), "parse_int: \"010\" is decimal 10, never octal 8");
	CHECK(int_is("007", 7), "parse_int: leading zeros are read as decimal");
	CHECK(int_is("-08", -8), "parse_int: \"-08\" is -8");
	CHECK(int_is("00000000000000000000001", 1), "parse_int: many leading zeros do not overflow");

	CHECK(int_refused(""), "parse_int: empty string is refused");
	CHECK(int_refused("-"), "parse_int: a lone '-' is refused");
	CHECK(int_refused("+1"), "parse_int: '+' sign is refused");
	CHECK(int_refused("--1"), "parse_int: \"--1\" is refused");
	CHECK(int_refused("-+1"), "parse_int: \"-+1\" is refused");
	CHECK(int_refused(" 1"), "parse_int: leading space is refused (unlike strtol)");
	CHECK(int_refused("\t1"), "parse_int: leading tab is refused");
	CHECK(int_refused("1 "), "parse_int: trailing space is refused");
	CHECK(int_refused("1\n"), "parse_int: trailing newline is refused");
	CHECK(int_refused("- 1"), "parse_int: space after '-' is refused");
	CHECK(int_refused("1 2"), "parse_int: two numbers are refused");
	CHECK(int_refused("1.0"), "parse_int: a fraction is refused");
	CHECK(int_refused("1e3"), "parse_int: exponent notation is refused");
	CHECK(int_refused("0x1"), "parse_int: hexadecimal is refused");
	CHECK(int_refused("1a"), "parse_int: trailing letters are refused");
	CHECK(int_refused("one"), "parse_int: a word is refused");
	CHECK(int_refused("\xd9\xa3"), "parse_int: a non-ASCII digit (Arabic-Indic three) is refused");
	CHECK(int_refused("2147483648"), "parse_int: INT_MAX + 1 overflows and is refused");
	CHECK(int_refused("-2147483649"), "parse_int: INT_MIN - 1 overflows and is refused");
	CHECK(int_refused("4294967297"), "parse_int: 2^32 + 1 is refused, not wrapped to 1");
	CHECK(int_refused("9223372036854775808"), "parse_int: LONG_MAX + 1 (strtol ERANGE) is refused");
	CHECK(int_refused("-9223372036854775809"), "parse_int: LONG_MIN - 1 (strtol ERANGE) is refused");
	CHECK(int_refused("99999999999999999999999999999"), "parse_int: a huge number is refused");
}

static void test_parse_duration(void)
{
	CHECK(ms_is("0", 0), "parse_duration_ms: bare \"0\" is 0");
	CHECK(ms_is("0ms", 0), "parse_duration_ms: \"0ms\" is 0");
	CHECK(ms_is("0s", 0), "parse_duration_ms: \"0s\" is 0");
	CHECK(ms_is("1ms", 1), "parse_duration_ms: \"1ms\" is 1");
	CHECK(ms_is("100ms", 100), "parse_duration_ms: \"100ms\" is 100");
	CHECK(ms_is("1s", 1000), "parse_duration_ms: \"1s\" is 1000");
	CHECK(ms_is("2s", 2000), "parse_duration_ms: \"2s\" is 2000");
	CHECK(ms_is("1500ms", 1500), "parse_duration_ms: \"1500ms\" is 1500");
	CHECK(ms_is("010ms", 10), "parse_duration_ms: leading zeros are decimal");
	CHECK(ms_is("00", 0), "parse_duration_ms: \"00\" is a bare zero too");
	CHECK(ms_is("86400s", 86400000u), "parse_duration_ms: one day in seconds is the upper limit");
	CHECK(ms_is("86400000ms", 86400000u), "parse_duration_ms: one day in milliseconds is the upper limit");

	CHECK(ms_refused(""), "parse_duration_ms: empty string is refused");
	CHECK(ms_refused("5"), "parse_duration_ms: a bare non-zero number has no unit and is refused");
	CHECK(ms_refused("ms"), "parse_duration_ms: a unit without a number is refused");
	CHECK(ms_refused("s"), "parse_duration_ms: \"s\" alone is refused");
	CHECK(ms_refused("1S"), "parse_duration_ms: upper-case 'S' is refused");
	CHECK(ms_refused("1MS"), "parse_duration_ms: upper-case 'MS' is refused");
	CHECK(ms_refused("1Ms"), "parse_duration_ms: mixed-case 'Ms' is refused");
	CHECK(ms_refused("1m"), "parse_duration_ms: minutes are not a unit");
	CHECK(ms_refused("1h"), "parse_duration_ms: hours are not a unit");
	CHECK(ms_refused("1us"), "parse_duration_ms: microseconds are not a unit");
	CHECK(ms_refused("1sec"), "parse_duration_ms: \"sec\" is not a unit");
	CHECK(ms_refused("1sms"), "parse_duration_ms: \"1sms\" is refused");
	CHECK(ms_refused("1mss"), "parse_duration_ms: \"1mss\" is refused");
	CHECK(ms_refused("1.5s"), "parse_duration_ms: fractions are refused");
	CHECK(ms_refused("-1s"), "parse_duration_ms: a negative duration is refused");
	CHECK(ms_refused("+1s"), "parse_duration_ms: a '+' sign is refused");
	CHECK(ms_refused("-0"), "parse_duration_ms: \"-0\" is refused");
	CHECK(ms_refused(" 1s"), "parse_duration_ms: leading space is refused");
	CHECK(ms_refused("1 s"), "parse_duration_ms: a space before the unit is refused");
	CHECK(ms_refused("1s "), "parse_duration_ms: trailing space is refused");
	CHECK(ms_refused("0x10ms"), "parse_duration_ms: hexadecimal is refused");
	CHECK(ms_refused("0 "), "parse_duration_ms: \"0 \" is refused");
	CHECK(ms_refused("0x"), "parse_duration_ms: \"0x\" is refused");
	CHECK(ms_refused("86401s"), "parse_duration_ms: one second over a day is refused");
	CHECK(ms_refused("86400001ms"), "parse_duration_ms: one millisecond over a day is refused");
	/* 4294968 s * 1000 = 2^32 + 704: scaling before the check would give 704 ms. */
	CHECK(ms_refused("4294968s"), "parse_duration_ms: \"4294968s\" is refused, not wrapped to 704 ms");
	CHECK(ms_refused("4294967296ms"), "parse_duration_ms: 2^32 ms is refused, not wrapped to 0");
	CHECK(ms_refused("4294967297ms"), "parse_duration_ms: 2^32 + 1 ms is refused, not wrapped to 1");
	CHECK(ms_refused("18446744073709551616ms"), "parse_duration_ms: 2^64 ms (strtoull ERANGE) is refused");
	CHECK(ms_refused("18446744073709551s"), "parse_duration_ms: seconds that wrap 64 bits when scaled are refused");
	CHECK(ms_refused("18446744073709551615s"), "parse_duration_ms: ULLONG_MAX seconds is refused");
}

static void test_ipaddr_parse(void)
{
	char long_text[1001];

	CHECK(addr_is("192.0.2.10", AF_INET, "192.0.2.10", 32, false), "ipaddr_parse: IPv4 without prefix is /32, has_prefix false");
	CHECK(addr_is("192.0.2.10/32", AF_INET, "192.0.2.10", 32, true), "ipaddr_parse: IPv4 /32, has_prefix true");
	CHECK(addr_is("192.0.2.10/24", AF_INET, "192.0.2.10", 24, true), "ipaddr_parse: IPv4 /24");
	CHECK(addr_is("192.0.2.10/1", AF_INET, "192.0.2.10", 1, true), "ipaddr_parse: IPv4 /1");
	CHECK(addr_is("192.0.2.10/0", AF_INET, "192.0.2.10", 0, true), "ipaddr_parse: /0 parses (the profile refuses it)");
	CHECK(addr_is("0.0.0.0", AF_INET, "0.0.0.0", 32, false), "ipaddr_parse: 0.0.0.0 parses (the profile refuses it)");
	CHECK(addr_is("255.255.255.255", AF_INET, "255.255.255.255", 32, false), "ipaddr_parse: broadcast parses (the profile refuses it)");
	CHECK(addr_is("127.0.0.1", AF_INET, "127.0.0.1", 32, false), "ipaddr_parse: loopback parses (the profile refuses it)");
	CHECK(addr_is("224.0.0.1", AF_INET, "224.0.0.1", 32, false), "ipaddr_parse: multicast parses (the profile refuses it)");
	CHECK(addr_is("169.254.1.1", AF_INET, "169.254.1.1", 32, false), "ipaddr_parse: link-local parses (the profile refuses it)");

	CHECK(addr_is("2001:db8::10", AF_INET6, "2001:db8::10", 128, false), "ipaddr_parse: IPv6 without prefix is /128, has_prefix false");
	CHECK(addr_is("2001:db8::10/128", AF_INET6, "2001:db8::10", 128, true), "ipaddr_parse: IPv6 /128");
	CHECK(addr_is("2001:db8::10/64", AF_INET6, "2001:db8::10", 64, true), "ipaddr_parse: IPv6 /64");
	CHECK(addr_is("2001:db8::10/0", AF_INET6, "2001:db8::10", 0, true), "ipaddr_parse: IPv6 /0 parses (the profile refuses it)");
	CHECK(addr_is("2001:DB8::A", AF_INET6, "2001:db8::a", 128, false), "ipaddr_parse: upper-case IPv6 is the same address");
	CHECK(addr_is("2001:0db8:0000:0000:0000:0000:0000:0010", AF_INET6, "2001:db8::10", 128, false),
	      "ipaddr_parse: IPv6 in full with leading zeros in groups (RFC 4291 allows them)");
	CHECK(addr_is("2001:db8:0:0:0:0:0:10", AF_INET6, "2001:db8::10", 128, false), "ipaddr_parse: uncompressed IPv6");
	CHECK(addr_is("2001:db8::192.0.2.3", AF_INET6, "2001:db8::c000:203", 128, false), "ipaddr_parse: IPv6 with a dotted IPv4 tail");
	CHECK(addr_is("::ffff:192.0.2.1", AF_INET6, "::ffff:192.0.2.1", 128, false),
	      "ipaddr_parse: IPv4-mapped IPv6 parses as IPv6 (the profile refuses it)");
	CHECK(addr_is("::", AF_INET6, "::", 128, false), "ipaddr_parse: \"::\" parses (the profile refuses it)");
	CHECK(addr_is("::1", AF_INET6, "::1", 128, false), "ipaddr_parse: \"::1\" parses (the profile refuses it)");
	CHECK(addr_is("fe80::1", AF_INET6, "fe80::1", 128, false), "ipaddr_parse: fe80::1 parses (the profile refuses it)");
	CHECK(addr_is("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128", AF_INET6,
		      "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 128, true),
	      "ipaddr_parse: the longest IPv6 text (45 characters) with a prefix");

	/* IPv4: dotted quad only, no inet_aton shorthands. */
	CHECK(addr_refused(""), "ipaddr_parse: empty string is refused");
	CHECK(addr_refused("/32"), "ipaddr_parse: a prefix without an address is refused");
	CHECK(addr_refused("192.0.2"), "ipaddr_parse: three octets are refused (no inet_aton shorthand)");
	CHECK(addr_refused("192.0.2.1.5"), "ipaddr_parse: five octets are refused");
	CHECK(addr_refused("3221225985"), "ipaddr_parse: a 32-bit integer is refused");
	CHECK(addr_refused("192.0.2.256"), "ipaddr_parse: octet 256 is refused");
	CHECK(addr_refused("192.0.2.010"), "ipaddr_parse: a leading zero in an octet (octal in inet_aton) is refused");
	CHECK(addr_refused("192.0.02.1"), "ipaddr_parse: \"02\" octet is refused");
	CHECK(addr_refused("0x7f.0.0.1"), "ipaddr_parse: a hexadecimal octet is refused");
	CHECK(addr_refused("192.0.2.-1"), "ipaddr_parse: a negative octet is refused");
	CHECK(addr_refused("192.0.2.1."), "ipaddr_parse: a trailing dot is refused");
	CHECK(addr_refused(".192.0.2.1"), "ipaddr_parse: a leading dot is refused");
	CHECK(addr_refused("192..2.1"), "ipaddr_parse: an empty octet is refused");
	CHECK(addr_refused(" 192.0.2.1"), "ipaddr_parse: leading space is refused");
	CHECK(addr_refused("192.0.2.1 "), "ipaddr_parse: trailing space is refused");
	CHECK(addr_refused("192.0.2.1:80"), "ipaddr_parse: a port is refused");
	CHECK(addr_refused("192.0.2.1,192.0.2.2"), "ipaddr_parse: a list is refused");
	CHECK(addr_refused("localhost"), "ipaddr_parse: a host name is refused");
	CHECK(addr_refused("default"), "ipaddr_parse: \"default\" (which libnl would take) is refused");

	/* Prefixes: a decimal number in range, nothing else. */
	CHECK(addr_refused("192.0.2.1/"), "ipaddr_parse: an empty prefix is refused");
	CHECK(addr_refused("192.0.2.1/33"), "ipaddr_parse: IPv4 /33 is refused");
	CHECK(addr_refused("192.0.2.1/032"), "ipaddr_parse: a prefix with a leading zero is refused");
	CHECK(addr_refused("192.0.2.1/00"), "ipaddr_parse: prefix \"00\" is refused");
	CHECK(addr_refused("192.0.2.1/-1"), "ipaddr_parse: a negative prefix is refused");
	CHECK(addr_refused("192.0.2.1/+24"), "ipaddr_parse: a '+' prefix is refused");
	CHECK(addr_refused("192.0.2.1/ 24"), "ipaddr_parse: a space after '/' is refused");
	CHECK(addr_refused("192.0.2.1/24 "), "ipaddr_parse: a space after the prefix is refused");
	CHECK(addr_refused("192.0.2.1 /24"), "ipaddr_parse: a space before '/' is refused");
	CHECK(addr_refused("192.0.2.1/24/24"), "ipaddr_parse: two prefixes are refused");
	CHECK(addr_refused("192.0.2.1/24x"), "ipaddr_parse: trailing letters after the prefix are refused");
	CHECK(addr_refused("192.0.2.1/255.255.255.0"), "ipaddr_parse: a dotted netmask is refused");
	CHECK(addr_refused("192.0.2.1/4294967320"), "ipaddr_parse: a prefix that wraps 32 bits to 24 is refused");
	CHECK(addr_refused("2001:db8::1/129"), "ipaddr_parse: IPv6 /129 is refused");
	CHECK(addr_refused("2001:db8::1/0128"), "ipaddr_parse: IPv6 prefix with a leading zero is refused");

	/* IPv6 text forms that are not RFC 4291. */
	CHECK(addr_refused("2001:db8:::1"), "ipaddr_parse: ':::' is refused");
	CHECK(addr_refused("2001:db8::1::2"), "ipaddr_parse: two '::' are refused");
	CHECK(addr_refused("2001:db8:0:0:0:0:0:0:1"), "ipaddr_parse: nine groups are refused");
	CHECK(addr_refused("2001:db8:0:0:0:0:1"), "ipaddr_parse: seven groups without '::' are refused");
	CHECK(addr_refused("02001:db8::1"), "ipaddr_parse: a five-digit group is refused");
	CHECK(addr_refused("2001:db8::g"), "ipaddr_parse: a non-hex digit is refused");
	CHECK(addr_refused("fe80::1%eth0"), "ipaddr_parse: a zone id is refused");
	CHECK(addr_refused("fe80::1%1"), "ipaddr_parse: a numeric zone id is refused");
	CHECK(addr_refused("[2001:db8::1]"), "ipaddr_parse: brackets are refused");
	CHECK(addr_refused("2001:db8::1 "), "ipaddr_parse: trailing space after IPv6 is refused");
	CHECK(addr_refused("2001:db8::192.0.2.010"), "ipaddr_parse: a leading zero in an embedded IPv4 octet is refused");
	CHECK(addr_refused(":"), "ipaddr_parse: a lone ':' is refused");
	CHECK(addr_refused("0000:0000:0000:0000:0000:0000:0000:0000:0000:0000"),
	      "ipaddr_parse: 49 characters, longer than any address, is refused");
	memset(long_text, '1', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	CHECK(addr_refused(long_text), "ipaddr_parse: 1000 digits are refused without overrunning its buffer");
	memcpy(long_text, "192.0.2.1/", 10);
	CHECK(addr_refused(long_text), "ipaddr_parse: a 990-digit prefix is refused");
}

static void test_interface_name(void)
{
	CHECK(interface_name_valid("eth0"), "interface_name_valid: eth0");
	CHECK(interface_name_valid("e"), "interface_name_valid: one character");
	CHECK(interface_name_valid("enp0s31f6"), "interface_name_valid: enp0s31f6");
	CHECK(interface_name_valid("bond0.100"), "interface_name_valid: a VLAN name with a dot");
	CHECK(interface_name_valid("br-lan_1"), "interface_name_valid: '-' and '_'");
	CHECK(interface_name_valid("ETH0"), "interface_name_valid: upper case");
	CHECK(interface_name_valid("eth0#2"), "interface_name_valid: '#' is allowed by the kernel");
	CHECK(interface_name_valid("..."), "interface_name_valid: \"...\" is allowed (only . and .. are not)");
	CHECK(interface_name_valid(".eth"), "interface_name_valid: a leading dot is allowed");
	CHECK(interface_name_valid("123456789012345"), "interface_name_valid: 15 characters is the maximum");

	CHECK(!interface_name_valid(""), "interface_name_valid: empty name is refused");
	CHECK(!interface_name_valid("."), "interface_name_valid: \".\" is refused");
	CHECK(!interface_name_valid(".."), "interface_name_valid: \"..\" is refused");
	CHECK(!interface_name_valid("1234567890123456"), "interface_name_valid: 16 characters is refused");
	CHECK(!interface_name_valid("a234567890123456789012345"), "interface_name_valid: 25 characters is refused");
	CHECK(!interface_name_valid("eth/0"), "interface_name_valid: '/' is refused");
	CHECK(!interface_name_valid("/"), "interface_name_valid: \"/\" is refused");
	CHECK(!interface_name_valid("eth0:1"), "interface_name_valid: ':' (alias syntax) is refused");
	CHECK(!interface_name_valid("eth 0"), "interface_name_valid: space is refused");
	CHECK(!interface_name_valid("eth0 "), "interface_name_valid: trailing space is refused");
	CHECK(!interface_name_valid("eth\t0"), "interface_name_valid: tab is refused");
	CHECK(!interface_name_valid("eth\n0"), "interface_name_valid: newline is refused");
	CHECK(!interface_name_valid("eth\v0"), "interface_name_valid: vertical tab is refused");
	CHECK(!interface_name_valid("eth\f0"), "interface_name_valid: form feed is refused");
	CHECK(!interface_name_valid("eth\r0"), "interface_name_valid: carriage return is refused");
	CHECK(!interface_name_valid("eth\x01"), "interface_name_valid: a control character is refused");
	CHECK(!interface_name_valid("eth\x7f"), "interface_name_valid: DEL is refused");
	/* The kernel takes these bytes; lvsdr keeps names to printable ASCII,
	 * as a profile may hold only ASCII outside comments anyway. */
	CHECK(!interface_name_valid("\xc3\xa9th0"), "interface_name_valid: non-ASCII (UTF-8 e-acute) is refused");
	CHECK(!interface_name_valid("eth\xa0"
				    "0"),
	      "interface_name_valid: a Latin-1 non-breaking space byte is refused");
}

static int int_order(const void *a, const void *b)
{
	return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

static void test_sort_array(void)
{
	int v[] = { 3, 1, 2 };

	sort_array(NULL, 0, sizeof(int), int_order); /* UBSan stops on qsort(NULL, 0) */
	CHECK(1, "sort_array: an empty list may be NULL");
	sort_array(v, 1, sizeof(int), int_order);
	CHECK(v[0] == 3, "sort_array: one element stays");
	sort_array(v, 3, sizeof(int), int_order);
	CHECK(v[0] == 1 && v[1] == 2 && v[2] == 3, "sort_array: three elements in order");
}

static void test_edit_distance(void)
{
	char a62[63], a63[64], b62[63];

	CHECK(edit_distance("", "") == 0, "edit_distance: two empty strings are 0");
	CHECK(edit_distance("host", "host") == 0, "edit_distance: equal strings are 0");
	CHECK(edit_distance("abc", "") == 3, "edit_distance: against empty is the length");
	CHECK(edit_distance("", "abcd") == 4, "edit_distance: empty against a string is its length");
	CHECK(edit_distance("Host", "host") == 0, "edit_distance: case is ignored");
	CHECK(edit_distance("ADDRESS", "address") == 0, "edit_distance: all upper case is 0");
	CHECK(edit_distance("adress", "address") == 1, "edit_distance: one deletion is 1");
	CHECK(edit_distance("addresss", "address") == 1, "edit_distance: one insertion is 1");
	CHECK(edit_distance("ignor", "ignore") == 1, "edit_distance: missing last letter is 1");
	CHECK(edit_distance("gnore", "ignore") == 1, "edit_distance: missing first letter is 1");
	CHECK(edit_distance("ignxre", "ignore") == 1, "edit_distance: one substitution is 1");
	CHECK(edit_distance("gap", "garp") == 1, "edit_distance: [gap] is 1 from [garp]");
	CHECK(edit_distance("gap", "arp") == 2, "edit_distance: [gap] is 2 from [arp] (so [garp] wins)");
	CHECK(edit_distance("ab", "ba") == 2, "edit_distance: a transposition is 2 (plain Levenshtein)");
	CHECK(edit_distance("kitten", "sitting") == 3, "edit_distance: kitten/sitting is 3");
	CHECK(edit_distance("sitting", "kitten") == 3, "edit_distance: symmetric");
	CHECK(edit_distance("flaw", "lawn") == 2, "edit_distance: flaw/lawn is 2");
	CHECK(edit_distance("role", "interface") == edit_distance("interface", "role"),
	      "edit_distance: symmetric on unequal lengths");

	memset(a62, 'a', 62);
	a62[62] = '\0';
	memcpy(b62, a62, sizeof(b62));
	b62[61] = 'b';
	memset(a63, 'a', 63);
	a63[63] = '\0';
	CHECK(edit_distance(a62, a62) == 0, "edit_distance: 62 characters is still computed");
	CHECK(edit_distance(a62, b62) == 1, "edit_distance: 62 characters, one substitution is 1");
	CHECK(edit_distance(a63, a63) == 99, "edit_distance: 63 characters or more is capped at 99");
	CHECK(edit_distance("a", a63) == 99, "edit_distance: a long second argument is capped at 99");
	CHECK(edit_distance(a63, "a") == 99, "edit_distance: a long first argument is capped at 99");
}

/* The text of path ("" when unreadable) and its permission bits. */
static const char *file_text(const char *path, char *buf, size_t size, unsigned *mode)
{
	struct stat st;
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, size - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	*mode = stat(path, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0;
	return buf;
}

/* The names in dir, but . and .., space-separated in readdir order. */
static const char *dir_names(const char *dir, char *buf, size_t size)
{
	DIR *d = opendir(dir);
	size_t used = 0;

	buf[0] = '\0';
	for (struct dirent *e; d && (e = readdir(d));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			used += (size_t)snprintf(buf + used, used < size ? size - used : 0, "%s%s", used ? " " : "",
						 e->d_name);
	if (d)
		closedir(d);
	return buf;
}

/* file_replace, the one atomic writer behind record_replace and
 * prom_write_file: mode 0644 whatever the umask, never through a link,
 * no temporary file left, and each caller's own messages. */
static void test_file_replace(void)
{
	char dir[] = "/tmp/lvsdr-unit-replace.XXXXXX", path[96], tmp[112], other[96], err[256], buf[256];
	enum file_replace_step step;
	unsigned mode = 0;
	mode_t old = umask(077);

	if (!mkdtemp(dir)) {
		umask(old);
		CHECK(false, "file_replace: temporary directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/r", dir);
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	CHECK(file_replace(path, tmp, "one\n", 4, &step) == 0 && !strcmp(file_text(path, buf, sizeof(buf), &mode), "one\n") &&
		      mode == 0644 && !strcmp(dir_names(dir, buf, sizeof(buf)), "r"),
	      "file_replace: a unique temporary name, mode 0644 under umask 077, nothing else left (%s)", buf);

	CHECK(record_replace(path, "two\n", 4, err, sizeof(err)) == 0 &&
		      !strcmp(file_text(path, buf, sizeof(buf), &mode), "two\n") && mode == 0644,
	      "record_replace: replaced whole, mode 0644 under umask 077 (%o)", mode);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f)
		fclose(f);
	CHECK(record_replace(path, "three\n", 6, err, sizeof(err)) == 0 &&
		      !strcmp(file_text(path, buf, sizeof(buf), &mode), "three\n") &&
		      !strcmp(dir_names(dir, buf, sizeof(buf)), "r"),
	      "record_replace: a stale r.tmp a killed run left is replaced, none left after (%s)", buf);

	snprintf(other, sizeof(other), "%s/victim", dir);
	f = fopen(other, "w");
	if (f) {
		fputs("victim\n", f);
		fclose(f);
	}
	int linked = symlink(other, tmp) == 0, ret = record_replace(path, "four\n", 5, err, sizeof(err));
	snprintf(buf, sizeof(buf), "cannot write %s: %s", tmp, strerror(ELOOP));
	CHECK(linked && ret == -ELOOP && !strcmp(err, buf), "record_replace: a link planted as r.tmp is refused (%s)", err);
	CHECK(!strcmp(file_text(other, buf, sizeof(buf), &mode), "victim\n") &&
		      !strcmp(file_text(path, buf, sizeof(buf), &mode), "three\n"),
	      "record_replace: ... neither the link's target nor the record is written");
	unlink(tmp);
	unlink(other);

	snprintf(other, sizeof(other), "%s/d", dir);
	snprintf(tmp, sizeof(tmp), "%s/d.tmp", dir);
	ret = mkdir(other, 0700) < 0 ? -1 : record_replace(other, "x", 1, err, sizeof(err));
	snprintf(buf, sizeof(buf), "cannot replace %s: %s", other, strerror(EISDIR));
	CHECK(ret == -EISDIR && !strcmp(err, buf) && access(tmp, F_OK) < 0,
	      "record_replace: a rename that fails names the file, and removes the temporary one (%s)", err);
	rmdir(other);

	err[0] = '\0';
	snprintf(other, sizeof(other), "%s/made/below/r", dir);
	CHECK(record_replace(other, "x", 1, err, sizeof(err)) == 0 && !strcmp(file_text(other, buf, sizeof(buf), &mode), "x"),
	      "record_replace: missing directories are made (%s)", err);
	unlink(other);
	snprintf(other, sizeof(other), "%s/made/below", dir);
	rmdir(other);
	snprintf(other, sizeof(other), "%s/made", dir);
	rmdir(other);

	snprintf(other, sizeof(other), "%s/missing/a.prom", dir);
	snprintf(buf, sizeof(buf), "cannot create a file beside %s: %s", other, strerror(ENOENT));
	CHECK(prom_write_file(other, "x", 1, err, sizeof(err)) == -1 && !strcmp(err, buf),
	      "prom_write_file: its own message when the temporary file cannot be made (%s)", err);
	unlink(path);
	rmdir(dir);
	umask(old);
}

void test_util(void)
{
	test_parse_int();
	test_parse_duration();
	test_ipaddr_parse();
	test_interface_name();
	test_edit_distance();
	test_sort_array();
	test_file_replace();
}
