// dsync-pair.c — the floor of Atlas's durable PUT on this kind of disk (bench/README.md, "Durable ingest"): per
// iteration one 4 KiB O_DIRECT|O_DSYNC write that advances through file A (the body) and one 4 KiB O_DSYNC write
// that rewrites block 1 of file B (the journal entry), either one after the other or concurrently (a second thread
// and a barrier), i.e. two device flushes per iteration, in a row or overlapping.
//
//   gcc -O2 -pthread -o dsync-pair bench/dsync-pair.c
//   dd if=/dev/zero of=A bs=1M count=64 oflag=direct; dd if=/dev/zero of=B bs=1M count=1 oflag=direct
//   ./dsync-pair A B 5000 1 1     # A B iterations concurrent(0|1) journal-O_DIRECT(0|1)
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
static int fa, fb, iters, conc; static char *ba, *bb; static pthread_barrier_t bar;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static void *jthread(void *x) { for (int i = 0; i < iters; i++) { pthread_barrier_wait(&bar); if (pwrite(fb, bb, 4096, 4096) != 4096) abort(); pthread_barrier_wait(&bar); } return 0; }
int main(int argc, char **argv) {
  // pair A B iters conc(0/1) jdirect(0/1)
  iters = atoi(argv[3]); conc = atoi(argv[4]); int jd = atoi(argv[5]);
  fa = open(argv[1], O_WRONLY | O_DIRECT | O_DSYNC); fb = open(argv[2], O_WRONLY | O_DSYNC | (jd ? O_DIRECT : 0));
  if (fa < 0 || fb < 0) { perror("open"); return 1; }
  posix_memalign((void **)&ba, 4096, 4096); posix_memalign((void **)&bb, 4096, 4096); memset(ba, 'a', 4096); memset(bb, 'j', 4096);
  pthread_t t; pthread_barrier_init(&bar, 0, 2); if (conc) pthread_create(&t, 0, jthread, 0);
  double t0 = now();
  for (int i = 0; i < iters; i++) {
    if (conc) pthread_barrier_wait(&bar);
    if (pwrite(fa, ba, 4096, (off_t)i * 4096) != 4096) abort();
    if (conc) pthread_barrier_wait(&bar); else if (pwrite(fb, bb, 4096, 4096) != 4096) abort();
  }
  double dt = now() - t0;
  printf("%s conc=%d jdirect=%d: %.0f pairs/s, %.1f us/pair\n", argv[1], conc, jd, iters / dt, dt / iters * 1e6);
  return 0;
}
