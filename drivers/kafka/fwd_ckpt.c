/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarder's checkpoint: ROOT/.kafka-checkpoint. One pair of 256-byte
 * slots per source (512 bytes, at pos * 512); each write goes to the slot
 * the previous one did not use, so a torn write leaves the older copy.
 * A slot names its source (tenant, stream, shard) and holds:
 *   seq   the next record Kafka has not acknowledged (all below are in it)
 *   sent  the end of what was handed to the producer: after a crash, the
 *         batches in [seq, sent) are sent again and may be duplicates
 *   seg, off  where seq's frame is (a hint for a quick resume)
 * All sources changed in a round are written, then one fdatasync; only
 * then does the forwarder send further (fwd_ckpt_write's caller).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stddef.h>

#include "fwd_private.h"

#define CKPT_MAGIC 0x314b4c53u   /* "SLK1" */
#define CKPT_VERSION 1
#define SLOT 256u
#define PAIR (2 * SLOT)

struct ckpt_ent {
	uint32_t magic;
	uint16_t version;
	uint16_t shard;
	uint64_t gen;
	uint64_t seq;
	uint64_t sent;
	uint64_t seg;
	uint64_t off;
	char tenant[48];
	char stream[48];
	uint8_t reserved[108];
	uint32_t crc;
} __attribute__((packed));
_Static_assert(sizeof(struct ckpt_ent) == SLOT, "a checkpoint slot is 256 bytes");

static int
ent_ok(const struct ckpt_ent *e)
{
	return e->magic == CKPT_MAGIC && e->version == CKPT_VERSION &&
		e->crc == sl_crc32c(e, offsetof(struct ckpt_ent, crc)) &&
		memchr(e->tenant, '\0', sizeof(e->tenant)) != NULL &&
		memchr(e->stream, '\0', sizeof(e->stream)) != NULL;
}

int
fwd_ckpt_open(struct sl_fwd *f, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];
	struct ckpt_ent *all = NULL;
	struct stat st;
	size_t n = 0, i;
	unsigned int k;

	snprintf(path, sizeof(path), "%s/%s", f->root, FWD_CKPT_NAME);
	f->ckpt_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (f->ckpt_fd < 0 || fstat(f->ckpt_fd, &st) != 0) {
		snprintf(err, errlen, "--kafka: cannot open the checkpoint %s: %s",
			 path, strerror(errno));
		return -errno;
	}
	if (st.st_size > 0) {
		n = (size_t)st.st_size / SLOT;
		all = malloc(n * SLOT);
		if (all == NULL || sl_seg_pread(f->ckpt_fd, all, n * SLOT, 0) != 0) {
			free(all);
			snprintf(err, errlen, "--kafka: cannot read the checkpoint %s", path);
			return -EIO;
		}
	}
	f->ckpt_slots = (int)((st.st_size + PAIR - 1) / PAIR);
	for (k = 0; k < f->n_src; k++) {
		struct fwd_src *s = &f->src[k];
		const struct ckpt_ent *best = NULL;
		struct sl_store_pub pub;

		for (i = 0; i < n; i++) {
			const struct ckpt_ent *e = &all[i];

			if (!ent_ok(e) || e->shard != s->shard ||
			    strcmp(e->tenant, s->tenant) != 0 ||
			    strcmp(e->stream, s->stream) != 0)
				continue;
			if (best == NULL || e->gen > best->gen)
				best = e;
		}
		sl_store_pub_read(s->pub, &pub);
		if (best != NULL) {
			s->ckpt_pos = (int)((size_t)(best - all) / 2);
			s->ckpt_gen = best->gen;
			s->acked = best->seq;
			s->sent = best->sent > best->seq ? best->sent : best->seq;
			s->hint_seg = best->seg;
			s->hint_off = best->off;
			if (s->acked > pub.next_seq) {
				/* The host lost the segments' tail after Kafka
				 * had it: the store numbers on from here
				 * (sl_fwd_resume_seq, sl_store_skip_to). */
				FWD_LOG(WARNING, "%s: Kafka has records up to seq %" PRIu64 ", the segments end at %"
					PRIu64 " (lost with the host): the store numbers on from %" PRIu64 "\n",
					s->dir, s->acked - 1, pub.next_seq, s->acked);
				s->hint_seg = UINT64_MAX;
			}
		} else {
			/* New source: everything on disk goes. */
			s->ckpt_pos = f->ckpt_slots++;
			s->ckpt_gen = 0;
			s->acked = fwd_seg_find(s->dir, 0);   /* the first on disk */
			if (s->acked == UINT64_MAX || s->acked > pub.next_seq)
				s->acked = pub.next_seq;
			s->sent = s->acked;
			s->hint_seg = UINT64_MAX;
			s->ckpt_seq = UINT64_MAX;   /* written at the first round */
		}
		if (best != NULL) {
			s->ckpt_seq = s->acked;
			s->ckpt_sent = s->sent;
		}
		s->next = s->acked;
		s->resend_until = s->sent;
		s->ack_seg = s->hint_seg;
		s->ack_off = s->hint_off;
		sl_fwd_gate_init(&s->gate, s->acked);
	}
	free(all);
	if (st.st_size == 0 && fsync(f->ckpt_fd) == 0) {
		/* A new file: its directory entry must last too. */
		int dfd = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	return 0;
}

int
fwd_ckpt_write(struct sl_fwd *f)
{
	unsigned int k, nw = 0;

	for (k = 0; k < f->n_src; k++) {
		struct fwd_src *s = &f->src[k];
		struct ckpt_ent e;
		off_t at;

		if (s->ckpt_seq == s->acked && s->ckpt_sent == s->sent)
			continue;
		memset(&e, 0, sizeof(e));
		e.magic = CKPT_MAGIC;
		e.version = CKPT_VERSION;
		e.shard = s->shard;
		e.gen = s->ckpt_gen + 1;
		e.seq = s->acked;
		e.sent = s->sent;
		e.seg = s->ack_seg;
		e.off = s->ack_off;
		memcpy(e.tenant, s->tenant, strlen(s->tenant));
		memcpy(e.stream, s->stream, strlen(s->stream));
		e.crc = sl_crc32c(&e, offsetof(struct ckpt_ent, crc));
		at = (off_t)s->ckpt_pos * PAIR + (off_t)(e.gen & 1) * SLOT;
		if (pwrite(f->ckpt_fd, &e, sizeof(e), at) != (ssize_t)sizeof(e)) {
			f->ctr[SL_FWDK_checkpoint_errors]++;
			FWD_LOG(ERR, "checkpoint write failed: %s; sending waits\n", strerror(errno));
			return -EIO;
		}
		s->ckpt_gen = e.gen;
		nw++;
	}
	if (nw == 0)
		return 0;
	if (fdatasync(f->ckpt_fd) != 0) {
		f->ctr[SL_FWDK_checkpoint_errors]++;
		FWD_LOG(ERR, "checkpoint fdatasync failed: %s; sending waits\n", strerror(errno));
		return -EIO;
	}
	for (k = 0; k < f->n_src; k++) {
		f->src[k].ckpt_seq = f->src[k].acked;
		f->src[k].ckpt_sent = f->src[k].sent;
		sl_fwd_gate_set_acked(&f->src[k].gate, f->src[k].acked);
	}
	f->ctr[SL_FWDK_checkpoints]++;
	return 0;
}
