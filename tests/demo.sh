#!/bin/sh
# The demo, run in the guest by `make demo`: two sibling cgroups run the
# same three processes with identical data; memory.ksm is turned on in one
# of them only, and ksmd's saving shows up there and not in the other.
set -eu
bin=${1:?usage: demo.sh BINDIR}
cg=/sys/fs/cgroup
ksm=/sys/kernel/mm/ksm

echo 2000 >$ksm/pages_to_scan
echo 20 >$ksm/sleep_millisecs
echo 1 >$ksm/run

for g in jobs-a jobs-b; do
	mkdir -p $cg/$g
	for i in 1 2 3; do
		sh -c "echo \$\$ >$cg/$g/cgroup.procs; exec $bin/fill 16" >/tmp/$g.$i &
	done
done
# Bounded waits: give up after about a minute rather than hang.
wait_for() {
	n=0
	until eval "$1"; do
		n=$((n + 1))
		[ $n -le 600 ] || { echo "demo: timed out waiting for: $1" >&2; exit 1; }
		sleep 0.1
	done
}
for f in /tmp/jobs-?.?; do
	wait_for "grep -q ready $f"
done

echo "== memory.ksm before: jobs-a=$(cat $cg/jobs-a/memory.ksm) jobs-b=$(cat $cg/jobs-b/memory.ksm)"
echo "== echo 1 > $cg/jobs-a/memory.ksm"
echo 1 >$cg/jobs-a/memory.ksm

# Wait until ksmd has made three full scans after the write.
start=$(cat $ksm/full_scans)
wait_for '[ "$(cat $ksm/full_scans)" -ge $((start + 3)) ]'

show() {
	total=0
	for pid in $(cat $cg/$1/cgroup.procs); do
		m=$(cat /proc/$pid/ksm_merging_pages)
		printf '   pid %-5s ksm_merging_pages %-6s %s\n' "$pid" "$m" \
			"$(grep ksm_merge_memcg /proc/$pid/ksm_stat)"
		total=$((total + m))
	done
	echo "   $1: $total pages ($((total * 4 / 1024)) MiB) merged"
}
echo "== after $(( $(cat $ksm/full_scans) - start )) full scans of ksmd:"
show jobs-a
show jobs-b
echo "== global: pages_shared $(cat $ksm/pages_shared) pages_sharing $(cat $ksm/pages_sharing) general_profit $(cat $ksm/general_profit)"

echo "== echo 0 > $cg/jobs-a/memory.ksm"
echo 0 >$cg/jobs-a/memory.ksm
show jobs-a
