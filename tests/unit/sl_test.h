/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A minimal unit-test harness printing TAP ("ok N - name" / "not ok N -
 * name"), which tests/run counts. Each case is a small function:
 *
 *   static int test_ipv4_header_checksum_is_checked(void)
 *   {
 *       SL_ASSERT_EQ(decode_one(bad_cksum), 0);
 *       return 0;
 *   }
 *   static const struct sl_test_case cases[] = {
 *       SL_TEST(test_ipv4_header_checksum_is_checked),
 *   };
 *   int main(int argc, char **argv)
 *   {
 *       return sl_test_main(argc, argv, cases, SL_DIM(cases), true);
 *   }
 *
 * A case that cannot run here (needs root, a tool not installed) ends with
 * SL_TEST_SKIP("reason %s", why) instead of returning 0: the harness then
 * prints "ok N - name # SKIP reason", which tests/run counts as skipped,
 * not passed.
 */
#ifndef SL_TEST_H
#define SL_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_log.h>

struct sl_test_case {
	const char *name;
	int (*fn)(void);
};

#define SL_TEST(fn) { #fn, fn }

/** A case's return value: 0 passed, SL_SKIP skipped (by SL_TEST_SKIP only),
 * anything else failed. */
#define SL_SKIP 2
#define SL_SKIP_REASON_MAX 256

/** The reason the running case was skipped; "" while it has not been. */
static inline char *
sl_test_skip_reason(void)
{
	static char reason[SL_SKIP_REASON_MAX];

	return reason;
}

/**
 * Skip the running case: record the reason (printf format) for its TAP line
 * and return SL_SKIP from the case. A reason longer than
 * SL_SKIP_REASON_MAX - 1 is cut (snprintf's result is tested only to keep
 * -Wformat-truncation quiet); line breaks in it become spaces.
 */
#define SL_TEST_SKIP(...) do { \
	char *_r = sl_test_skip_reason(); \
	if (snprintf(_r, SL_SKIP_REASON_MAX, __VA_ARGS__) <= 0 || _r[0] == '\0') \
		strcpy(_r, "(no reason given)"); \
	for (char *_c = _r; *_c != '\0'; _c++) \
		if (*_c == '\n' || *_c == '\r') \
			*_c = ' '; \
	return SL_SKIP; \
} while (0)

#define SL_FAIL(...) do { \
	fprintf(stderr, "# %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); \
	return -1; \
} while (0)

#define SL_ASSERT(cond) do { \
	if (!(cond)) \
		SL_FAIL("assertion failed: %s", #cond); \
} while (0)

#define SL_ASSERT_EQ(a, b) do { \
	long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) \
		SL_FAIL("%s == %lld, expected %s == %lld", #a, _a, #b, _b); \
} while (0)

#define SL_ASSERT_MEM_EQ(a, b, n) do { \
	if (memcmp((a), (b), (n)) != 0) \
		SL_FAIL("memory differs: %s vs %s (%zu bytes)", #a, #b, (size_t)(n)); \
} while (0)

/**
 * Start a small EAL for tests that need mbufs or rings: no PCI, no
 * hugepages, a unique file prefix.
 */
static inline int
sl_test_eal_init(const char *prog)
{
	char prefix[64];
	char *args[] = { (char *)(uintptr_t)prog, "--no-pci", "--no-huge", "-m", "512",
		"--file-prefix", prefix, "-l", "0", "--log-level", "lib.*:error",
		"--log-level", "pmd.*:error", NULL };

	snprintf(prefix, sizeof(prefix), "sl-unit-%d", (int)getpid());
	return rte_eal_init((int)(sizeof(args) / sizeof(args[0])) - 1, args);
}

/**
 * Run the cases (or only those named on the command line) and print TAP.
 * @return process exit code: 0 when all passed.
 */
static inline int
sl_test_main(int argc, char **argv, const struct sl_test_case *cases,
	     unsigned int n, bool need_eal)
{
	unsigned int i, failed = 0, run = 0;
	char *reason = sl_test_skip_reason();

	if (need_eal && sl_test_eal_init(argv[0]) < 0) {
		printf("not ok 1 - EAL init\n");
		return 1;
	}
	printf("1..%u\n", n);
	for (i = 0; i < n; i++) {
		int j, rc, selected = argc <= 1;

		for (j = 1; j < argc; j++)
			if (strcmp(argv[j], cases[i].name) == 0)
				selected = 1;
		if (!selected)
			continue;
		run++;
		reason[0] = '\0';
		rc = cases[i].fn();
		if (rc == 0) {
			printf("ok %u - %s\n", i + 1, cases[i].name);
		} else if (rc == SL_SKIP && reason[0] != '\0') {
			/* Only through SL_TEST_SKIP: a stray 2 is a failure. */
			printf("ok %u - %s # SKIP %s\n", i + 1, cases[i].name, reason);
		} else {
			printf("not ok %u - %s\n", i + 1, cases[i].name);
			failed++;
		}
		fflush(stdout);
	}
	if (need_eal)
		rte_eal_cleanup();
	return failed ? 1 : (run ? 0 : 1);
}

#endif /* SL_TEST_H */
