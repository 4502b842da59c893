# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=sh
#
# Helpers of guest-check and fallback-check, which source this file after
# setting FILL (tests/vm/fill).  Results are TAP; "fill processes" are those
# of a unit running FILL, which maps pages with repeating content.

CG=/sys/fs/cgroup
KSM=/sys/kernel/mm/ksm

n=0 fail=0
ok()   { n=$((n + 1)); echo "ok $n $*"; }
bad()  { n=$((n + 1)); echo "not ok $n $*"; fail=$((fail + 1)); }
skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }
check() { # check DESC CMD...: one result, ok if CMD succeeds
	d=$1
	shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}

wait_until() { # wait_until SECONDS CMD...: poll CMD every 0.1 s, bounded
	t=$1
	shift
	i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -le $((t * 10)) ] || return 1
		sleep 0.1
	done
}

cgpath() { echo "$CG$(systemctl show -P ControlGroup "$1")"; }

ksmd_fast() { # let ksmd scan quickly enough for the guest
	echo 2000 >$KSM/pages_to_scan
	echo 20 >$KSM/sleep_millisecs
	echo 1 >$KSM/run
}

fills() { # fills UNIT: the pids of UNIT's fill processes
	for p in $(cat "$(cgpath "$1")/cgroup.procs" 2>/dev/null); do
		[ "$(readlink "/proc/$p/exe")" = "$FILL" ] && echo "$p"
	done
}

merged() { # merged PID: its ksm_merging_pages
	cat "/proc/$1/ksm_merging_pages" 2>/dev/null || echo 0
}

# fills_merged UNIT [COUNT]: every fill process of UNIT has merged pages,
# and there are COUNT of them (at least one without COUNT)
fills_merged() {
	c=0
	for p in $(fills "$1"); do
		[ "$(merged "$p")" -gt 0 ] || return 1
		c=$((c + 1))
	done
	if [ $# -gt 1 ]; then [ $c -eq "$2" ]; else [ $c -gt 0 ]; fi
}

# fills_unmerged UNIT COUNT: COUNT fill processes, none with merged pages
fills_unmerged() {
	c=0
	for p in $(fills "$1"); do
		[ "$(merged "$p")" -eq 0 ] || return 1
		c=$((c + 1))
	done
	[ $c -eq "$2" ]
}
