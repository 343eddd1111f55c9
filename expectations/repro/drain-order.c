/* uring-conform finding reproducer (raw syscalls, libc only).
 * Build: cc -O2 -o drain-order drain-order.c
 * A read of an empty pipe (user_data 1), a NOP with IOSQE_IO_DRAIN (2) and
 * a plain NOP (3), submitted together; then one byte is written. GOOD when
 * the CQEs come 1, 2, 3 (the NOP after the drained one waits for it,
 * io_uring_enter(2) IOSQE_IO_DRAIN), BAD otherwise. Exit 0 GOOD, 1 BAD,
 * 2 could not run. */
#include <errno.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	int fd = syscall(__NR_io_uring_setup, 8, &p), pfd[2];
	if (fd < 0 || pipe(pfd)) { perror("setup"); return 2; }
	size_t sz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.sq_off.array + p.sq_entries * 4 > sz) sz = p.sq_off.array + p.sq_entries * 4;
	char *rg = mmap(0, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	struct io_uring_sqe *sqes = mmap(0, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	static char buf[1];
	struct io_uring_sqe s[3] = {
		{ .opcode = IORING_OP_READ, .fd = pfd[0], .addr = (unsigned long)buf, .len = 1, .off = -1ULL, .user_data = 1 },
		{ .opcode = IORING_OP_NOP, .flags = IOSQE_IO_DRAIN, .user_data = 2 },
		{ .opcode = IORING_OP_NOP, .user_data = 3 },
	};
	unsigned *stail = (unsigned *)(rg + p.sq_off.tail), t = *stail;
	for (int i = 0; i < 3; i++, t++) {
		unsigned idx = t & (p.sq_entries - 1);
		sqes[idx] = s[i];
		((unsigned *)(rg + p.sq_off.array))[idx] = idx;
	}
	__atomic_store_n(stail, t, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, fd, 3, 0, 0, NULL, 0) != 3) { perror("enter"); return 2; }
	usleep(100000);
	if (write(pfd[1], "x", 1) != 1) return 2;
	if (syscall(__NR_io_uring_enter, fd, 0, 3, IORING_ENTER_GETEVENTS, NULL, 0) < 0) { perror("wait"); return 2; }
	usleep(100000);
	unsigned *head = (unsigned *)(rg + p.cq_off.head), *tail = (unsigned *)(rg + p.cq_off.tail);
	struct io_uring_cqe *cqes = (struct io_uring_cqe *)(rg + p.cq_off.cqes);
	unsigned long long got[3] = { 0 };
	int n = 0;
	for (unsigned h = *head; h != __atomic_load_n(tail, __ATOMIC_ACQUIRE) && n < 3; h++) got[n++] = cqes[h & (p.cq_entries - 1)].user_data;
	int good = n == 3 && got[0] == 1 && got[1] == 2 && got[2] == 3;
	printf("%s: CQE order %llu, %llu, %llu (want 1, 2, 3)\n", good ? "GOOD" : "BAD", got[0], got[1], got[2]);
	return good ? 0 : 1;
}
