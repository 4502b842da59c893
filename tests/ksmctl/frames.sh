# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sourced by the guest tests: whether processes share KSM page frames, by
# ksm-frames (as root: /proc/PID/pagemap and /proc/kpageflags).  Needs
# $frames (the ksm-frames binary), $ksmsys and wait_for.  On Linux 6.12
# /proc/kpageflags marks every anonymous page KSM (see ksm-frames.c): for
# processes not forked from each other a frame in common is still one KSM
# merged, but "PID maps KSM pages" below means only that it maps anonymous
# pages there, so the tests check ksm_merging_pages for that.

# shares PID OTHER...: PID maps KSM pages, some on a page frame of the others.
shares() {
	local n m
	read -r n m < <("$frames" --common "$@") && [ "$n" -gt 0 ] && [ "$m" -gt 0 ]
}

# apart PID OTHER...: PID maps KSM pages, none on a page frame of the others.
apart() {
	local n m
	read -r n m < <("$frames" --common "$@") && [ "$n" -gt 0 ] && [ "$m" -eq 0 ]
}

# scanned N: ksmd has finished N more full scans (within 120 s).
scanned() {
	local want=$(($(cat "$ksmsys/full_scans") + $1))
	wait_for 120 eval '[ "$(cat "$ksmsys/full_scans")" -ge $want ]'
}
