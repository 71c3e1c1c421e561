// SPDX-License-Identifier: GPL-2.0
/*
 * spfs_write - write bytes to a file in exactly one write(2), for tests of
 * the debugfs control files.  The data is taken with C escapes (\n, \t,
 * \\, \0, \xHH) so that any byte, NUL included, can be written; an empty
 * argument makes a zero-length write.
 *
 * Usage: spfs_write FILE DATA
 * Exit status 0 if the write took every byte, 1 (and strerror on stderr)
 * if it failed, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t unescape(const char *in, char *out)
{
	size_t n = 0;
	unsigned int x;

	while (*in) {
		if (*in != '\\' || !in[1]) {
			out[n++] = *in++;
			continue;
		}
		in++;
		switch (*in) {
		case 'n':
			out[n++] = '\n';
			break;
		case 't':
			out[n++] = '\t';
			break;
		case '0':
			out[n++] = '\0';
			break;
		case 'x':
			if (sscanf(in + 1, "%2x", &x) == 1) {
				out[n++] = (char)x;
				in += 2;
				break;
			}
			/* fall through */
		default:
			out[n++] = *in;
		}
		in++;
	}
	return n;
}

int main(int argc, char **argv)
{
	ssize_t ret;
	size_t len;
	char *buf;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: spfs_write FILE DATA\n");
		return 2;
	}
	buf = malloc(strlen(argv[2]) + 1);
	if (!buf)
		return 1;
	len = unescape(argv[2], buf);
	fd = open(argv[1], O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	ret = write(fd, buf, len);
	if (ret < 0) {
		fprintf(stderr, "%s\n", strerror(errno));
		return 1;
	}
	if ((size_t)ret != len) {
		fprintf(stderr, "short write: %zd of %zu\n", ret, len);
		return 1;
	}
	return close(fd) ? 1 : 0;
}
