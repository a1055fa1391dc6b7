/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal TAP producer for the helper's unit tests: one "ok N - what"
 * or "not ok N - what" line per check, diagnostics as "# ...", the plan
 * at the end. tap_done() is the exit status.
 */
#ifndef TTYVS_TAP_H
#define TTYVS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void tap_vline(int pass, const char *fmt, va_list ap)
{
	printf("%sok %d - ", pass ? "" : "not ", ++tap_n);
	vprintf(fmt, ap);
	putchar('\n');
	if (!pass)
		tap_failed++;
}

static inline int ok_at(int pass, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline int ok_at(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#   failed at %s:%d\n", file, line);
	return pass;
}

#define ok(cond, ...) ok_at(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

static inline int cmp_at(int mode, const char *got, const char *want, const char *file, int line,
			 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* mode 0: got == want, 1: want occurs in got */
static inline int cmp_at(int mode, const char *got, const char *want, const char *file, int line,
			 const char *fmt, ...)
{
	int pass = got && want && (mode ? strstr(got, want) != NULL : !strcmp(got, want));
	va_list ap;

	va_start(ap, fmt);
	tap_vline(pass, fmt, ap);
	va_end(ap);
	if (!pass) {
		printf("#   failed at %s:%d\n", file, line);
		printf("#   got:      \"%s\"\n", got ? got : "(null)");
		printf("#   %s \"%s\"\n", mode ? "expected to contain:" : "expected:", want ? want : "(null)");
	}
	return pass;
}

static inline int int_at(long long got, long long want, const char *file, int line,
			 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static inline int int_at(long long got, long long want, const char *file, int line,
			 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline(got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		printf("#   failed at %s:%d\n#   got:      %lld\n#   expected: %lld\n", file, line, got,
		       want);
	return got == want;
}

/* got == want as strings */
#define is_str(got, want, ...) cmp_at(0, (got), (want), __FILE__, __LINE__, __VA_ARGS__)
/* want occurs in got */
#define has_str(got, want, ...) cmp_at(1, (got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) int_at((long long)(got), (long long)(want), __FILE__, __LINE__, \
				      __VA_ARGS__)

static inline void skip(const char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void skip(const char *why, const char *fmt, ...)
{
	va_list ap;

	printf("ok %d - ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", why);
}

static inline void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed)
		printf("# %d of %d failed\n", tap_failed, tap_n);
	return tap_failed ? 1 : 0;
}

#endif
