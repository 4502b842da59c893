# cgroup-level KSM: build our kernel on Debian's linux-source-6.12, boot it
# in QEMU and test it.  `make help` lists the targets.

# The kernel base this series is written and tested against.  apt may serve
# a newer 6.12.y one day: `make deps` then installs what it has, the build
# warns, caches are keyed by the version actually unpacked, and a patch
# that no longer applies stops the build naming the patch.
BASE_VERSION := 6.12.117-1~deb12u1

CACHE ?= /var/tmp/ksmcg-cache
JOBS ?= $(shell nproc)
TOP := $(CURDIR)

VERSION_INSTALLED = $(shell dpkg-query -W -f='$${Version}' linux-source-6.12 2>/dev/null)
KVER = $(subst ~,_,$(or $(VERSION_INSTALLED),$(BASE_VERSION)))
KCACHE = $(CACHE)/linux-$(KVER)
PRISTINE = $(KCACHE)/pristine
SRC = $(KCACHE)/src
OBJ = $(KCACHE)/obj-guest
OBJ_DEBUG = $(KCACHE)/obj-debug
OBJ_BASE = $(KCACHE)/obj-base
SELFTESTS = $(KCACHE)/selftests
CHECK = $(KCACHE)/check
# ksmctl's objects record the paths of their sources (gcc -MMD), so each
# checkout builds into a directory of its own.
KSMCTL_O = $(CACHE)/ksmctl/$(shell printf %s "$(CURDIR)" | md5sum | cut -c1-12)
BIN = $(CACHE)/bin
DEB_OUT = $(CACHE)/deb
# Debian 13's Go and the Go libraries of the Kubernetes adapters, and what
# tools/k8s/build makes of them.
GO_TRIXIE = $(CACHE)/go-trixie
K8S_BIN = $(CACHE)/k8s

export CCACHE_DIR := $(CACHE)/ccache
# Path-independent ccache hits: the tree and build directories may move.
export CCACHE_BASEDIR := $(CACHE)
export CCACHE_NOHASHDIR := 1
export KSMCG_CACHE := $(CACHE)
export KSMCG_KERNEL = $(OBJ)/arch/x86/boot/bzImage
export KSMCG_DEBUG_KERNEL = $(OBJ_DEBUG)/arch/x86/boot/bzImage
export KSMCG_INITRAMFS = $(CACHE)/initramfs.cpio.gz
export KSMCG_ROOTFS = $(CACHE)/rootfs-bookworm
export KSMCG_ROOTFS_TRIXIE = $(CACHE)/rootfs-trixie
# Extra packages of that root filesystem: the container runtimes, the
# busybox of tests/oci/guest-test, strace for ksmctl's guest test, and
# ksmtuned and libjson-c5 for the package test (tests/deb/guest-test).  Part
# of the rootfs's cache key: a change rebuilds it.
ROOTFS_EXTRA := runc,crun,podman,busybox-static,strace,ksmtuned,libjson-c5
export KSMCG_ROOTFS_EXTRA := $(ROOTFS_EXTRA)
export KSMCG_SELFTESTS = $(SELFTESTS)
export KSMCG_BIN = $(BIN)
export KSMCG_OBJ = $(OBJ)
export KSMCG_DEB = $(DEB_OUT)
export KSMCG_KERNEL_DEB = $(KDEB_OUT)
export PRISTINE
export SERIES_OUT = $(KCACHE)/series
export KSMCG_CHECK = $(CHECK)
export KSMCTL_O
export KSMCG_GO_TRIXIE = $(GO_TRIXIE)
export KSMCG_K8S_BIN = $(K8S_BIN)

KCONFIG = $(TOP)/tests/vm/kconfig
# The guest kernel boots systemd and the container runtimes; the debug
# kernel only the busybox guest, so it leaves out what they need.
GUEST_CONFIG = $(KCONFIG)/base.config $(KCONFIG)/guest.config
DEBUG_CONFIG = $(KCONFIG)/base.config $(KCONFIG)/debug.config
KMAKE = $(MAKE) -s -C $(SRC) CC="ccache gcc" HOSTCC="ccache gcc" -j$(JOBS)

DEB_PACKAGES := linux-source-6.12 build-essential flex bison bc libelf-dev \
	libssl-dev dwarves cpio ccache qemu-system-x86 busybox-static \
	rsync python3 python3-ply python3-git git patch kmod mmdebstrap \
	pkg-config libjson-c-dev libsystemd-dev libcmocka-dev prometheus \
	libnuma-dev bash-completion libsmartcols-dev debhelper

.PHONY: help deps pristine tree kernel kernel-debug kernel-base initramfs rootfs rootfs-trixie selftests check-patches \
	ksmctl ksmctl-check k8s deb kernel-deb kernel-deb-guest systemd \
	vm demo test test-base upstream-base bench-unused bench-ksmctl bench-ksmd bench-insn export-series clean

help:
	@echo "make demo          boot our kernel and show per-cgroup KSM at work"
	@echo "make test          build what is missing and run every suite"
	@echo "make deps          install the Debian packages the build needs"
	@echo "make kernel        build the guest kernel ($(OBJ))"
	@echo "make kernel-debug  build the debug kernel (lockdep, KASAN, kmemleak)"
	@echo "make kernel-deb    installable linux-image package (KDEB_CONFIG=debian|guest|FILE)"
	@echo "make kernel-base   build the guest kernel without our series"
	@echo "make selftests     build the kselftests for the guest"
	@echo "make export-series export the kernel change as a patch series, checkpatch it"
	@echo "make check-patches build the kernel after each patch of the series, W=1"
	@echo "make upstream-base record upstream's selftests on the kernel without the series"
	@echo "make ksmctl        build tools/ksmctl ($(KSMCTL_O)); ksmctl-check: its unit tests"
	@echo "make k8s           the NRI plugin and the CRI test client (Go, Debian 13's packages, $(K8S_BIN))"
	@echo "make deb           the Debian package of ksmctl, ksmcgctl ($(DEB_OUT))"
	@echo "make systemd       Debian's systemd with MemoryKSM= (systemd-units/), staged for the guest"
	@echo "make bench-unused  what the series costs when memory.ksm is 0 (benchmark)"
	@echo "make bench-ksmctl  ksmctl status on 1000 cgroups in the guest (benchmark)"
	@echo "make bench-ksmd    ksmd's scan budgets: lone cgroup, profit feed, 1000 cgroups, merge domains"
	@echo "make bench-insn    the series' extra kernel instructions per function (QEMU plugin)"
	@echo "tests/vm/run --help  run a command in the guest (after make kernel initramfs)"
	@echo "cache: $(CACHE) (CACHE=...)"

# ---- dependencies -------------------------------------------------------

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing $$missing"; \
		apt-get update -qq && \
		if [ -n "$$(apt-cache madison linux-source-6.12 | awk '$$3 == "$(BASE_VERSION)"')" ]; then \
			src=linux-source-6.12=$(BASE_VERSION); else src=linux-source-6.12; fi; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$$(echo $$missing | sed "s/linux-source-6.12/$$src/") >/dev/null || exit 1; \
	fi
	@v=$$(dpkg-query -W -f='$${Version}' linux-source-6.12); \
	[ "$$v" = "$(BASE_VERSION)" ] || \
		echo "deps: WARNING: linux-source-6.12 is $$v, the series was tested on $(BASE_VERSION)"

# ---- kernel tree ----------------------------------------------------------

pristine: deps
	@if [ ! -f $(PRISTINE)/.ksmcg-base-version ]; then \
		echo "tree: unpacking linux-source-6.12 $(VERSION_INSTALLED) into $(PRISTINE)"; \
		rm -rf $(PRISTINE) $(PRISTINE).tmp && mkdir -p $(PRISTINE).tmp && \
		tar -C $(PRISTINE).tmp -xf /usr/src/linux-source-6.12.tar.xz --strip-components=1 && \
		echo "$(VERSION_INSTALLED)" >$(PRISTINE).tmp/.ksmcg-base-version && \
		mv $(PRISTINE).tmp $(PRISTINE); \
	fi

tree: pristine
	@build-aux/prepare-tree $(PRISTINE) $(SRC) $(TOP)

# kconfig: OBJ FRAGMENTS... -> OBJ/.config, redone when a fragment changes.
define kconfig
	@mkdir -p $(1)
	@h=$$(cat $(2) | sha1sum | cut -c1-16); \
	if [ ! -f $(1)/.config ] || [ "$$(cat $(1)/.ksmcg-config 2>/dev/null)" != "$$h" ]; then \
		echo "kconfig: $(1)"; \
		cd $(3) && scripts/kconfig/merge_config.sh -n -O $(1) \
			kernel/configs/tiny.config arch/x86/configs/tiny.config $(2) \
			>$(1)/merge_config.log 2>&1 || { cat $(1)/merge_config.log; exit 1; }; \
		for c in KSM MEMCG SMP NUMA 9P_FS NET_9P_VIRTIO SERIAL_8250_CONSOLE BLK_DEV_INITRD $(4); do \
			grep -q "^CONFIG_$$c=y" $(1)/.config || { echo "kconfig: CONFIG_$$c is not set in $(1)/.config"; exit 1; }; \
		done; \
		echo "$$h" >$(1)/.ksmcg-config; \
	fi
endef

# kbuild: OBJ -> OBJ/arch/x86/boot/bzImage, saying whether anything was
# built (kbuild rebuilds only what changed).
define kbuild
	@b=$(1)/arch/x86/boot/bzImage; t=$$(stat -c %Y $$b 2>/dev/null); \
	echo "kernel: make bzImage in $(1)"; \
	$(KMAKE) O=$(1) bzImage || exit 1; \
	if [ "$$(stat -c %Y $$b)" = "$$t" ]; then echo "kernel: $$b is up to date"; \
	else echo "kernel: built $$b"; fi
endef

kernel: tree
	$(call kconfig,$(OBJ),$(GUEST_CONFIG),$(SRC),KSM_MEMCG INET)
	$(call kbuild,$(OBJ))

kernel-debug: tree
	$(call kconfig,$(OBJ_DEBUG),$(DEBUG_CONFIG),$(SRC),KSM_MEMCG KASAN PROVE_LOCKING DEBUG_KMEMLEAK)
	$(call kbuild,$(OBJ_DEBUG))

# Installable packages of our kernel (bindeb-pkg), in $(KDEB_OUT):
# KDEB_CONFIG=debian (default) is Debian's configuration with
# CONFIG_KSM_MEMCG=y, built in obj-deb (hours on 2 cores); guest is the
# test guest's, reusing what `make kernel` built (what make test proves);
# or name a .config file.  See build-aux/kernel-deb.
KDEB_CONFIG ?= debian
KDEB_OUT = $(KCACHE)/kernel-deb
kernel-deb: tree
	@if [ "$(KDEB_CONFIG)" = guest ]; then \
		$(MAKE) -s kernel && \
		JOBS=$(JOBS) build-aux/kernel-deb $(SRC) $(OBJ) guest $(KDEB_OUT); \
	else \
		JOBS=$(JOBS) build-aux/kernel-deb $(SRC) $(KCACHE)/obj-deb $(KDEB_CONFIG) $(KDEB_OUT); \
	fi

kernel-deb-guest:
	@$(MAKE) -s kernel-deb KDEB_CONFIG=guest

kernel-base: pristine
	$(call kconfig,$(OBJ_BASE),$(GUEST_CONFIG),$(PRISTINE))
	@echo "kernel: building $(OBJ_BASE) (no series)"
	@$(MAKE) -s -C $(PRISTINE) CC="ccache gcc" HOSTCC="ccache gcc" -j$(JOBS) O=$(OBJ_BASE) bzImage

# ---- guest userspace --------------------------------------------------------

initramfs: deps
	@tests/vm/mkinitramfs $(KSMCG_INITRAMFS)

# Debian 12 with systemd as PID 1, for tests/vm/run --systemd.
rootfs: deps
	@tests/vm/mkrootfs $(KSMCG_ROOTFS)

# Debian 13 with containerd (CRI, NRI), runc and crun: the Kubernetes path.
rootfs-trixie: deps
	@tests/k8s/mkrootfs-trixie $(KSMCG_ROOTFS_TRIXIE)

# The NRI plugin and the CRI client of the tests (Go, Debian 13's packages
# only, offline; tools/k8s/build).
k8s: deps
	@tests/k8s/go-trixie $(GO_TRIXIE)
	@tools/k8s/build $(GO_TRIXIE) $(K8S_BIN)

# kselftests, static so that they run in the busybox guest: ours, and
# upstream's KSM and cgroup tests that tests/upstream/run holds against the
# kernel without the series.
SELFTEST_FLAGS = CC="ccache gcc" LDFLAGS=-static KHDR_INCLUDES="-isystem $(OBJ)/usr/include"
UPSTREAM_CGROUP_TESTS = test_core test_freezer test_kmem test_memcontrol
MM_SELFTESTS = $(SRC)/tools/testing/selftests/mm
selftests: kernel
	@$(KMAKE) O=$(OBJ) headers
	@mkdir -p $(SELFTESTS)/cgroup $(SELFTESTS)/mm
	@$(MAKE) -s -C $(SRC)/tools/testing/selftests/cgroup OUTPUT=$(SELFTESTS)/cgroup \
		$(SELFTEST_FLAGS) $(SELFTESTS)/cgroup/test_ksm \
		$(addprefix $(SELFTESTS)/cgroup/,$(UPSTREAM_CGROUP_TESTS))
	@cd $(MM_SELFTESTS) && ccache gcc -static -O2 -Wall -isystem $(OBJ)/usr/include -I.. \
		-o $(SELFTESTS)/mm/ksm_functional_tests ksm_functional_tests.c vm_util.c
	@cd $(MM_SELFTESTS) && ccache gcc -static -O2 -Wall -isystem $(OBJ)/usr/include -I.. \
		-I$(SRC) -o $(SELFTESTS)/mm/ksm_tests ksm_tests.c vm_util.c thp_settings.c \
		-lnuma 2>$(SELFTESTS)/mm/ld.log || { cat $(SELFTESTS)/mm/ld.log; exit 1; }
	@mkdir -p $(BIN)
	@gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -I$(SRC)/tools/testing/selftests \
		-o $(BIN)/smoke tests/vm/smoke.c
	@gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $(BIN)/fill tests/vm/fill.c

vm: kernel initramfs
	@tests/vm/run $(ARGS)

# ---- the demo and the tests -----------------------------------------------

demo: kernel rootfs selftests ksmctl
	@tests/vm/run --systemd -- tests/demo.sh $(BIN) $(KSMCTL_O)/guest/ksmctl

test: pristine kernel kernel-debug initramfs rootfs rootfs-trixie selftests ksmctl \
	k8s systemd deb kernel-deb-guest
	@tests/run-all

# What upstream's selftests do on the kernel without the series, which the
# `upstream` suite of `make test` holds our kernel to (tests/upstream/README).
upstream-base: kernel-base initramfs selftests
	@tests/upstream/run --record tests/upstream/expected $(SELFTESTS) \
		--kernel $(OBJ_BASE)/arch/x86/boot/bzImage

# test_ksm on the kernel without the series: every memory.ksm test must fail
# there (a check of the tests, not part of `make test`).
test-base: kernel-base initramfs selftests
	@tests/vm/run --kernel $(OBJ_BASE)/arch/x86/boot/bzImage -- \
		env TEST_KSM_STRESS_SECONDS=5 $(SELFTESTS)/cgroup/test_ksm; \
	echo "test_ksm on the kernel without the series exited with status $$?"

# ---- benchmarks (not tests) -------------------------------------------------

bench-ksmctl: kernel rootfs ksmctl
	@tests/vm/run --systemd --icount --timeout 900 -- tests/bench/ksmctl-status $(KSMCTL_O)/guest/ksmctl

# What the series costs when memory.ksm is 0: fork+exit, mmap+touch+munmap
# and page faults, with and without the series, kernels booted in turn.
bench-unused: kernel kernel-base initramfs
	@mkdir -p $(BIN)
	@gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $(BIN)/unused tests/bench/unused.c
	@tests/bench/run-unused $(OBJ_BASE)/arch/x86/boot/bzImage $(KSMCG_KERNEL) $(BIN)/unused

# ksmd's scan budgets: a lone cgroup against ksmd without the series, the
# profit feed on and off, and 1000 cgroups against one.
bench-ksmd: kernel kernel-base initramfs
	@mkdir -p $(BIN)
	@for p in pages readloop scancpu; do \
		gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $(BIN)/$$p tests/bench/$$p.c || exit 1; \
	done
	@tests/bench/run-ksmd $(OBJ_BASE)/arch/x86/boot/bzImage $(KSMCG_KERNEL) $(BIN)

# Where the series' extra instructions go: per kernel function, with and
# without the series, under one ksmd-guest workload (INSN_MODE, default
# the scan time advisor's).
INSN_MODE ?= advisor 10
bench-insn: kernel kernel-base initramfs
	@mkdir -p $(BIN)
	@for p in pages scancpu; do \
		gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $(BIN)/$$p tests/bench/$$p.c || exit 1; \
	done
	@tests/bench/insn-profile $(OBJ_BASE)/arch/x86/boot/bzImage $(KSMCG_KERNEL) $(BIN) $(INSN_MODE)

ksmctl: deps
	@$(MAKE) -s -C tools/ksmctl O=$(KSMCTL_O) DEVELOPER=1 all guest

ksmctl-check: deps
	@$(MAKE) -s -C tools/ksmctl O=$(KSMCTL_O) DEVELOPER=1 check

# ksmtuned owns /usr/sbin/ksmctl: the package installs ours as ksmcgctl.
deb: deps
	@build-aux/make-deb tools/ksmctl $(DEB_OUT)

systemd: deps
	@JOBS=$(JOBS) systemd-units/build-patched-systemd $(CACHE)/systemd

check-patches: pristine
	@build-aux/check-patches $(PRISTINE) $(TOP) $(CHECK) $(KCONFIG)/check.config

export-series: tree
	@build-aux/export-series $(PRISTINE) $(TOP) $(SERIES_OUT)

clean:
	rm -rf $(OBJ) $(OBJ_DEBUG) $(OBJ_BASE) $(SELFTESTS) $(BIN)
