/* uring-conform finding reproducer (raw syscalls, libc only).
 * Build: cc -O2 -o cancel-interrupted-open cancel-interrupted-open.c
 * An OPENAT of a FIFO for reading (IOSQE_ASYNC) blocks in an io-wq worker;
 * then it is cancelled. Modes:
 *   eintr            ASYNC_CANCEL on a plain ring: GOOD when the open
 *                    completes with -EINTR, BAD with -ERESTARTSYS (-512)
 *   sqpoll-ealready  ASYNC_CANCEL on an SQPOLL ring: GOOD when the cancel
 *                    answers -EALREADY (it found the running open), BAD
 *                    with -ENOENT
 *   sync-sqpoll      IORING_REGISTER_SYNC_CANCEL (1 s) on an SQPOLL ring:
 *                    GOOD when it returns 0, BAD when it fails with ENOENT
 *                    (exit 2 where the opcode is unknown, EINVAL: < 6.0)
 *   ealready-race    ASYNC_CANCEL on a plain ring, 20 times: GOOD when every
 *                    cancel answers -EALREADY, BAD when one answers -ENOENT
 * Prints GOOD or BAD with what it saw; exit 0 GOOD, 1 BAD, 2 could not run. */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ERESTARTSYS_ 512

struct ring { int fd; char *rg; struct io_uring_params p; struct io_uring_sqe *sqes; unsigned tail; };

static int ring_init(struct ring *r, unsigned flags) {
	memset(r, 0, sizeof *r);
	r->p.flags = flags;
	r->p.sq_thread_idle = 1000;
	r->fd = syscall(__NR_io_uring_setup, 8, &r->p);
	if (r->fd < 0) return -errno;
	size_t sz = r->p.cq_off.cqes + r->p.cq_entries * sizeof(struct io_uring_cqe);
	if (r->p.sq_off.array + r->p.sq_entries * 4 > sz) sz = r->p.sq_off.array + r->p.sq_entries * 4;
	r->rg = mmap(0, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	r->sqes = mmap(0, r->p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (r->rg == MAP_FAILED || r->sqes == MAP_FAILED) return -ENOMEM;
	r->tail = *(unsigned *)(r->rg + r->p.sq_off.tail);
	return 0;
}

static void submit(struct ring *r, const struct io_uring_sqe *s) {
	unsigned idx = r->tail & (r->p.sq_entries - 1);
	r->sqes[idx] = *s;
	((unsigned *)(r->rg + r->p.sq_off.array))[idx] = idx;
	__atomic_store_n((unsigned *)(r->rg + r->p.sq_off.tail), ++r->tail, __ATOMIC_RELEASE);
	syscall(__NR_io_uring_enter, r->fd, 1, 0, r->p.flags & IORING_SETUP_SQPOLL ? IORING_ENTER_SQ_WAKEUP : 0, NULL, 0);
}

/* Waits up to 2 s for the CQE of user_data `ud`; its res, or 1 if none. */
static int wait_cqe(struct ring *r, unsigned long long ud) {
	unsigned *head = (unsigned *)(r->rg + r->p.cq_off.head), *tail = (unsigned *)(r->rg + r->p.cq_off.tail);
	struct io_uring_cqe *cqes = (void *)(r->rg + r->p.cq_off.cqes);
	for (int tries = 0; tries < 200; tries++) {
		for (unsigned h = *head; h != __atomic_load_n(tail, __ATOMIC_ACQUIRE); h++) {
			struct io_uring_cqe *c = &cqes[h & (r->p.cq_entries - 1)];
			if (c->user_data == ud) {
				int res = c->res;
				/* consume up to and including it (the others are the other request's) */
				if (h == *head) __atomic_store_n(head, h + 1, __ATOMIC_RELEASE);
				else c->user_data = ~0ULL;
				return res;
			}
		}
		usleep(10000);
	}
	return 1;
}

static char dir[] = "/tmp/uc-repro-XXXXXX", path[64];

static void cleanup(void) {
	unlink(path);
	rmdir(dir);
}

static const char *fifo_path(void) {
	if (!mkdtemp(dir)) return NULL;
	atexit(cleanup);
	snprintf(path, sizeof path, "%s/fifo", dir);
	if (mkfifo(path, 0600)) return NULL;
	return path;
}

static void start_open(struct ring *r, const char *fifo) {
	struct io_uring_sqe s = { .opcode = IORING_OP_OPENAT, .flags = IOSQE_ASYNC, .fd = AT_FDCWD,
				  .addr = (unsigned long)fifo, .open_flags = O_RDONLY, .user_data = 1 };
	submit(r, &s);
	usleep(200000); /* the worker is now blocked in the FIFO open */
}

static int async_cancel(struct ring *r) {
	struct io_uring_sqe c = { .opcode = IORING_OP_ASYNC_CANCEL, .fd = -1, .addr = 1, .user_data = 2 };
	submit(r, &c);
	return wait_cqe(r, 2);
}

int main(int argc, char **argv) {
	const char *mode = argc > 1 ? argv[1] : "eintr";
	const char *fifo = fifo_path();
	struct ring r;
	if (!fifo) { printf("could not make a FIFO\n"); return 2; }
	int sqpoll = !strcmp(mode, "sqpoll-ealready") || !strcmp(mode, "sync-sqpoll");
	int e = ring_init(&r, sqpoll ? IORING_SETUP_SQPOLL : 0);
	if (e) { printf("io_uring_setup: %s\n", strerror(-e)); return 2; }
	if (!strcmp(mode, "eintr")) {
		start_open(&r, fifo);
		int c = async_cancel(&r), o = wait_cqe(&r, 1);
		int good = o == -EINTR;
		printf("%s: cancel res %d, interrupted open res %d (%s)\n", good ? "GOOD" : "BAD", c, o,
		       o == -ERESTARTSYS_ ? "-ERESTARTSYS, kernel-internal" : o == -EINTR ? "-EINTR" : "unexpected");
		return good ? 0 : 1;
	}
	if (!strcmp(mode, "sqpoll-ealready")) {
		start_open(&r, fifo);
		int c = async_cancel(&r), o = wait_cqe(&r, 1);
		int good = c == -EALREADY;
		printf("%s: cancel of the running open on an SQPOLL ring res %d (want -EALREADY %d), open res %d\n", good ? "GOOD" : "BAD", c, -EALREADY, o);
		return good ? 0 : 1;
	}
	if (!strcmp(mode, "sync-sqpoll")) {
		start_open(&r, fifo);
		struct io_uring_sync_cancel_reg reg = { .addr = 1, .timeout = { 1, 0 } };
		int ret = syscall(__NR_io_uring_register, r.fd, IORING_REGISTER_SYNC_CANCEL, &reg, 1);
		int err = ret < 0 ? errno : 0;
		int good = ret == 0;
		if (err == EINVAL) {
			/* before 6.0 the register opcode does not exist */
			int w = open(fifo, O_WRONLY | O_NONBLOCK);
			if (w >= 0) close(w);
			printf("IORING_REGISTER_SYNC_CANCEL is not supported here (EINVAL)\n");
			return 2;
		}
		printf("%s: IORING_REGISTER_SYNC_CANCEL of the running open on an SQPOLL ring: %d (%s)\n", good ? "GOOD" : "BAD", ret, err ? strerror(err) : "ok");
		/* end the open either way: a writer lets it complete */
		int w = open(fifo, O_WRONLY | O_NONBLOCK);
		if (w >= 0) close(w);
		return good ? 0 : 1;
	}
	if (!strcmp(mode, "ealready-race")) {
		int enoent = 0;
		for (int i = 0; i < 20; i++) {
			struct ring q;
			if (ring_init(&q, 0)) return 2;
			start_open(&q, fifo);
			if (async_cancel(&q) == -ENOENT) enoent++;
			wait_cqe(&q, 1);
			close(q.fd);
		}
		printf("%s: %d of 20 cancels of a running open answered -ENOENT instead of -EALREADY\n", enoent ? "BAD" : "GOOD", enoent);
		return enoent ? 1 : 0;
	}
	printf("unknown mode %s\n", mode);
	return 2;
}
