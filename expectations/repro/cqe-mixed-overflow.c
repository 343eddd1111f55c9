/* Independent raw-syscall client: CQE_MIXED ring (4 SQ, 8 CQ slots); 12 NOPs,
 * every second one IORING_NOP_CQE32, in batches of 4, nothing reaped.
 * Prints CQ head/tail and the slots, then GOOD when the CQ holds at most
 * cq_entries slots (tail - head <= cq_entries), BAD otherwise; exit 0 GOOD,
 * 1 BAD, 2 could not run (no CQE_MIXED).
 * Build: cc -O2 -o cqe-mixed-overflow cqe-mixed-overflow.c */
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifndef IORING_SETUP_CQE_MIXED
#define IORING_SETUP_CQE_MIXED (1U << 18)
#endif
#ifndef IORING_NOP_CQE32
#define IORING_NOP_CQE32 (1U << 5)
#endif
int main(void) {
	struct io_uring_params p; memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_CQE_MIXED;
	int fd = syscall(__NR_io_uring_setup, 4, &p);
	if (fd < 0) { perror("setup (IORING_SETUP_CQE_MIXED)"); return 2; }
	size_t sz = p.cq_off.cqes + p.cq_entries * 16;
	if (p.sq_off.array + p.sq_entries * 4 > sz) sz = p.sq_off.array + p.sq_entries * 4;
	char *rg = mmap(0, sz, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	struct io_uring_sqe *sqes = mmap(0, p.sq_entries * sizeof(*sqes), PROT_READ|PROT_WRITE, MAP_SHARED|MAP_POPULATE, fd, IORING_OFF_SQES);
	unsigned *stail = (unsigned *)(rg + p.sq_off.tail), *arr = (unsigned *)(rg + p.sq_off.array);
	unsigned *chead = (unsigned *)(rg + p.cq_off.head), *ctail = (unsigned *)(rg + p.cq_off.tail);
	struct io_uring_cqe *cqes = (struct io_uring_cqe *)(rg + p.cq_off.cqes);
	unsigned t = *stail;
	for (int b = 0; b < 3; b++) {
		for (int i = 0; i < 4; i++) {
			unsigned ud = b * 4 + i + 1, idx = t & (p.sq_entries - 1);
			struct io_uring_sqe *s = &sqes[idx]; memset(s, 0, sizeof *s);
			s->opcode = IORING_OP_NOP; s->fd = -1; s->user_data = ud;
			if (ud % 2 == 0) { s->rw_flags = IORING_NOP_CQE32; s->off = ud * 10; s->addr = ud * 100; }
			arr[idx] = idx; t++;
		}
		__atomic_store_n(stail, t, __ATOMIC_RELEASE);
		int n = syscall(__NR_io_uring_enter, fd, 4, 0, 0, NULL, 0);
		if (n != 4) { printf("enter %d\n", n); }
	}
	unsigned h = *chead, tl = __atomic_load_n(ctail, __ATOMIC_ACQUIRE);
	printf("cq_entries %u head %u tail %u (ready %u)\n", p.cq_entries, h, tl, tl - h);
	for (unsigned i = 0; i < p.cq_entries; i++)
		printf("  slot %u: user_data %llu flags %#x\n", i, (unsigned long long)cqes[i].user_data, cqes[i].flags);
	int good = tl - h <= p.cq_entries;
	printf("%s: %u CQ slots ready in a %u-slot CQ\n", good ? "GOOD" : "BAD", tl - h, p.cq_entries);
	return good ? 0 : 1;
}
