/* The line reader in front of inih: it sees every raw line first, counts
 * lines for the messages, and turns each thing inih would silently
 * reinterpret (indented continuation lines, '#' after a value, long lines
 * split in two, sections that merge, "key: value") into a normal line or
 * a clear error. */
#include <stdio.h>
#include <string.h>

#include "profile_internal.h"
#include "profile_reader.h"
#include "util.h"

static void suggest_section(struct parser *p, const char *name)
{
	/* The closest, not the first close one: [gap] is [garp], not [arp]. */
	const char *best = closest_word(name, section_names, SEC_COUNT, sizeof(section_names[0]));
	char list[96];

	if (best) {
		diag_error(p->d, p->lineno, "unknown section [%s]; did you mean [%s]?", name, best);
		return;
	}
	/* [servce web], [services]: the named section, with the name kept. */
	const char *space = strchr(name, ' ');
	char word[64];
	snprintf(word, sizeof(word), "%.*s", space ? (int)(space - name) : (int)strlen(name), name);
	if (edit_distance(word, "service") < 3) { /* as close as closest_word() takes */
		diag_error(p->d, p->lineno, "unknown section [%s]; did you mean [service %s]?", name,
			   space ? space + 1 : "NAME");
		return;
	}
	diag_error(p->d, p->lineno, "unknown section [%s]; sections are %s", name, section_list(list, sizeof(list)));
}

/* Section header already trimmed: "[name]". A malformed or unknown header
 * is reported here, and the keys under it are skipped without more noise. */
static void section_begin(struct parser *p, const char *line, size_t len)
{
	char name[64];
	size_t n = len - 2;

	if (len < 3 || line[len - 1] != ']' || n >= sizeof(name)) {
		diag_error(p->d, p->lineno, "malformed section header %.*s%s: write [name] alone on the line",
			   quote_len(len), line, quote_more(len));
		p->section = SEC_UNKNOWN;
		return;
	}
	memcpy(name, line + 1, n);
	name[n] = '\0';
	if (!strncmp(name, "service", 7) && (name[7] == '\0' || name[7] == ' ')) {
		bool ok = services_section(p->services, p->lineno, name[7] ? name + 8 : "");
		p->section = ok ? SEC_SERVICE : SEC_UNKNOWN;
		return;
	}
	p->section = SEC_UNKNOWN;
	for (int s = 0; s < SEC_COUNT; s++)
		if (!strcmp(name, section_names[s]))
			p->section = s;
	if (p->section == SEC_UNKNOWN) {
		suggest_section(p, name);
		return;
	}
	if (p->section_line[p->section])
		diag_error(p->d, p->lineno, "section [%s] appears again (first at line %u); write each section once",
			   name, p->section_line[p->section]);
	else
		p->section_line[p->section] = p->lineno;
}

/* White space inside a line that passed the byte checks: control
 * characters other than tab are refused before, so only these two. */
static inline bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* What one pass over the line's bytes finds, so that the common line
 * (no error) is read once: where a comment starts (';' or '#' at the
 * start or after white space; inih alone would keep "1 # comment" as the
 * value), and whether a control character (anywhere) or a non-ASCII byte
 * (before the comment) is there for the checks that name them. */
struct line_scan {
	size_t comment; /* from the start given; the length when none */
	bool control, non_ascii;
};

static struct line_scan line_scan(const char *s, size_t len)
{
	struct line_scan r = { len, false, false };

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f) {
			r.control |= (c < 0x20 && c != '\t') || c == 0x7f;
			r.non_ascii |= c >= 0x80 && r.comment == len;
		} else if ((c == ';' || c == '#') && r.comment == len && (i == 0 || blank(s[i - 1]))) {
			r.comment = i;
		}
	}
	return r;
}

static bool key_name_valid(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '_' &&
		    c != '-')
			return false;
	}
	return true;
}

/* A carriage return inside the line or a control character: reported,
 * with its column counted from after the BOM. */
static bool control_char_found(struct parser *p, const char *raw, size_t start, size_t len, size_t bom)
{
	for (size_t i = start; i < len; i++) {
		unsigned char c = (unsigned char)raw[i];
		if (c == '\r') {
			diag_error(p->d, p->lineno, "carriage return at column %zu, inside the line (old Mac line "
						    "endings?)",
				   i - bom + 1);
			return true;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			diag_error(p->d, p->lineno, "control character 0x%02x at column %zu", c, i - bom + 1);
			return true;
		}
	}
	return false;
}

/* Outside comments only ASCII means anything. A pasted non-breaking
 * space or typographic quote is invisible in the message, so name it. */
static bool non_ascii_found(struct parser *p, const char *raw, size_t start, size_t end, size_t bom)
{
	for (size_t i = start; i < end; i++) {
		if ((unsigned char)raw[i] < 0x80)
			continue;
		if (end - i >= 3 && !memcmp(raw + i, "\xEF\xBB\xBF", 3))
			diag_error(p->d, p->lineno, "byte order mark at column %zu: one is allowed only at the start "
						    "of the file",
				   i - bom + 1);
		else
			diag_error(p->d, p->lineno, "non-ASCII byte 0x%02x at column %zu (a non-breaking space or a "
						    "typographic quote?): only comments may hold non-ASCII text",
				   (unsigned char)raw[i], i - bom + 1);
		return true;
	}
	return false;
}

/* A trimmed line that is not a section header into out as "key=value",
 * or a clear error for what inih would misread or cut. */
static void key_value_line(struct parser *p, const char *line, size_t n, char *out, int outsize)
{
	const char *eq = memchr(line, '=', n);
	if (!eq) {
		diag_error(p->d, p->lineno, "expected \"key = value\", found \"%.*s%s\"%s", quote_len(n), line,
			   quote_more(n), memchr(line, ':', n) ? " (lvsdr takes only '=' between key and value)" : "");
		return;
	}
	size_t klen = (size_t)(eq - line), vstart = klen + 1;
	while (klen && blank(line[klen - 1]))
		klen--;
	while (vstart < n && blank(line[vstart]))
		vstart++;
	if (!klen) {
		diag_error(p->d, p->lineno, "found \"%.*s%s\": a value with no key before '='", quote_len(n), line,
			   quote_more(n));
		return;
	}
	if (!key_name_valid(line, klen)) {
		diag_error(p->d, p->lineno, "\"%.*s%s\" is not a key name: keys are letters, digits, '_' and '-'",
			   quote_len(klen), line, quote_more(klen));
		return;
	}
	if (klen > KEY_NAME_MAX) {
		diag_error(p->d, p->lineno, "unknown key %.*s...: no key is %zu characters long", quote_len(klen), line,
			   klen);
		return;
	}
	/* A value too long for inih's buffer (no valid one comes close) still
	 * reaches the handler, as empty, so the key is checked and counted as
	 * present like any other: no "address is missing" on top. */
	/* "key=value" and its NUL: inih needs no newline, so Debian's
	 * 200-byte buffer holds a key and value of 198 characters together. */
	if ((int)(klen + 1 + (n - vstart) + 1) > outsize) {
		p->long_line = klen + (n - vstart);
		p->line_limit = outsize - 2;
		vstart = n;
	}
	/* Fits: the value by the check above, the key because no key name is
	 * longer than KEY_NAME_MAX, far below inih's line buffer. Copied, not
	 * formatted: 10,000 VIPs are 10,000 lines. */
	size_t vlen = n - vstart;
	memcpy(out, line, klen);
	out[klen] = '=';
	memcpy(out + klen + 1, line + vstart, vlen);
	out[klen + 1 + vlen] = '\0';
}

/* Normalise one raw line into out (as "[sec]\n", "key=value\n" or "\n"):
 * the bytes first, then the comment and white space, then the line's
 * shape. Returns false to stop parsing altogether (binary file). */
static bool normalise_line(struct parser *p, const char *raw, size_t len, char *out, int outsize)
{
	size_t bom = 0, start, end; /* columns in messages count from after a BOM */

	strcpy(out, "\n");
	p->long_line = 0;
	if (p->lineno == 1 && len >= 3 && !memcmp(raw, "\xEF\xBB\xBF", 3))
		bom = 3; /* UTF-8 byte order mark, as some Windows editors write */
	start = bom;
	if (memchr(raw, '\0', len)) {
		diag_error(p->d, p->lineno, "NUL byte: this is not a text profile");
		return false;
	}
	if (len > RAW_LINE_MAX) {
		diag_error(p->d, p->lineno, "line is %zu bytes long; the limit is %d", len, RAW_LINE_MAX);
		return true;
	}
	if (len > start && raw[len - 1] == '\r')
		len--; /* CRLF line ending */
	struct line_scan scan = line_scan(raw + start, len - start);
	/* The finders below name the byte; they run only when there is one. */
	if (scan.control && control_char_found(p, raw, start, len, bom))
		return true;
	end = start + scan.comment;
	if (scan.non_ascii && non_ascii_found(p, raw, start, end, bom))
		return true;
	/* Leading white space is dropped so an indented line keeps its own
	 * meaning instead of becoming a continuation of the previous value. */
	while (start < end && blank(raw[start]))
		start++;
	while (end > start && blank(raw[end - 1]))
		end--;
	if (start == end)
		return true;

	const char *line = raw + start;
	size_t n = end - start;
	if (line[0] == '[') {
		section_begin(p, line, n);
		if (p->section >= 0)
			snprintf(out, (size_t)outsize, "[%s]\n", section_names[p->section]);
		return true;
	}
	key_value_line(p, line, n, out, outsize);
	return true;
}

char *profile_next_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *raw, *nl;
	size_t len;

	if (p->stop || p->pos >= p->len)
		return NULL;
	raw = p->text + p->pos;
	nl = memchr(raw, '\n', p->len - p->pos);
	len = nl ? (size_t)(nl - raw) : p->len - p->pos;
	p->pos += len + (nl ? 1 : 0);
	p->lineno++;
	if (!normalise_line(p, raw, len, str, num)) {
		p->stop = true;
		return NULL;
	}
	return str;
}
