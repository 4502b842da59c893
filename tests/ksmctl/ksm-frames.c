// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksm-frames PID...: print the page frame numbers of the KSM pages that the
 * processes map, one per line in 16 hex digits, sorted, each once.
 * ksm-frames --common PID OTHER...: print "N M": PID maps N KSM page
 * frames, M of which one of the OTHER processes maps too.
 *
 * As root: the frames come from /proc/PID/pagemap, whether a frame is a KSM
 * page from /proc/kpageflags (KPF_KSM).  Linux 6.12 sets KPF_KSM for every
 * anonymous page (stable_page_flags() tests the KSM bits of the mapping
 * with "&"), so there this lists the process's anonymous page frames (not
 * the zero page, not page cache): processes that are not forked from each
 * other map one in common only if KSM merged it, which is all the tests
 * ask; whether a process has merged pages at all, they read from
 * /proc/PID/ksm_merging_pages.  Exit status 1 if a file cannot be read.
 * Built static, for the test guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PM_PRESENT	(1ULL << 63)
#define PM_PFN_MASK	((1ULL << 55) - 1)
#define KPF_KSM		21

static uint64_t *frames;
static size_t nframes, capacity;

static int add_frame(uint64_t pfn)
{
	if (nframes == capacity) {
		size_t n = capacity ? 2 * capacity : 4096;
		uint64_t *f = realloc(frames, n * sizeof(*f));

		if (!f)
			return -1;
		frames = f;
		capacity = n;
	}
	frames[nframes++] = pfn;
	return 0;
}

static int is_ksm(int kpageflags, uint64_t pfn)
{
	uint64_t flags;

	if (pread(kpageflags, &flags, sizeof(flags), pfn * sizeof(flags)) !=
	    sizeof(flags))
		return -1;
	return !!(flags & (1ULL << KPF_KSM));
}

/* Add the KSM frames that @pid maps; -1 with errno if a file fails. */
static int scan(const char *pid, int kpageflags, long page)
{
	char path[64], line[512];
	unsigned long start, end, a;
	uint64_t e;
	FILE *maps;
	int pagemap, ksm, ret = 0;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	maps = fopen(path, "r");
	snprintf(path, sizeof(path), "/proc/%s/pagemap", pid);
	pagemap = open(path, O_RDONLY);
	if (!maps || pagemap < 0) {
		fprintf(stderr, "ksm-frames: /proc/%s: %s\n", pid, strerror(errno));
		ret = -1;
		goto out;
	}
	while (ret == 0 && fgets(line, sizeof(line), maps)) {
		if (sscanf(line, "%lx-%lx", &start, &end) != 2)
			continue;
		for (a = start; a < end; a += page) {
			if (pread(pagemap, &e, sizeof(e), a / page * sizeof(e)) !=
			    sizeof(e))
				break;	/* [vsyscall] and the like */
			if (!(e & PM_PRESENT) || !(e & PM_PFN_MASK))
				continue;
			ksm = is_ksm(kpageflags, e & PM_PFN_MASK);
			if (ksm < 0) {
				fprintf(stderr, "ksm-frames: /proc/kpageflags: %s\n",
					strerror(errno));
				ret = -1;
				break;
			}
			if (ksm && add_frame(e & PM_PFN_MASK)) {
				fprintf(stderr, "ksm-frames: out of memory\n");
				ret = -1;
				break;
			}
		}
	}
out:
	if (maps)
		fclose(maps);
	if (pagemap >= 0)
		close(pagemap);
	return ret;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort the frames found since @from, and drop repeats; their new count */
static size_t sort_unique(size_t from)
{
	size_t i, n = from;

	if (nframes == from)
		return 0;
	qsort(frames + from, nframes - from, sizeof(*frames), cmp);
	for (i = from; i < nframes; i++)
		if (i == from || frames[i] != frames[n - 1])
			frames[n++] = frames[i];
	nframes = n;
	return n - from;
}

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	int kpageflags, i, first = 1, ret = 0;
	size_t n, m = 0, j;
	bool common;

	common = argc > 1 && !strcmp(argv[1], "--common");
	if (common)
		first = 2;
	if (argc < first + (common ? 2 : 1)) {
		fprintf(stderr, "usage: ksm-frames PID...\n"
			"       ksm-frames --common PID OTHER...\n");
		return 2;
	}
	kpageflags = open("/proc/kpageflags", O_RDONLY);
	if (kpageflags < 0) {
		fprintf(stderr, "ksm-frames: /proc/kpageflags: %s\n", strerror(errno));
		return 1;
	}
	if (common) {
		/* frames[0..n): PID's; the others' after them */
		if (scan(argv[first], kpageflags, page))
			return 1;
		n = sort_unique(0);
		for (i = first + 1; i < argc; i++)
			if (scan(argv[i], kpageflags, page))
				return 1;
		if (!sort_unique(n)) {
			printf("%zu 0\n", n);
			return 0;
		}
		for (j = 0; j < n; j++)
			if (bsearch(&frames[j], frames + n, nframes - n,
				    sizeof(*frames), cmp))
				m++;
		printf("%zu %zu\n", n, m);
		return 0;
	}
	for (i = first; i < argc; i++)
		if (scan(argv[i], kpageflags, page))
			ret = 1;
	n = sort_unique(0);
	/* Fixed-width hex: numeric order is the order comm(1) wants */
	for (j = 0; j < n; j++)
		printf("%016" PRIx64 "\n", frames[j]);
	return ret;
}
