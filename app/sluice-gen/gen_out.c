/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen_out.h"

static void
file_flush(struct gen_file *f, const uint8_t *p, size_t n)
{
	while (n > 0 && f->err == 0) {
		ssize_t w = write(f->fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			f->err = errno;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
}

int
gen_file_open(struct gen_file *f, const char *path, size_t cap)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->buf = malloc(cap);
	if (f->buf == NULL)
		return -ENOMEM;
	f->cap = cap;
	f->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		int e = errno;

		free(f->buf);
		f->buf = NULL;
		return -e;
	}
	return 0;
}

void
gen_file_put(struct gen_file *f, const void *p, size_t n)
{
	f->total += n;
	if (n > f->cap - f->len) {
		file_flush(f, f->buf, f->len);
		f->len = 0;
		if (n > f->cap) {
			file_flush(f, p, n);
			return;
		}
	}
	memcpy(f->buf + f->len, p, n);
	f->len += n;
}

int
gen_file_close(struct gen_file *f)
{
	int err;

	if (f->fd < 0)
		return -EBADF;
	file_flush(f, f->buf, f->len);
	f->len = 0;
	if (close(f->fd) != 0 && f->err == 0)
		f->err = errno;
	f->fd = -1;
	free(f->buf);
	f->buf = NULL;
	err = f->err;
	return -err;
}

/* Little-endian stores: the pcap is written in the host's order, and the
 * magic number tells readers which one that is. */
static void
le32_put(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

void
gen_pcap_header(struct gen_file *f, bool nsec, uint32_t snaplen)
{
	uint8_t h[24];

	le32_put(h, nsec ? 0xa1b23c4du : 0xa1b2c3d4u);
	h[4] = 2; /* version 2.4 */
	h[5] = 0;
	h[6] = 4;
	h[7] = 0;
	le32_put(h + 8, 0);  /* thiszone */
	le32_put(h + 12, 0); /* sigfigs */
	le32_put(h + 16, snaplen);
	le32_put(h + 20, GEN_LINKTYPE_ETHERNET);
	gen_file_put(f, h, sizeof(h));
}

void
gen_pcap_packet(struct gen_file *f, bool nsec, uint64_t ts_ns,
		const void *hdr, uint32_t hlen, const void *data, uint32_t dlen)
{
	uint8_t r[16];
	uint32_t sub = (uint32_t)(ts_ns % 1000000000u);

	le32_put(r, (uint32_t)(ts_ns / 1000000000u));
	le32_put(r + 4, nsec ? sub : sub / 1000);
	le32_put(r + 8, hlen + dlen);
	le32_put(r + 12, hlen + dlen);
	gen_file_put(f, r, sizeof(r));
	gen_file_put(f, hdr, hlen);
	if (dlen)
		gen_file_put(f, data, dlen);
}
