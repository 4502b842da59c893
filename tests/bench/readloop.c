// SPDX-License-Identifier: GPL-2.0
/*
 * readloop FILE COUNT: read FILE (from its start) COUNT times and print the
 * mean nanoseconds a read took.  A benchmark helper: what reading a cgroup
 * file costs.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	char buf[4096];
	long count, i;
	int fd;

	if (argc != 3 || (count = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: readloop FILE COUNT\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < count; i++)
		if (pread(fd, buf, sizeof(buf), 0) <= 0) {
			perror(argv[1]);
			return 1;
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.0f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 +
			  (t1.tv_nsec - t0.tv_nsec)) / count);
	return 0;
}
