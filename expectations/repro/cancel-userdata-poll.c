/* uring-conform finding reproducer (raw syscalls, libc only).
 * Build: cc -O2 -o cancel-userdata-poll cancel-userdata-poll.c
 * Three polls for POLLIN: pipe a with user_data 1 and 2, pipe b with
 * user_data 1. Then IORING_OP_ASYNC_CANCEL (user_data 4) with
 * IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_USERDATA |
 * IORING_ASYNC_CANCEL_ALL, fd a, addr 1. io_uring_prep_cancel(3): the keys
 * combine, so only a's poll with user_data 1 matches. GOOD when exactly
 * {1, -ECANCELED} and {4, 1} arrive and the other two polls stay armed
 * (each then completes with POLLIN once its pipe has data); BAD otherwise
 * (6.1.192 cancels both polls of pipe a and answers 2). Exit 0 GOOD,
 * 1 BAD, 2 could not run (the kernel refuses the keys with -EINVAL). */
#include <errno.h>
#include <linux/io_uring.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef IORING_ASYNC_CANCEL_ALL
#define IORING_ASYNC_CANCEL_ALL (1U << 0)
#endif
#ifndef IORING_ASYNC_CANCEL_FD
#define IORING_ASYNC_CANCEL_FD (1U << 1)
#endif
#ifndef IORING_ASYNC_CANCEL_USERDATA
#define IORING_ASYNC_CANCEL_USERDATA (1U << 4)
#endif

static int ringfd;
static struct io_uring_params p;
static char *rg;
static struct io_uring_sqe *sqes;

static int submit(const struct io_uring_sqe *s, int n) {
	unsigned *stail = (unsigned *)(rg + p.sq_off.tail), t = *stail;
	for (int i = 0; i < n; i++, t++) {
		unsigned idx = t & (p.sq_entries - 1);
		sqes[idx] = s[i];
		((unsigned *)(rg + p.sq_off.array))[idx] = idx;
	}
	__atomic_store_n(stail, t, __ATOMIC_RELEASE);
	return syscall(__NR_io_uring_enter, ringfd, n, 0, 0, NULL, 0) == n ? 0 : -1;
}

/* Waits for at least `min` CQEs, lets stragglers land for 100 ms, then
 * takes every CQE there is (up to 8). */
static int reap(unsigned min, unsigned long long *ud, int *res) {
	if (min && syscall(__NR_io_uring_enter, ringfd, 0, min, IORING_ENTER_GETEVENTS, NULL, 0) < 0) return -1;
	usleep(100000);
	unsigned *head = (unsigned *)(rg + p.cq_off.head), *tail = (unsigned *)(rg + p.cq_off.tail);
	struct io_uring_cqe *cqes = (struct io_uring_cqe *)(rg + p.cq_off.cqes);
	unsigned h = *head;
	int n = 0;
	for (; h != __atomic_load_n(tail, __ATOMIC_ACQUIRE) && n < 8; h++, n++) {
		ud[n] = cqes[h & (p.cq_entries - 1)].user_data;
		res[n] = cqes[h & (p.cq_entries - 1)].res;
	}
	__atomic_store_n(head, h, __ATOMIC_RELEASE);
	return n;
}

static int has(int n, const unsigned long long *ud, const int *res, unsigned long long u, int r) {
	for (int i = 0; i < n; i++)
		if (ud[i] == u && res[i] == r) return 1;
	return 0;
}

static void show(const char *what, int n, const unsigned long long *ud, const int *res) {
	printf("%s:", what);
	for (int i = 0; i < n; i++) printf(" {%llu, %d}", ud[i], res[i]);
	printf("%s\n", n ? "" : " none");
}

int main(void) {
	int a[2], b[2];
	memset(&p, 0, sizeof p);
	ringfd = syscall(__NR_io_uring_setup, 8, &p);
	if (ringfd < 0 || pipe(a) || pipe(b)) { perror("setup"); return 2; }
	size_t sz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.sq_off.array + p.sq_entries * 4 > sz) sz = p.sq_off.array + p.sq_entries * 4;
	rg = mmap(0, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ringfd, IORING_OFF_SQ_RING);
	sqes = mmap(0, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ringfd, IORING_OFF_SQES);
	if (rg == MAP_FAILED || sqes == MAP_FAILED) { perror("mmap"); return 2; }

	struct io_uring_sqe polls[3] = {
		{ .opcode = IORING_OP_POLL_ADD, .fd = a[0], .poll32_events = POLLIN, .user_data = 1 },
		{ .opcode = IORING_OP_POLL_ADD, .fd = a[0], .poll32_events = POLLIN, .user_data = 2 },
		{ .opcode = IORING_OP_POLL_ADD, .fd = b[0], .poll32_events = POLLIN, .user_data = 1 },
	};
	if (submit(polls, 3)) { perror("submit polls"); return 2; }
	unsigned long long ud[8];
	int res[8], n = reap(0, ud, res);
	if (n) { show("CANNOT RUN: polls completed early", n, ud, res); return 2; }

	struct io_uring_sqe c = {
		.opcode = IORING_OP_ASYNC_CANCEL,
		.fd = a[0],
		.addr = 1,
		.cancel_flags = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_USERDATA | IORING_ASYNC_CANCEL_ALL,
		.user_data = 4,
	};
	if (submit(&c, 1)) { perror("submit cancel"); return 2; }
	n = reap(1, ud, res);
	if (n < 0) { perror("wait"); return 2; }
	if (n == 1 && ud[0] == 4 && res[0] == -EINVAL) {
		printf("CANNOT RUN: the cancel keys FD|USERDATA|ALL are refused (-EINVAL)\n");
		return 2;
	}
	int good = n == 2 && has(n, ud, res, 1, -ECANCELED) && has(n, ud, res, 4, 1);
	show(good ? "cancel" : "BAD: cancel by fd a and user_data 1 gave (want {1, -125} {4, 1})", n, ud, res);

	/* The two polls that do not match both keys must still be armed. */
	unsigned long long ud2[8];
	int res2[8];
	if (write(a[1], "x", 1) != 1 || write(b[1], "x", 1) != 1) return 2;
	int n2 = reap(0, ud2, res2);
	int want2 = good ? 2 : 0;
	int armed = n2 == want2 && (!good || (has(n2, ud2, res2, 2, POLLIN) && has(n2, ud2, res2, 1, POLLIN)));
	if (good && !armed) show("BAD: after data on both pipes (want {2, 1} {1, 1}) got", n2, ud2, res2);
	if (good && armed) printf("GOOD: only the poll with fd a and user_data 1 was cancelled (res 1); the others completed with POLLIN\n");
	return good && armed ? 0 : 1;
}
