#!/bin/sh
# The demo, run by `make demo` in the guest with systemd as PID 1: two
# sibling cgroups run the same three processes with identical data;
# ksmctl turns KSM on for one of them only, and the saving shows up in
# that cgroup's memory.ksm.stat (ksmctl status) and not in the other's.
set -eu
bin=${1:?usage: demo.sh BINDIR KSMCTL}
ksmctl=${2:?usage: demo.sh BINDIR KSMCTL}
cg=/sys/fs/cgroup
ksm=/sys/kernel/mm/ksm

"$ksmctl" ksmd pages_to_scan=2000 sleep_millisecs=20 >/dev/null
"$ksmctl" start

mkdir -p $cg/demo
echo +memory >$cg/demo/cgroup.subtree_control
for g in jobs-a jobs-b; do
	mkdir -p $cg/demo/$g
	for i in 1 2 3; do
		sh -c "echo \$\$ >$cg/demo/$g/cgroup.procs; exec $bin/fill 16" >/tmp/$g.$i &
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
scans() {
	target=$(($(cat $ksm/full_scans) + $1))
	wait_for '[ "$(cat $ksm/full_scans)" -ge $target ]'
}

mib() { awk '{ printf "%.1f MiB", $1 / 1048576 }' $cg/demo/$1/memory.current; }
echo "== two cgroups, three processes each, 16 MiB of the same data per process"
before_a=$(cat $cg/demo/jobs-a/memory.current)
echo "memory.current: jobs-a $(mib jobs-a), jobs-b $(mib jobs-b)"
echo
echo "\$ ksmctl enable demo/jobs-a"
"$ksmctl" enable demo/jobs-a
scans 3
echo "\$ ksmctl status --all -o +kept demo      # 3 full scans of ksmd later"
"$ksmctl" status --all -o +kept demo
echo
echo "MERGING  pages of the cgroup's processes that map a merged page (each mapping counts)"
echo "KEPT     merged pages charged to the cgroup: the one copy KSM keeps of each content"
echo "RMAP     KSM's metadata: one rmap_item per page ksmd tracks, charged to no cgroup"
echo "PROFIT   what merging saves the cgroup: (MERGING - KEPT + ZERO) pages, less RMAP"
echo
after_a=$(cat $cg/demo/jobs-a/memory.current)
echo "memory.current: jobs-a $(mib jobs-a) (down $(echo $before_a $after_a |
	awk '{ printf "%.1f", ($1 - $2) / 1048576 }') MiB), jobs-b $(mib jobs-b)"
echo
echo "\$ cat $cg/demo/jobs-a/memory.ksm.stat"
cat $cg/demo/jobs-a/memory.ksm.stat
echo
echo "\$ ksmctl disable demo/jobs-a    # unmerges before it returns"
"$ksmctl" disable demo/jobs-a
# ksmd takes the unmerged pages out of the numbers when it next passes
# over each process, and then forgets the processes.
wait_for 'grep -qx "merging_pages 0" $cg/demo/jobs-a/memory.ksm.stat'
echo "\$ ksmctl status --all demo"
"$ksmctl" status --all demo
