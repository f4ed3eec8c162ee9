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

	if (need_eal && sl_test_eal_init(argv[0]) < 0) {
		printf("not ok 1 - EAL init\n");
		return 1;
	}
	printf("1..%u\n", n);
	for (i = 0; i < n; i++) {
		int j, selected = argc <= 1;

		for (j = 1; j < argc; j++)
			if (strcmp(argv[j], cases[i].name) == 0)
				selected = 1;
		if (!selected)
			continue;
		run++;
		if (cases[i].fn() == 0) {
			printf("ok %u - %s\n", i + 1, cases[i].name);
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
