// SPDX-License-Identifier: GPL-2.0
/*
 * spfs_churn: VMA and process churn for the storm tests - what the other
 * workloads do not do.  Until killed (or for -n rounds), each round:
 *
 *   mmap an anonymous region, touch it, mremap it larger (moving it),
 *   touch the new part, mremap it back smaller, munmap it;
 *   fork a child that touches a page of its copy and exits at once.
 *
 * Usage: spfs_churn [-n ROUNDS]   (default: until killed)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES	16

static void touch(char *p, size_t len, size_t ps)
{
	size_t off;

	for (off = 0; off < len; off += ps)
		p[off] = 1;
}

int main(int argc, char **argv)
{
	size_t ps = sysconf(_SC_PAGESIZE), len = PAGES * ps;
	unsigned long rounds = 0, n;
	char *p, *q;
	pid_t pid;
	int opt;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n') {
			fprintf(stderr, "Usage: %s [-n ROUNDS]\n", argv[0]);
			return 2;
		}
		rounds = strtoul(optarg, NULL, 0);
	}
	for (n = 0; !rounds || n < rounds; n++) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		touch(p, len, ps);
		q = mremap(p, len, 2 * len, MREMAP_MAYMOVE);
		if (q == MAP_FAILED) {
			perror("mremap");
			return 1;
		}
		touch(q + len, len, ps);
		p = mremap(q, 2 * len, len, 0);
		if (p == MAP_FAILED) {
			perror("mremap");
			return 1;
		}
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			p[0] = 2;	/* a COW fault in the child */
			_exit(0);
		}
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		munmap(p, len);
	}
	printf("rounds=%lu\n", n);
	return 0;
}
