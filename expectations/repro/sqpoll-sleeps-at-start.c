/* Independent raw-syscall client: does a new SQPOLL thread (sq_thread_idle
 * 10 s) set IORING_SQ_NEED_WAKEUP within 50 ms of setup? GOOD when no ring
 * had it set (the thread stays awake for sq_thread_idle), BAD otherwise;
 * exit 0 GOOD, 1 BAD, 2 could not run.
 * Build: cc -O2 -o sqpoll-sleeps-at-start sqpoll-sleeps-at-start.c */
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void){ int set=0;
 for(int it=0; it<20; it++){
 struct io_uring_params p; memset(&p,0,sizeof p); p.flags=IORING_SETUP_SQPOLL; p.sq_thread_idle=10000;
 int fd=syscall(__NR_io_uring_setup,4,&p); if(fd<0){perror("setup (SQPOLL)"); return 2;}
 char *rg = mmap(0, p.sq_off.array + p.sq_entries*4, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_POPULATE, fd, IORING_OFF_SQ_RING);
 usleep(50000);
 unsigned f = *(volatile unsigned*)(rg+p.sq_off.flags); if (f & IORING_SQ_NEED_WAKEUP) set++;
 close(fd);
 }
 printf("%s: NEED_WAKEUP set 50 ms after setup (idle 10 s) in %d/20 rings\n", set ? "BAD" : "GOOD", set); return set ? 1 : 0;}
