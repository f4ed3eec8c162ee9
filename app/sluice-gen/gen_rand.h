/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The generator's PRNG: xoshiro256** seeded through splitmix64, so a seed
 * gives the same capture on every machine.
 */
#ifndef GEN_RAND_H
#define GEN_RAND_H

#include <stdint.h>

/** PRNG state. */
struct gen_rand {
	uint64_t s[4];
};

static inline uint64_t
gen_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/** Seed @p r from @p seed (any value, 0 included). */
static inline void
gen_rand_seed(struct gen_rand *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = gen_splitmix64(&seed);
}

static inline uint64_t
gen_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/** Next 64 random bits. */
static inline uint64_t
gen_rand_u64(struct gen_rand *r)
{
	uint64_t *s = r->s;
	uint64_t res = gen_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = gen_rotl(s[3], 45);
	return res;
}

/** Uniform in [0, n) (n > 0), Lemire's multiply-shift (bias < 2^-32). */
static inline uint32_t
gen_rand_below(struct gen_rand *r, uint32_t n)
{
	return (uint32_t)(((gen_rand_u64(r) >> 32) * (uint64_t)n) >> 32);
}

/** Uniform in [lo, hi]. */
static inline uint32_t
gen_rand_range(struct gen_rand *r, uint32_t lo, uint32_t hi)
{
	return lo + gen_rand_below(r, hi - lo + 1);
}

/** Uniform double in [0, 1). */
static inline double
gen_rand_double(struct gen_rand *r)
{
	return (double)(gen_rand_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

/** True with probability @p pct percent. */
static inline int
gen_rand_pct(struct gen_rand *r, double pct)
{
	return gen_rand_double(r) * 100.0 < pct;
}

/** One element of a static array of strings. */
#define GEN_PICK(r, arr) ((arr)[gen_rand_below((r), sizeof(arr) / sizeof((arr)[0]))])

#endif /* GEN_RAND_H */
