/* uring-conform finding reproducer (raw syscalls, libc only).
 * Build: cc -O2 -o rsrc-tags-unregister rsrc-tags-unregister.c
 * Registers two files with tags 113 and 114 (IORING_REGISTER_FILES2), then
 * unregisters the table. GOOD when both tag CQEs arrive within 2 s
 * (io_uring_register(2) IORING_REGISTER_FILES2: a CQE with the tag is
 * posted once the resource is unregistered and unused), BAD otherwise.
 * Exit 0 GOOD, 1 BAD, 2 could not run. */
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
	int fd = syscall(__NR_io_uring_setup, 4, &p), pfd[2];
	if (fd < 0 || pipe(pfd)) { perror("setup"); return 2; }
	char *rg = mmap(0, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	__s32 files[2] = { pfd[0], pfd[1] };
	__u64 tags[2] = { 113, 114 };
	struct io_uring_rsrc_register reg;
	memset(&reg, 0, sizeof reg);
	reg.nr = 2;
	reg.data = (unsigned long)files;
	reg.tags = (unsigned long)tags;
	if (syscall(__NR_io_uring_register, fd, IORING_REGISTER_FILES2, &reg, sizeof reg) < 0) { perror("IORING_REGISTER_FILES2"); return 2; }
	if (syscall(__NR_io_uring_register, fd, IORING_UNREGISTER_FILES, NULL, 0) < 0) { perror("IORING_UNREGISTER_FILES"); return 2; }
	unsigned *head = (unsigned *)(rg + p.cq_off.head), *tail = (unsigned *)(rg + p.cq_off.tail);
	struct io_uring_cqe *cqes = (struct io_uring_cqe *)(rg + p.cq_off.cqes);
	int seen = 0;
	for (int i = 0; i < 200 && seen < 2; i++) {
		syscall(__NR_io_uring_enter, fd, 0, 0, IORING_ENTER_GETEVENTS, NULL, 0); /* runs task work */
		for (; *head != __atomic_load_n(tail, __ATOMIC_ACQUIRE); (*head)++) {
			__u64 ud = cqes[*head & (p.cq_entries - 1)].user_data;
			if (ud == 113 || ud == 114) seen++;
		}
		if (seen < 2) usleep(10000);
	}
	printf("%s: %d of 2 tag CQEs after unregistering the file table\n", seen == 2 ? "GOOD" : "BAD", seen);
	return seen == 2 ? 0 : 1;
}
