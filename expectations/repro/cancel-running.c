/* Independent raw-syscall client: cancel an OPENAT that runs (blocked) in an
 * io-wq worker (a FIFO opened for reading, IOSQE_ASYNC).
 *   ./cancel-running async          ASYNC_CANCEL on a plain ring
 *   ./cancel-running async-sqpoll   ASYNC_CANCEL on an SQPOLL ring
 *   ./cancel-running sync           REGISTER_SYNC_CANCEL (1 s timeout), plain ring
 *   ./cancel-running sync-defer     REGISTER_SYNC_CANCEL (1 s timeout), DEFER_TASKRUN ring
 *   ./cancel-running sync-sqpoll    REGISTER_SYNC_CANCEL (1 s timeout), SQPOLL ring
 * Prints the cancel's result and the open's CQE. */
#include <linux/io_uring.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int fd;
static char *rg;
static struct io_uring_params p;
static struct io_uring_sqe *sqes;
static unsigned tail;

static void push(struct io_uring_sqe *s) {
	unsigned idx = tail & (p.sq_entries - 1);
	sqes[idx] = *s;
	((unsigned *)(rg + p.sq_off.array))[idx] = idx;
	__atomic_store_n((unsigned *)(rg + p.sq_off.tail), ++tail, __ATOMIC_RELEASE);
	unsigned fl = p.flags & IORING_SETUP_SQPOLL ? IORING_ENTER_SQ_WAKEUP : 0;
	if (p.flags & IORING_SETUP_DEFER_TASKRUN) fl |= IORING_ENTER_GETEVENTS;
	syscall(__NR_io_uring_enter, fd, 1, 0, fl, NULL, 0);
}

static void reap(const char *when) {
	unsigned *head = (unsigned *)(rg + p.cq_off.head), *ct = (unsigned *)(rg + p.cq_off.tail);
	struct io_uring_cqe *cqes = (void *)(rg + p.cq_off.cqes);
	struct __kernel_timespec ts = { 1, 0 };
	struct io_uring_getevents_arg arg = { .ts = (unsigned long)&ts };
	syscall(__NR_io_uring_enter, fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof(arg));
	for (; *head != __atomic_load_n(ct, __ATOMIC_ACQUIRE); (*head)++) {
		struct io_uring_cqe *c = &cqes[*head & (p.cq_entries - 1)];
		printf("  %s: cqe user_data %llu res %d\n", when, (unsigned long long)c->user_data, c->res);
	}
}

int main(int argc, char **argv) {
	const char *mode = argc > 1 ? argv[1] : "async";
	char path[] = "/tmp/cancel-running-XXXXXX";
	if (!mkdtemp(path)) return 1;
	char fifo[64]; snprintf(fifo, sizeof fifo, "%s/f", path);
	mkfifo(fifo, 0600);
	if (!strcmp(mode, "async-sqpoll") || !strcmp(mode, "sync-sqpoll")) { p.flags = IORING_SETUP_SQPOLL; p.sq_thread_idle = 1000; }
	if (!strcmp(mode, "sync-defer")) p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	fd = syscall(__NR_io_uring_setup, 8, &p);
	if (fd < 0) { perror("setup"); return 1; }
	size_t sz = p.cq_off.cqes + p.cq_entries * 16;
	if (p.sq_off.array + p.sq_entries * 4 > sz) sz = p.sq_off.array + p.sq_entries * 4;
	rg = mmap(0, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	sqes = mmap(0, p.sq_entries * 64, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	tail = *(unsigned *)(rg + p.sq_off.tail);

	struct io_uring_sqe s = { .opcode = IORING_OP_OPENAT, .flags = IOSQE_ASYNC, .fd = AT_FDCWD,
				  .addr = (unsigned long)fifo, .open_flags = O_RDONLY, .user_data = 1 };
	push(&s);
	usleep(200000); /* demo only: let the worker block in wait_for_partner */

	if (!strncmp(mode, "async", 5)) {
		struct io_uring_sqe c = { .opcode = IORING_OP_ASYNC_CANCEL, .fd = -1, .addr = 1, .user_data = 2 };
		push(&c);
		reap("after ASYNC_CANCEL");
	} else {
		struct io_uring_sync_cancel_reg reg = { .addr = 1, .timeout = { 1, 0 } };
		struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
		int r = syscall(__NR_io_uring_register, fd, IORING_REGISTER_SYNC_CANCEL, &reg, 1);
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("  REGISTER_SYNC_CANCEL: %d (%s) after %.0f ms\n", r, r < 0 ? strerror(errno) : "ok",
		       (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
		reap("after SYNC_CANCEL");
	}
	unlink(fifo); rmdir(path);
	return 0;
}
