/* SPDX-License-Identifier: BSD-3-Clause */
#include <unistd.h>

#include <rte_atomic.h>
#include <rte_cycles.h>
#include <rte_pause.h>

#include "sl_pipeline.h"

int
sl_lcore_loop(void *arg)
{
	struct sl_lcore *lc = arg;
	struct sl_run *run = lc->run;
	uint64_t ms_tsc = run->tsc_hz / 1000, next_control = 0;
	unsigned int i;
	bool data = lc->n_workers + lc->n_writers > 0;

	for (;;) {
		uint64_t now = rte_rdtsc();
		unsigned int work = 0, finished = 0;

		if (!run->stop_rx) {
			for (i = 0; i < lc->n_workers; i++)
				work += sl_worker_rx(lc->workers[i], run);
		} else {
			for (i = 0; i < lc->n_workers; i++) {
				struct sl_worker *w = lc->workers[i];

				if (!w->done && sl_worker_drain(w))
					__atomic_fetch_add(&run->workers_done, 1,
							   __ATOMIC_RELEASE);
				finished += w->done;
			}
		}
		for (i = 0; i < lc->n_writers; i++) {
			struct sl_writer *w = lc->writers[i];

			work += sl_writer_poll(w, run, now);
			if (run->stop_rx && work == 0)
				finished += sl_writer_finish(w, run);
		}
		if (lc->control && now >= next_control) {
			lc->control(lc->control_arg);
			next_control = now + ms_tsc;
			if (!data)
				usleep(1000); /* control-only lcore */
		}
		if (run->stop_rx && finished == lc->n_workers + lc->n_writers) {
			/* Main lcore keeps serving control until every
			 * other lcore is done: its caller handles that. */
			break;
		}
		if (work == 0)
			rte_pause();
	}
	return 0;
}
