/* uring-conform finding reproducer (raw syscalls, libc only).
 * Build: cc -O2 -o remove-buffers-empty-group remove-buffers-empty-group.c
 * PROVIDE_BUFFERS of 2 buffers to group 3, REMOVE_BUFFERS of 2 (res 2),
 * then REMOVE_BUFFERS again from the now empty group: GOOD when it answers
 * -ENOENT (io_uring_prep_remove_buffers(3) ERRORS), BAD when it answers 0.
 * Exit 0 GOOD, 1 BAD, 2 could not run. */
#include <errno.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fd;
static char *rg;
static struct io_uring_params p;
static struct io_uring_sqe *sqes;

/* Submits one SQE and waits for its CQE; returns its res. */
static int run1(struct io_uring_sqe *s) {
	unsigned *stail = (unsigned *)(rg + p.sq_off.tail), t = *stail, idx = t & (p.sq_entries - 1);
	sqes[idx] = *s;
	((unsigned *)(rg + p.sq_off.array))[idx] = idx;
	__atomic_store_n(stail, t + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) return -1000 - errno;
	unsigned *head = (unsigned *)(rg + p.cq_off.head);
	struct io_uring_cqe *c = (struct io_uring_cqe *)(rg + p.cq_off.cqes) + (*head & (p.cq_entries - 1));
	int res = c->res;
	__atomic_store_n(head, *head + 1, __ATOMIC_RELEASE);
	return res;
}

int main(void) {
	static char bufs[2][64];
	fd = syscall(__NR_io_uring_setup, 4, &p);
	if (fd < 0) { perror("io_uring_setup"); return 2; }
	size_t sz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.sq_off.array + p.sq_entries * 4 > sz) sz = p.sq_off.array + p.sq_entries * 4;
	rg = mmap(0, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	sqes = mmap(0, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	struct io_uring_sqe prov = { .opcode = IORING_OP_PROVIDE_BUFFERS, .fd = 2, .addr = (unsigned long)bufs, .len = 64, .buf_group = 3, .user_data = 1 };
	int a = run1(&prov);
	struct io_uring_sqe rm = { .opcode = IORING_OP_REMOVE_BUFFERS, .fd = 2, .buf_group = 3, .user_data = 2 };
	int b = run1(&rm);
	if (a != 0 || b != 2) { printf("could not set up: provide %d, first remove %d\n", a, b); return 2; }
	rm.user_data = 3;
	int c = run1(&rm);
	int good = c == -ENOENT;
	printf("%s: REMOVE_BUFFERS on the emptied group answered %d (want -ENOENT %d)\n", good ? "GOOD" : "BAD", c, -ENOENT);
	return good ? 0 : 1;
}
