// SPDX-License-Identifier: GPL-2.0
/*
 * scancpu PID SECONDS: the CPU time process PID (ksmd) spends per KSM full
 * scan.  Waits for /sys/kernel/mm/ksm/full_scans to advance, reads PID's
 * CPU clock (clock_getcpuclockid(): nanoseconds, not clock ticks), lets
 * SECONDS pass, waits for the next full scan to end and reads the clock
 * again.  Prints the nanoseconds per full scan and the full scans counted.
 * scancpu runs as SCHED_IDLE and polls full_scans every 5 ms: it gets the
 * CPU only while ksmd sleeps after a scan (20 ms in the benchmarks), the
 * time to read the clock, and never takes it from ksmd.  A benchmark
 * helper.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FULL_SCANS "/sys/kernel/mm/ksm/full_scans"

static long full_scans(void)
{
	FILE *f = fopen(FULL_SCANS, "r");
	long n = -1;

	if (!f || fscanf(f, "%ld", &n) != 1) {
		perror(FULL_SCANS);
		exit(1);
	}
	fclose(f);
	return n;
}

/* Poll until full_scans reaches @target */
static void wait_scans(long target)
{
	const struct timespec poll = { .tv_nsec = 5000000 };

	while (full_scans() < target)
		nanosleep(&poll, NULL);
}

static double cpu_ns(clockid_t clk)
{
	struct timespec t;

	if (clock_gettime(clk, &t)) {
		perror("clock_gettime");
		exit(1);
	}
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
	long pid, secs, start, end;
	struct timespec t;
	double c0, c1;
	clockid_t clk;
	int err;

	if (argc != 3 || (pid = strtol(argv[1], NULL, 10)) <= 0 ||
	    (secs = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: scancpu PID SECONDS\n");
		return 2;
	}
	if (sched_setscheduler(0, SCHED_IDLE, &(struct sched_param){ 0 })) {
		perror("sched_setscheduler");
		return 1;
	}
	err = clock_getcpuclockid(pid, &clk);
	if (err) {
		fprintf(stderr, "scancpu: pid %ld: %s\n", pid, strerror(err));
		return 1;
	}
	start = full_scans() + 1;
	wait_scans(start);
	c0 = cpu_ns(clk);
	t.tv_sec = secs;
	t.tv_nsec = 0;
	nanosleep(&t, NULL);
	end = full_scans() + 1;
	wait_scans(end);
	c1 = cpu_ns(clk);
	printf("%.0f %ld\n", (c1 - c0) / (end - start), end - start);
	return 0;
}
