// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: the module's debugfs directory.  Finding it (with a clear
 * message when it is not there), reading its files whole, writing its
 * control files in one write(2), and parsing "key value" files and procs.
 */
#include "spf-shadow.h"	/* first: it defines _GNU_SOURCE */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *spfs_debugfs_dir = SPFS_DEFAULT_DIR;
static bool spfs_dir_custom;

/* Use another directory than the module's (-d, $SPF_SHADOW_DEBUGFS). */
void spfs_dir_set(const char *dir)
{
	spfs_debugfs_dir = dir;
	spfs_dir_custom = true;
}

const char *spfs_dir(void)
{
	return spfs_debugfs_dir;
}

/* Is debugfs mounted at SPFS_DEBUGFS_MNT, per /proc/mounts? */
static bool spfs_debugfs_mounted(void)
{
	char line[4096], dev[256], mnt[256], type[64];
	bool found = false;
	FILE *f;

	f = fopen("/proc/mounts", "re");
	if (!f)
		return access(SPFS_DEBUGFS_MNT "/spf_shadow", F_OK) == 0;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%255s %255s %63s", dev, mnt, type) == 3 &&
			!strcmp(mnt, SPFS_DEBUGFS_MNT) &&
			!strcmp(type, "debugfs");
	fclose(f);
	return found;
}

static void spfs_custom_dir_check(void)
{
	struct stat st;
	char path[4096];

	if (stat(spfs_debugfs_dir, &st))
		spfs_die("%s: %s", spfs_debugfs_dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		spfs_die("%s: not a directory", spfs_debugfs_dir);
	snprintf(path, sizeof(path), "%s/stats", spfs_debugfs_dir);
	if (access(path, F_OK))
		spfs_die("%s: not a spf_shadow debugfs directory (no stats file)",
			 spfs_debugfs_dir);
}

/**
 * spfs_dir_check() - make sure the module's files can be used
 *
 * For the default directory: root, debugfs mounted, module loaded, in
 * that order, each with its own message.  A directory given with -d or
 * $SPF_SHADOW_DEBUGFS must exist and hold a stats file.  Exits 1 if not.
 */
void spfs_dir_check(void)
{
	if (spfs_dir_custom) {
		spfs_custom_dir_check();
		return;
	}
	if (geteuid() != 0)
		spfs_die("must be run as root (debugfs is root-only)");
	if (!spfs_debugfs_mounted())
		spfs_die("debugfs is not mounted at %s (mount -t debugfs none %s)",
			 SPFS_DEBUGFS_MNT, SPFS_DEBUGFS_MNT);
	if (access(spfs_debugfs_dir, F_OK))
		spfs_die("the spf_shadow module is not loaded (insmod spf_shadow.ko)");
}

static void spfs_path(char *buf, size_t size, const char *name)
{
	if ((size_t)snprintf(buf, size, "%s/%s", spfs_debugfs_dir, name) >= size)
		spfs_die("%s: path too long", spfs_debugfs_dir);
}

/* A file could not be used: the module may have gone meanwhile. */
static void __attribute__((noreturn))
spfs_file_error(const char *what, const char *path, int err)
{
	if (err == ENOENT)
		spfs_dir_check();
	spfs_die("cannot %s %s: %s", what, path, strerror(err));
}

static char *spfs_read_fd(int fd, const char *path)
{
	size_t len = 0, cap = 16384;
	char *buf = spfs_alloc(cap);
	ssize_t n;

	for (;;) {
		if (len + 1 >= cap)
			buf = spfs_realloc(buf, cap *= 2);
		n = read(fd, buf + len, cap - len - 1);
		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			spfs_file_error("read", path, errno);
		len += n;
	}
	buf[len] = '\0';
	return buf;
}

/**
 * spfs_file_read() - read a whole file of the debugfs directory
 * @name: the file's name, e.g. "stats"
 *
 * Return: its text, NUL-terminated, to be freed; or NULL if it does not
 * exist while the directory does (a file of a later module version).
 * Other errors exit with a message.
 */
char *spfs_file_read(const char *name)
{
	char path[4096], *text;
	int fd;

	spfs_path(path, sizeof(path), name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && access(spfs_debugfs_dir, F_OK) == 0)
		return NULL;
	if (fd < 0)
		spfs_file_error("open", path, errno);
	text = spfs_read_fd(fd, path);
	close(fd);
	return text;
}

/**
 * spfs_file_write() - write a command to a control file, in one write(2)
 * @name: "target" or "reset"
 * @text: the command, without a newline
 *
 * Return: 0, or the negative errno of the write (-EINVAL: the module
 * refused the command).  Failing to open the file exits with a message.
 */
int spfs_file_write(const char *name, const char *text)
{
	char path[4096];
	ssize_t n;
	int fd, err = 0;

	spfs_path(path, sizeof(path), name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		spfs_file_error("open", path, errno);
	n = write(fd, text, strlen(text));
	if (n < 0)
		err = -errno;
	else if ((size_t)n != strlen(text))
		err = -EIO;
	close(fd);
	return err;
}

/* ---- "key value" files ---- */

static void spfs_kv_add(struct spfs_kvset *set, const char *key,
			size_t len, uint64_t val)
{
	struct spfs_kv *kv;

	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 512;
		set->v = spfs_realloc(set->v, set->cap * sizeof(*set->v));
	}
	kv = &set->v[set->n++];
	kv->key = spfs_alloc(len + 1);
	memcpy(kv->key, key, len);
	kv->key[len] = '\0';
	kv->val = val;
}

/**
 * spfs_kv_parse() - add the "key value" lines of a text to a set
 * @set: the set (zero-initialized, or holding earlier lines)
 * @text: the text; lines not of the form "KEY NUMBER" are skipped
 */
void spfs_kv_parse(struct spfs_kvset *set, const char *text)
{
	const char *line, *sp, *end;
	unsigned long long val;
	char *num_end;

	for (line = text; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		sp = memchr(line, ' ', end - line);
		if (!sp || sp == line || *line == '#' ||
		    sp[1] < '0' || sp[1] > '9')
			continue;
		errno = 0;
		val = strtoull(sp + 1, &num_end, 10);
		if (errno || num_end != end)
			continue;
		spfs_kv_add(set, line, sp - line, val);
	}
}

void spfs_kv_free(struct spfs_kvset *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		free(set->v[i].key);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

static const struct spfs_kv *spfs_kv_find(const struct spfs_kvset *set,
					  const char *key, size_t hint)
{
	size_t i;

	if (hint < set->n && !strcmp(set->v[hint].key, key))
		return &set->v[hint];
	for (i = 0; i < set->n; i++)
		if (!strcmp(set->v[i].key, key))
			return &set->v[i];
	return NULL;
}

/**
 * spfs_kv_get() - the value of a key
 * @set: the set
 * @fmt: printf format of the key
 *
 * Return: the value, 0 if the key is absent.
 */
uint64_t spfs_kv_get(const struct spfs_kvset *set, const char *fmt, ...)
{
	const struct spfs_kv *kv;
	char key[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	kv = spfs_kv_find(set, key, 0);
	return kv ? kv->val : 0;
}

/**
 * spfs_kv_next() - iterate over the keys with a prefix, in file order
 * @set: the set
 * @prefix: e.g. "seed.ineligible."
 * @pos: where to continue; start at 0
 *
 * Return: the next matching line, or NULL.
 */
const struct spfs_kv *spfs_kv_next(const struct spfs_kvset *set,
				   const char *prefix, size_t *pos)
{
	size_t len = strlen(prefix);

	for (; *pos < set->n; (*pos)++)
		if (!strncmp(set->v[*pos].key, prefix, len))
			return &set->v[(*pos)++];
	return NULL;
}

/**
 * spfs_kv_delta() - the difference of two samples of the same counters
 * @out: an empty set, for now - before
 * @now: the later sample
 * @before: the earlier one
 *
 * A counter that went down was reset in between: its delta is its value.
 */
void spfs_kv_delta(struct spfs_kvset *out, const struct spfs_kvset *now,
		   const struct spfs_kvset *before)
{
	const struct spfs_kv *b;
	uint64_t val;
	size_t i;

	for (i = 0; i < now->n; i++) {
		b = spfs_kv_find(before, now->v[i].key, i);
		val = now->v[i].val;
		if (b && b->val <= val)
			val -= b->val;
		spfs_kv_add(out, now->v[i].key, strlen(now->v[i].key), val);
	}
}

/* ---- snapshots, procs, control ---- */

static void spfs_kv_read(struct spfs_kvset *set, const char *name)
{
	char *text = spfs_file_read(name);

	if (!text)
		spfs_die("%s/%s: no such file", spfs_debugfs_dir, name);
	spfs_kv_parse(set, text);
	free(text);
}

/* Read stats and races, and whether the pvl agreement is measured. */
void spfs_snap_read(struct spfs_snap *snap)
{
	char *text;

	memset(snap, 0, sizeof(*snap));
	spfs_kv_read(&snap->kv, "stats");
	spfs_kv_read(&snap->kv, "races");
	text = spfs_file_read("agreement");
	snap->agreement = text && strncmp(text, "unavailable", 11) != 0;
	free(text);
}

void spfs_snap_free(struct spfs_snap *snap)
{
	spfs_kv_free(&snap->kv);
}

#define SPFS_PROCS_COLS	(1 + 2 * SPFS_NR_RULES)	/* after tgid and comm */

/* Split a line at blanks, in place; returns the number of words. */
static size_t spfs_split(char *line, char **words, size_t max)
{
	size_t n = 0;
	char *save, *w;

	for (w = strtok_r(line, " \t", &save); w && n < max;
	     w = strtok_r(NULL, " \t", &save))
		words[n++] = w;
	return n;
}

/*
 * Where each column of procs is, from its header: "# tgid comm faults
 * seed.success seed.races ...".  col[0] is faults, col[1 + 2r] and
 * col[2 + 2r] rule r's success and races, counted from faults.
 */
static bool spfs_procs_header(char *line, int *col, size_t *ncols)
{
	char *words[64], name[64];
	size_t n, i, c;

	n = spfs_split(line, words, ARRAY_SIZE(words));
	if (n < 4 || strcmp(words[0], "#") || strcmp(words[3], "faults"))
		return false;
	*ncols = n - 3;
	for (c = 0; c < SPFS_PROCS_COLS; c++) {
		col[c] = c ? -1 : 0;
		if (!c)
			continue;
		snprintf(name, sizeof(name), "%s.%s",
			 spfs_rule_name((c - 1) / 2),
			 c % 2 ? "success" : "races");
		for (i = 4; i < n; i++)
			if (!strcmp(words[i], name))
				col[c] = i - 3;
	}
	return true;
}

/*
 * A comm as procs writes it, for display: the module escapes blanks, tabs,
 * newlines and backslashes as \ooo; those that print are put back, and
 * any byte that would not print (a control character a process chose for
 * its name) is shown as '?', so that no name can drive a terminal.
 */
static void spfs_comm_decode(char *dst, size_t size, const char *src)
{
	size_t o = 0;
	unsigned int c;

	while (*src && o + 1 < size) {
		c = (unsigned char)*src++;
		if (c == '\\' && src[0] >= '0' && src[0] <= '3' &&
		    src[1] >= '0' && src[1] <= '7' &&
		    src[2] >= '0' && src[2] <= '7') {
			c = (src[0] - '0') * 64 + (src[1] - '0') * 8 +
			    (src[2] - '0');
			src += 3;
		}
		dst[o++] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	dst[o] = '\0';
}

/*
 * One process line: tgid, comm (escaped by the module; in older modules
 * it may hold blanks), the counts.
 */
static bool spfs_procs_line(char *line, const int *col, size_t ncols,
			    struct spfs_proc *p)
{
	char *words[64], *end;
	uint64_t v[64];
	size_t n, i, c, len;

	n = spfs_split(line, words, ARRAY_SIZE(words));
	if (n < ncols + 1)	/* an empty comm leaves no word */
		return false;
	memset(p, 0, sizeof(*p));
	p->tgid = strtol(words[0], &end, 10);
	if (*end || p->tgid <= 0)
		return false;
	for (i = 0; i < ncols; i++) {
		v[i] = strtoull(words[n - ncols + i], &end, 10);
		if (*end)
			return false;
	}
	for (i = 1; i < n - ncols; i++) {
		len = strlen(p->comm);
		if (i > 1 && len + 1 < sizeof(p->comm))
			p->comm[len++] = ' ';
		spfs_comm_decode(p->comm + len, sizeof(p->comm) - len,
				 words[i]);
	}
	p->faults = v[0];
	for (c = 1; c < SPFS_PROCS_COLS; c++) {
		if (col[c] < 0)
			continue;
		if (c % 2)
			p->success[(c - 1) / 2] = v[col[c]];
		else
			p->races[(c - 1) / 2] = v[col[c]];
	}
	return true;
}

/**
 * spfs_procs_read() - the processes tracked now
 * @procs: set to an array, to be freed
 *
 * Return: the number of processes.
 */
size_t spfs_procs_read(struct spfs_proc **procs)
{
	char *text = spfs_file_read("procs"), *line, *save;
	int col[SPFS_PROCS_COLS];
	size_t n = 0, cap = 0, ncols = 0;
	bool header = false;

	*procs = NULL;
	if (!text)
		spfs_die("%s/procs: no such file", spfs_debugfs_dir);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!header) {
			header = spfs_procs_header(line, col, &ncols);
			if (!header)
				spfs_die("%s/procs: unknown format", spfs_debugfs_dir);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			*procs = spfs_realloc(*procs, cap * sizeof(**procs));
		}
		if (spfs_procs_line(line, col, ncols, &(*procs)[n]))
			n++;
	}
	free(text);
	return n;
}

/**
 * spfs_target_read() - the current target
 * @required: exit with a message if there is no target file; else
 *	      return NULL (a copy of the files without one)
 *
 * Return: the target, without its newline; to be freed.
 */
char *spfs_target_read(bool required)
{
	char *text = spfs_file_read("target");

	if (!text && required)
		spfs_die("%s/target: no such file", spfs_debugfs_dir);
	if (text)
		text[strcspn(text, "\n")] = '\0';
	return text;
}

/**
 * spfs_target_write() - set the target
 * @target: none, all, pid N or comm NAME
 *
 * A value the module refuses (EINVAL) is a usage error (exit 2); any
 * other failure exits 1.
 */
void spfs_target_write(const char *target)
{
	int err = spfs_file_write("target", target);

	if (err == -EINVAL)
		spfs_usage_error("invalid target '%s': want none, all, pid N or comm NAME",
				 target);
	if (err)
		spfs_die("cannot set the target to '%s': %s", target,
			 strerror(-err));
}

void spfs_reset(void)
{
	int err = spfs_file_write("reset", "1");

	if (err)
		spfs_die("cannot reset the counters: %s", strerror(-err));
}
