// SPDX-License-Identifier: GPL-2.0
/*
 * spfs_fuzz - random writes to spf_shadow's writable debugfs files.
 *
 * Phase 1 (one writer): N writes of random bytes, random lengths (zero
 * included), huge lengths, valid commands, writes at an offset and from
 * an unmapped buffer, each followed by a read of "target": every write
 * must succeed or fail with EINVAL or EFAULT, and a failed write must not
 * change the target (ESPIPE, the VFS refusing a write at an offset, is a
 * clean refusal too).  Phase 2: writer and reader threads at once, over
 * every debugfs file, for a while: same rule for the errors.
 *
 * Usage: spfs_fuzz [-n WRITES] [-t THREADS] [-d SECONDS] [-s SEED] [DIR]
 * Prints a key=value summary; exit 0 if every rule held, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define HUGE_LEN	(1 << 20)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *dir = "/sys/kernel/debug/spf_shadow";
static const char * const writable[] = { "target", "reset" };
static const char * const readable[] = {
	"stats", "races", "procs", "latency", "agreement", "disagreements",
	"probes", "target",
};
static const char * const valid[] = {
	"none", "all", "pid 1", "comm fuzz", "1", "1\n", "none\n", "pid 42\n",
};

static atomic_ulong n_ok, n_einval, n_efault, n_espipe, n_other, n_changed;
static atomic_bool stop;
static char *huge_buf, *bad_ptr;

static void fail(const char *what)
{
	fprintf(stderr, "spfs_fuzz: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int open_file(const char *name, int flags)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, flags);
	if (fd < 0)
		fail(path);
	return fd;
}

static void read_target(char *buf, size_t size)
{
	int fd = open_file("target", O_RDONLY);
	ssize_t n = read(fd, buf, size - 1);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

static void count(ssize_t ret, int err)
{
	if (ret >= 0)
		atomic_fetch_add(&n_ok, 1);
	else if (err == EINVAL)
		atomic_fetch_add(&n_einval, 1);
	else if (err == EFAULT)
		atomic_fetch_add(&n_efault, 1);
	else if (err == ESPIPE)	/* the VFS: a write at an offset */
		atomic_fetch_add(&n_espipe, 1);
	else {
		atomic_fetch_add(&n_other, 1);
		fprintf(stderr, "spfs_fuzz: unexpected error: %s\n",
			strerror(err));
	}
}

/* One random write to @name; returns the write's result, errno in *err. */
static ssize_t fuzz_write(const char *name, unsigned int *seed, int *err)
{
	char buf[256];
	unsigned int kind = rand_r(seed) % 8;
	size_t len = rand_r(seed) % sizeof(buf), i;
	const char *p = buf;
	off_t off = 0;
	ssize_t ret;
	int fd;

	for (i = 0; i < len; i++)
		buf[i] = rand_r(seed);
	switch (kind) {
	case 0:		/* a valid command */
		p = valid[rand_r(seed) % ARRAY_SIZE(valid)];
		len = strlen(p);
		break;
	case 1:		/* printable junk */
		for (i = 0; i < len; i++)
			buf[i] = ' ' + rand_r(seed) % 95;
		break;
	case 2:		/* zero length */
		len = 0;
		break;
	case 3:		/* huge */
		p = huge_buf;
		len = HUGE_LEN;
		break;
	case 4:		/* partial: at an offset */
		off = 1 + rand_r(seed) % 16;
		break;
	case 5:		/* from memory that is not there */
		p = bad_ptr;
		len = 1 + rand_r(seed) % 64;
		break;
	default:	/* raw random bytes */
		break;
	}
	fd = open_file(name, O_WRONLY);
	errno = 0;
	ret = off ? pwrite(fd, p, len, off) : write(fd, p, len);
	*err = errno;
	close(fd);
	return ret;
}

static void phase_single(unsigned long writes, unsigned int seed)
{
	char before[128], after[128];
	unsigned long i;
	ssize_t ret;
	int err;

	for (i = 0; i < writes; i++) {
		const char *name = writable[rand_r(&seed) % 2];

		read_target(before, sizeof(before));
		ret = fuzz_write(name, &seed, &err);
		count(ret, err);
		read_target(after, sizeof(after));
		if (ret < 0 && strcmp(before, after)) {
			atomic_fetch_add(&n_changed, 1);
			fprintf(stderr, "spfs_fuzz: failed write changed target '%s' -> '%s'\n",
				before, after);
		}
	}
}

static void *writer(void *arg)
{
	unsigned int seed = (unsigned long)arg;
	ssize_t ret;
	int err;

	while (!atomic_load(&stop)) {
		ret = fuzz_write(writable[rand_r(&seed) % 2], &seed, &err);
		count(ret, err);
	}
	return NULL;
}

static void *reader(void *arg)
{
	unsigned int seed = (unsigned long)arg;
	char buf[4096];
	int fd;

	while (!atomic_load(&stop)) {
		fd = open_file(readable[rand_r(&seed) % ARRAY_SIZE(readable)],
			       O_RDONLY);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long writes = 10000, i;
	unsigned int threads = 4, seconds = 5, seed = time(NULL);
	char saved[128];
	pthread_t *tids;
	int c, fd;

	while ((c = getopt(argc, argv, "n:t:d:s:h")) != -1) {
		switch (c) {
		case 'n':
			writes = strtoul(optarg, NULL, 0);
			break;
		case 't':
			threads = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			seconds = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: spfs_fuzz [-n WRITES] [-t THREADS] [-d SECONDS] [-s SEED] [DIR]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind < argc)
		dir = argv[optind];
	if (!threads)
		threads = 1;
	huge_buf = malloc(HUGE_LEN);
	bad_ptr = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	tids = calloc(2 * threads, sizeof(*tids));
	if (!huge_buf || bad_ptr == MAP_FAILED || !tids)
		fail("allocating");
	memset(huge_buf, 'a', HUGE_LEN);
	read_target(saved, sizeof(saved));

	phase_single(writes, seed);

	for (i = 0; i < threads; i++) {
		pthread_create(&tids[2 * i], NULL, writer,
			       (void *)(unsigned long)(seed + i + 1));
		pthread_create(&tids[2 * i + 1], NULL, reader,
			       (void *)(unsigned long)(seed + i + 101));
	}
	sleep(seconds);
	atomic_store(&stop, true);
	for (i = 0; i < 2 * threads; i++)
		pthread_join(tids[i], NULL);

	/* Put the target back as it was. */
	fd = open_file("target", O_WRONLY);
	if (write(fd, saved, strlen(saved)) < 0)
		fail("restoring the target");
	close(fd);

	printf("seed=%u writes=%lu ok=%lu einval=%lu efault=%lu espipe=%lu other=%lu changed_on_error=%lu\n",
	       seed, atomic_load(&n_ok) + atomic_load(&n_einval) +
	       atomic_load(&n_efault) + atomic_load(&n_espipe) +
	       atomic_load(&n_other),
	       atomic_load(&n_ok), atomic_load(&n_einval),
	       atomic_load(&n_efault), atomic_load(&n_espipe),
	       atomic_load(&n_other), atomic_load(&n_changed));
	return atomic_load(&n_other) || atomic_load(&n_changed) ? 1 : 0;
}
