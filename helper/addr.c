// SPDX-License-Identifier: GPL-2.0
/*
 * The address parser: a table of kinds, each with the form of its
 * arguments and the options it accepts.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include "addr.h"

enum arg_form {
	FORM_LISTEN,		/* [ADDR:]PORT */
	FORM_CONNECT,		/* HOST:PORT */
	FORM_PATH,		/* PATH */
};

enum {
	OPT_REPLACE = 1 << 0,
	OPT_RETRY = 1 << 1,
	OPT_BIND = 1 << 2,
	OPT_DIR = 1 << 3,
	OPT_TIMESTAMPS = 1 << 4,
	OPT_HEX = 1 << 5,
	OPT_DROP = 1 << 6,
};

static const struct {
	const char *name;
	enum addr_kind kind;
	enum arg_form form;
	unsigned int opts;
	const char *allowed;	/* for messages */
} kinds[] = {
	{ "tcp-listen", ADDR_TCP_LISTEN, FORM_LISTEN, OPT_REPLACE | OPT_DROP, "replace, drop" },
	{ "tcp", ADDR_TCP, FORM_CONNECT, OPT_RETRY | OPT_DROP, "retry=MS, drop" },
	{ "udp", ADDR_UDP, FORM_CONNECT, OPT_BIND, "bind=ADDR:PORT" },
	{ "udp-listen", ADDR_UDP_LISTEN, FORM_LISTEN, OPT_DROP, "drop" },
	{ "unix-listen", ADDR_UNIX_LISTEN, FORM_PATH, OPT_REPLACE | OPT_DROP, "replace, drop" },
	{ "unix", ADDR_UNIX, FORM_PATH, OPT_RETRY | OPT_DROP, "retry=MS, drop" },
	{ "fifo", ADDR_FIFO, FORM_PATH, 0, "none" },
	{ "file", ADDR_FILE, FORM_PATH, OPT_DIR | OPT_TIMESTAMPS | OPT_HEX,
	  "dir=both|in|out, timestamps, hex" },
	{ "telnet-listen", ADDR_TELNET_LISTEN, FORM_LISTEN, OPT_REPLACE | OPT_DROP, "replace, drop" },
	{ "telnet", ADDR_TELNET, FORM_CONNECT, OPT_RETRY | OPT_DROP, "retry=MS, drop" },
	{ "rfc2217-listen", ADDR_RFC2217_LISTEN, FORM_LISTEN, OPT_REPLACE, "replace" },
	{ "rfc2217", ADDR_RFC2217, FORM_CONNECT, OPT_RETRY, "retry=MS" },
};

const char addr_syntax_help[] = ADDR_SYNTAX_HELP;

const char *addr_kind_name(enum addr_kind k)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].kind == k)
			return kinds[i].name;
	return "?";
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool valid_port(const char *p)
{
	unsigned long v;
	char *end;

	if (!*p || strlen(p) > 5)
		return false;
	for (const char *c = p; *c; c++)
		if (*c < '0' || *c > '9')
			return false;
	v = strtoul(p, &end, 10);
	return v >= 1 && v <= 65535;
}

/*
 * Splits "HOST:PORT", "[V6]:PORT" or (if host_optional) "PORT" into host
 * and port. what names the argument in messages.
 */
static int split_hostport(const char *s, bool host_optional, char *host, char *port,
			  const char *what, char *err, size_t errlen)
{
	const char *colon, *h = s, *hend;

	if (s[0] == '[') {
		hend = strchr(s, ']');
		if (!hend || hend[1] != ':')
			return fail(err, errlen, "%s \"%s\": expected [IPV6]:PORT", what, s);
		h = s + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon && memchr(s, ':', (size_t)(colon - s)))
			return fail(err, errlen, "%s \"%s\": write IPv6 addresses in brackets, [::1]:PORT",
				    what, s);
		hend = colon;
	}
	if (!colon) {
		if (!host_optional)
			return fail(err, errlen, "%s \"%s\": expected HOST:PORT", what, s);
		host[0] = '\0';
		if (!valid_port(s))
			return fail(err, errlen, "%s: port \"%s\" is not a number 1..65535", what, s);
		snprintf(port, 8, "%s", s);
		return 0;
	}
	if ((size_t)(hend - h) >= ADDR_HOST_MAX)
		return fail(err, errlen, "%s: host name too long", what);
	if (hend == h && !host_optional)
		return fail(err, errlen, "%s \"%s\": missing host", what, s);
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	if (!valid_port(colon + 1))
		return fail(err, errlen, "%s: port \"%s\" is not a number 1..65535", what, colon + 1);
	snprintf(port, 8, "%s", colon + 1);
	return 0;
}

static int parse_option(struct addr *a, unsigned int allowed, const char *kname, const char *allowed_txt,
			char *opt, char *err, size_t errlen)
{
	char *val = strchr(opt, '=');
	unsigned int bit = 0;

	if (val)
		*val++ = '\0';
	if (!strcmp(opt, "replace"))
		bit = OPT_REPLACE;
	else if (!strcmp(opt, "retry"))
		bit = OPT_RETRY;
	else if (!strcmp(opt, "bind"))
		bit = OPT_BIND;
	else if (!strcmp(opt, "dir"))
		bit = OPT_DIR;
	else if (!strcmp(opt, "timestamps"))
		bit = OPT_TIMESTAMPS;
	else if (!strcmp(opt, "hex"))
		bit = OPT_HEX;
	else if (!strcmp(opt, "drop"))
		bit = OPT_DROP;
	if (!bit || !(allowed & bit))
		return fail(err, errlen, "unknown option \"%s\" for %s (allowed: %s)", opt, kname,
			    allowed_txt);
	if ((bit & (OPT_RETRY | OPT_BIND | OPT_DIR)) && (!val || !*val))
		return fail(err, errlen, "option \"%s\" needs a value (%s=...)", opt, opt);
	if ((bit & (OPT_REPLACE | OPT_TIMESTAMPS | OPT_HEX | OPT_DROP)) && val)
		return fail(err, errlen, "option \"%s\" takes no value", opt);

	switch (bit) {
	case OPT_REPLACE:
		a->replace = true;
		break;
	case OPT_TIMESTAMPS:
		a->timestamps = true;
		break;
	case OPT_HEX:
		a->hex = true;
		break;
	case OPT_DROP:
		a->drop = true;
		break;
	case OPT_RETRY: {
		char *end;
		unsigned long ms;

		if (*val < '0' || *val > '9')
			return fail(err, errlen, "retry=%s: not a number of milliseconds", val);
		errno = 0;
		ms = strtoul(val, &end, 10);
		if (errno || *end || ms < 10 || ms > ADDR_RETRY_MAX_MS)
			return fail(err, errlen, "retry=%s: milliseconds 10..%u expected", val,
				    ADDR_RETRY_MAX_MS);
		a->retry_ms = (unsigned int)ms;
		break;
	}
	case OPT_BIND:
		a->has_bind = true;
		return split_hostport(val, true, a->bind_host, a->bind_port, "bind", err, errlen);
	case OPT_DIR:
		if (!strcmp(val, "both"))
			a->dir = DIR_BOTH;
		else if (!strcmp(val, "in"))
			a->dir = DIR_IN;
		else if (!strcmp(val, "out"))
			a->dir = DIR_OUT;
		else
			return fail(err, errlen, "dir=%s: expected both, in or out", val);
		break;
	}
	return 0;
}

int addr_parse(const char *s, struct addr *a, char *err, size_t errlen)
{
	char buf[ADDR_TEXT_MAX], *args, *opts, *opt;
	size_t i, n = sizeof(kinds) / sizeof(kinds[0]);

	memset(a, 0, sizeof(*a));
	a->retry_ms = ADDR_RETRY_DEFAULT_MS;
	if (strlen(s) >= sizeof(buf))
		return fail(err, errlen, "address too long (at most %zu characters)", sizeof(buf) - 1);
	snprintf(a->text, sizeof(a->text), "%s", s);
	snprintf(buf, sizeof(buf), "%s", s);
	args = strchr(buf, ':');
	if (!args)
		return fail(err, errlen, "\"%s\": expected KIND:ARGUMENTS, e.g. tcp-listen:4000", s);
	*args++ = '\0';
	for (i = 0; i < n; i++)
		if (!strcasecmp(buf, kinds[i].name))
			break;
	if (i == n)
		return fail(err, errlen,
			    "unknown address kind \"%s\" (tcp-listen, tcp, udp, udp-listen, unix-listen, unix, fifo, file, telnet-listen, telnet, rfc2217-listen, rfc2217)",
			    buf);
	a->kind = kinds[i].kind;
	opts = strchr(args, ',');
	if (opts)
		*opts++ = '\0';

	switch (kinds[i].form) {
	case FORM_LISTEN:
	case FORM_CONNECT:
		if (split_hostport(args, kinds[i].form == FORM_LISTEN, a->host, a->port, kinds[i].name,
				   err, errlen))
			return -EINVAL;
		break;
	case FORM_PATH:
		if (!*args)
			return fail(err, errlen, "%s: missing path", kinds[i].name);
		/* fifo appends ".out"; unix paths must fit sun_path */
		if (strlen(args) + (a->kind == ADDR_FIFO ? 4 : 0) >= ADDR_PATH_MAX)
			return fail(err, errlen, "%s: path longer than %d characters", kinds[i].name,
				    ADDR_PATH_MAX - 1 - (a->kind == ADDR_FIFO ? 4 : 0));
		memcpy(a->path, args, strlen(args) + 1);
		break;
	}
	while (opts) {
		opt = opts;
		opts = strchr(opts, ',');
		if (opts)
			*opts++ = '\0';
		if (!*opt)
			return fail(err, errlen, "empty option (two commas?)");
		if (parse_option(a, kinds[i].opts, kinds[i].name, kinds[i].allowed, opt, err, errlen))
			return -EINVAL;
	}
	return 0;
}

int addr_resolve(const char *host, const char *port, int socktype, struct sockaddr_storage *ss,
		 socklen_t *len, char *err, size_t errlen)
{
	struct addrinfo hints = { 0 }, *res;
	const char *h = host && *host ? host : "127.0.0.1";
	int rc;

	if (!strcmp(h, "*"))
		h = "0.0.0.0";
	hints.ai_socktype = socktype;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(h, port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "cannot resolve \"%s\": %s", h,
			 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return rc == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

void addr_sockname(const struct sockaddr *sa, socklen_t len, char *buf, size_t buflen)
{
	char h[INET6_ADDRSTRLEN];

	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, h, sizeof(h));
		snprintf(buf, buflen, "%s:%u", h, ntohs(in->sin_port));
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, h, sizeof(h));
		snprintf(buf, buflen, "[%s]:%u", h, ntohs(in6->sin6_port));
		break;
	}
	case AF_UNIX: {
		const struct sockaddr_un *un = (const void *)sa;

		if (len > (socklen_t)offsetof(struct sockaddr_un, sun_path) && un->sun_path[0])
			snprintf(buf, buflen, "%.*s", (int)(len - offsetof(struct sockaddr_un, sun_path)),
				 un->sun_path);
		else
			snprintf(buf, buflen, "unix peer");
		break;
	}
	default:
		snprintf(buf, buflen, "?");
	}
}
