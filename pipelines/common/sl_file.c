/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sl_file.h"

int
sl_read_file(const char *path, uint8_t **out, size_t *len)
{
	struct stat st;
	size_t cap, got = 0;
	uint8_t *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	/* Not only regular files: --rules /dev/stdin reads to the end. */
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
	buf = malloc(cap);
	for (;;) {
		ssize_t k;

		if (buf == NULL) {
			errno = ENOMEM;
			goto fail;
		}
		if (got == cap) {
			uint8_t *b = realloc(buf, cap * 2);

			if (b == NULL)
				free(buf);
			buf = b;
			cap *= 2;
			continue;
		}
		k = read(fd, buf + got, cap - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			free(buf);
			goto fail;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	*out = buf;
	*len = got;
	return 0;
fail:
	err = errno;
	close(fd);
	return -err;
}
