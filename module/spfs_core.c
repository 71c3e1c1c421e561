// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow core: parsing of control input, histogram buckets and (see
 * spfs_verdict.c) the verdict logic.  Kernel-independent; see spfs_core.h.
 */
#include <linux/errno.h>

#include "spfs_core.h"

static bool spfs_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/*
 * Copy a user command into @out, NUL-terminated, without the trailing
 * newline that "echo" adds.  Embedded NULs and over-long input are errors
 * rather than truncations: a command is taken whole or not at all.
 */
static int spfs_cmd_copy(const char *buf, size_t len, char *out)
{
	size_t i;

	if (len && buf[len - 1] == '\n')
		len--;
	if (!len || len >= SPFS_CMD_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (!buf[i])
			return -EINVAL;
		out[i] = buf[i];
	}
	out[len] = '\0';
	return len;
}

static bool spfs_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* Parse a positive decimal that fits an s32, with nothing after it. */
static int spfs_parse_pid(const char *s, s32 *pid)
{
	u64 v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (*s - '0');
		if (v > 0x7fffffff)
			return -EINVAL;
	}
	if (!v)
		return -EINVAL;
	*pid = (s32)v;
	return 0;
}

/**
 * spfs_target_parse() - parse a target command
 * @buf: the command, not NUL-terminated; one trailing newline is ignored
 * @len: its length in bytes
 * @t: where to store the result; untouched on error
 *
 * Accepts exactly "none", "all", "pid N" (N a positive tgid) and
 * "comm NAME" (NAME without blanks; like the kernel's comm, only its first
 * 15 bytes count), separated by a single space.
 *
 * Return: 0 on success, -EINVAL on anything else.
 */
int spfs_target_parse(const char *buf, size_t len, struct spfs_target *t)
{
	char cmd[SPFS_CMD_MAX];
	struct spfs_target new = { .kind = SPFS_TARGET_NONE };
	const char *arg;
	size_t i;
	int n;

	n = spfs_cmd_copy(buf, len, cmd);
	if (n < 0)
		return n;

	if (spfs_streq(cmd, "none")) {
		new.kind = SPFS_TARGET_NONE;
	} else if (spfs_streq(cmd, "all")) {
		new.kind = SPFS_TARGET_ALL;
	} else if (n > 4 && cmd[0] == 'p' && cmd[1] == 'i' && cmd[2] == 'd' &&
		   cmd[3] == ' ') {
		new.kind = SPFS_TARGET_PID;
		if (spfs_parse_pid(cmd + 4, &new.pid))
			return -EINVAL;
	} else if (n > 5 && cmd[0] == 'c' && cmd[1] == 'o' && cmd[2] == 'm' &&
		   cmd[3] == 'm' && cmd[4] == ' ') {
		new.kind = SPFS_TARGET_COMM;
		arg = cmd + 5;
		for (i = 0; arg[i]; i++) {
			if (spfs_is_space(arg[i]))
				return -EINVAL;
			/* The kernel keeps 15 bytes of a name; so do we. */
			if (i < SPFS_COMM_LEN - 1)
				new.comm[i] = arg[i];
		}
		new.comm[i < SPFS_COMM_LEN - 1 ? i : SPFS_COMM_LEN - 1] = '\0';
	} else {
		return -EINVAL;
	}
	*t = new;
	return 0;
}

static int spfs_put_str(char *buf, size_t size, size_t pos, const char *s)
{
	for (; *s; s++, pos++) {
		if (pos + 1 >= size)
			return -EINVAL;
		buf[pos] = *s;
	}
	buf[pos] = '\0';
	return pos;
}

static int spfs_put_u32(char *buf, size_t size, size_t pos, u32 v)
{
	char digits[12];
	int n = 0;

	do {
		digits[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n) {
		if (pos + 1 >= size)
			return -EINVAL;
		buf[pos++] = digits[--n];
	}
	buf[pos] = '\0';
	return pos;
}

/**
 * spfs_target_format() - the text form of a target, as spfs_target_parse()
 *			  accepts it
 * @t: the target
 * @buf: output buffer
 * @size: its size; SPFS_CMD_MAX is always enough
 *
 * Return: the length written (without the NUL), or -EINVAL if @size is
 * too small.
 */
int spfs_target_format(const struct spfs_target *t, char *buf, size_t size)
{
	int pos;

	if (!size)
		return -EINVAL;
	switch (t->kind) {
	case SPFS_TARGET_ALL:
		return spfs_put_str(buf, size, 0, "all");
	case SPFS_TARGET_PID:
		pos = spfs_put_str(buf, size, 0, "pid ");
		return pos < 0 ? pos : spfs_put_u32(buf, size, pos, t->pid);
	case SPFS_TARGET_COMM:
		pos = spfs_put_str(buf, size, 0, "comm ");
		return pos < 0 ? pos : spfs_put_str(buf, size, pos, t->comm);
	default:
		return spfs_put_str(buf, size, 0, "none");
	}
}

/**
 * spfs_target_match() - does a process match a target
 * @t: the target
 * @tgid: the process's thread-group id
 * @comm: its command name, NUL-terminated within SPFS_COMM_LEN
 *
 * Return: true if the process is to be tracked.
 */
bool spfs_target_match(const struct spfs_target *t, s32 tgid,
		       const char *comm)
{
	unsigned int i;

	switch (t->kind) {
	case SPFS_TARGET_ALL:
		return true;
	case SPFS_TARGET_PID:
		return tgid == t->pid;
	case SPFS_TARGET_COMM:
		for (i = 0; i < SPFS_COMM_LEN; i++) {
			if (comm[i] != t->comm[i])
				return false;
			if (!comm[i])
				return true;
		}
		return true;
	default:
		return false;
	}
}

/**
 * spfs_parse_reset() - parse a write to the reset file
 * @buf: the input, not NUL-terminated
 * @len: its length
 *
 * Return: 0 for "1" (with or without a newline), -EINVAL otherwise.
 */
int spfs_parse_reset(const char *buf, size_t len)
{
	char cmd[SPFS_CMD_MAX];
	int n = spfs_cmd_copy(buf, len, cmd);

	if (n < 0)
		return n;
	return spfs_streq(cmd, "1") ? 0 : -EINVAL;
}

/**
 * spfs_hist_bucket_low() - the smallest value a bucket holds
 * @bucket: a bucket index below SPFS_HIST_BUCKETS
 *
 * Return: 0 for bucket 0, else 2^(bucket - 1).
 */
u64 spfs_hist_bucket_low(unsigned int bucket)
{
	return bucket ? 1ULL << (bucket - 1) : 0;
}
