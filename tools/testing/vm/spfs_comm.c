// SPDX-License-Identifier: GPL-2.0
/*
 * spfs_comm: names for the target tests.  The main thread names itself
 * PROCESS (its comm is the process's), stops itself (SIGSTOP) so that the
 * test can target it, then a second thread names itself THREAD and writes
 * PAGES fresh pages - faults of a thread whose name is not its process's -
 * and the process stops again, so that the test can read its counts.
 *
 * Usage: spfs_comm PROCESS THREAD PAGES
 *   PROCESS may hold any byte but NUL (a newline, to forge lines of
 *   debugfs "procs"); it is cut to 15 bytes, as the kernel does.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

static const char *thread_name;
static unsigned long pages;

static void *faulter(void *arg)
{
	size_t ps = sysconf(_SC_PAGESIZE), off;
	char *p;

	(void)arg;
	if (prctl(PR_SET_NAME, thread_name)) {
		perror("spfs_comm: prctl(PR_SET_NAME)");
		exit(1);
	}
	p = mmap(NULL, pages * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("spfs_comm: mmap");
		exit(1);
	}
	madvise(p, pages * ps, MADV_NOHUGEPAGE);
	for (off = 0; off < pages * ps; off += ps)
		p[off] = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc != 4) {
		fprintf(stderr, "usage: spfs_comm PROCESS THREAD PAGES\n");
		return 2;
	}
	thread_name = argv[2];
	pages = strtoul(argv[3], NULL, 0);
	if (prctl(PR_SET_NAME, argv[1])) {
		perror("spfs_comm: prctl(PR_SET_NAME)");
		return 1;
	}
	raise(SIGSTOP);
	if (pthread_create(&t, NULL, faulter, NULL) ||
	    pthread_join(t, NULL)) {
		fprintf(stderr, "spfs_comm: cannot run the thread\n");
		return 1;
	}
	raise(SIGSTOP);
	printf("pages=%lu\n", pages);
	return 0;
}
