# SPDX-License-Identifier: GPL-2.0
#
# ttyvs: paired virtual serial ports. Human and DKMS entry point; the
# module's kbuild rules are in Kbuild and kmod/Kbuild.
#
#   make [all]            module + helper + selftests + bench (those present)
#   make modules          the module, against KDIR
#   make build-selftests  one of helper/ selftests/ bench/ (build-helper, ...)
#   make check            install test deps, build, run the selftests in a VM
#   make check-matrix     make check on every kernel of the tested matrix
#   make bench            run the benchmark in a VM (one vCPU); then the bridge
#                         against socat end to end (BRIDGE_BENCH_ARGS="-s 16 -r 5")
#   make demo             a VM's serial port on a ttyVS pair, over TCP, in a VM
#   make style            checkpatch, sparse and W=1 on the kernel sources
#   sudo make install     DKMS install + udev rule (+ ttyvsctl), modprobe;
#                         LOAD_AT_BOOT=1: also /etc/modules-load.d/ttyvs.conf
#   sudo make uninstall   undo install
#   make clean
#
# Variables:
#   KDIR    kernel build dir for `modules` (default: the running kernel's)
#   KERNEL  test kernel for check/style (bench, demo: 6.1), resolved by scripts/kernels/$(KERNEL)
#           (default 6.1: Debian 12's 6.1 kernel; debug: scripts/debug-kernel)
#   CHECK_DEBUG  y: make check also runs the suite on the debug kernel (CI)
#   LOAD_AT_BOOT  install: 1 = load ttyvs at boot (modules-load.d entry),
#           0 = remove that entry, unset = leave it as it is
#   DESTDIR install-files/uninstall-files: stage under this root (no DKMS)

SHELL := /bin/bash
empty :=
space := $(empty) $(empty)

VERSION := $(shell cat $(CURDIR)/VERSION)
KVER := $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
KERNEL ?= 6.1

CACHE ?= $(or $(XDG_CACHE_HOME),$(or $(HOME),/root)/.cache)/ttyvs
LINUX_SRC_TARBALL ?= /usr/src/linux-source-6.1.tar.xz

# The test kernel (evaluated only by the targets that use it).
RESOLVE := scripts/kernels/$(KERNEL)
TEST_KDIR = $(shell test -x $(RESOLVE) && $(RESOLVE) kdir)
VM_ARGS = $(shell test -x $(RESOLVE) && $(RESOLVE) vmargs)
# Another release's kernel (6.12, 7.2) is built for in that release's chroot:
# its resolver answers can-build, and `build` makes a copy of the module
# whose path `ko` prints. The others build kmod/ttyvs.ko on the host.
CHROOT_KERNEL = $(shell test -x $(RESOLVE) && $(RESOLVE) can-build 2>/dev/null)
CHROOT_KBUILD ?= W=1 KCFLAGS=-Werror
# The kernels of the tested matrix (make check-matrix).
MATRIX_KERNELS ?= 6.1 6.12 7.2
# make check also runs the DKMS lifecycle test (host, 6.1 headers) ...
CHECK_DKMS ?= $(if $(filter 6.1,$(KERNEL)),y)
# ... and builds the module (W=1, warnings as errors) for these kernels:
# by default, with KERNEL=6.1, the chroot kernels whose chroot is already
# made (a minute; making one takes 5-10). CI names them all (.ci/run).
CHECK_BUILD_KERNELS ?= $(if $(filter 6.1,$(KERNEL)),$(foreach k,$(filter-out 6.1,$(MATRIX_KERNELS)),\
	$(if $(shell test -x scripts/kernels/$(k) && scripts/kernels/$(k) cached 2>/dev/null),$(k))))
# make check CHECK_DEBUG=y (CI) also runs the whole suite on the debug kernel
# (KASAN, lockdep, kmemleak, UBSAN; scripts/debug-kernel/build makes it
# first, ~6 min once): before the stock kernel's run, its counts in the
# summary. Not with KERNEL=debug, which is that run alone.
CHECK_DEBUG ?=
# That run is the whole suite (about 25 min on an idle machine). A list of
# run_tests.sh patterns here leaves some out (TTYVS_EXCLUDE), e.g.
# "qemu_* bridge_*" for a quicker kernel-side run.
CHECK_DEBUG_EXCLUDE ?=
CHECK_DEBUG_RUN = $(if $(filter debug,$(KERNEL)),,$(filter y yes 1,$(CHECK_DEBUG)))
NO_RESOLVER = { echo "no test kernel resolver $(RESOLVE) for KERNEL=$(KERNEL)" \
	"(have: $(notdir $(wildcard scripts/kernels/*)))" >&2; exit 1; }
# style: the running kernel's headers if there are any, else the test
# kernel's (6.1's for a chroot kernel: sparse runs with the host's compiler).
STYLE_KDIR = $(if $(wildcard $(KDIR)/Makefile),$(KDIR),$(if $(CHROOT_KERNEL),$(shell scripts/kernels/6.1 kdir),$(TEST_KDIR)))

# DKMS / install locations.
DKMS_SRC := /usr/src/ttyvs-$(VERSION)
DKMS_FILES := Kbuild Makefile VERSION kmod uapi
UDEV_RULES_DIR ?= /etc/udev/rules.d
MODULES_LOAD_DIR ?= /etc/modules-load.d
SBINDIR ?= /usr/local/sbin
# Opt-in: 1 installs $(MODULES_LOAD_DIR)/ttyvs.conf, 0 removes it, unset
# leaves it alone (so an upgrade keeps what the first install chose).
LOAD_AT_BOOT ?=

SUBDIRS := $(patsubst %/Makefile,%,$(wildcard helper/Makefile selftests/Makefile bench/Makefile))
BUILD_SUBDIRS := $(addprefix build-,$(SUBDIRS))

.PHONY: all modules $(BUILD_SUBDIRS) check check-build check-matrix check-extra deps bench style checkpatch \
	sparse w1 install install-check install-files dkms-src uninstall uninstall-files clean help

all: modules $(BUILD_SUBDIRS)

help:
	@sed -n '3,/^[^#]/s/^# \{0,1\}//p' Makefile

modules:
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "ttyvs: no kernel headers at $(KDIR) (kernel $(KVER)):" \
		     "apt-get install linux-headers-$(KVER), or build against another" \
		     "kernel with make KDIR=/lib/modules/<release>/build;" \
		     "make check builds and tests against $(KERNEL) in a VM" >&2; \
		exit 1; \
	fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

$(BUILD_SUBDIRS): build-%:
	$(MAKE) -C $*

# --- tests -------------------------------------------------------------------

# deps first, then a sub-make, so the test kernel is resolved after it has
# been installed.
check: deps
	@$(MAKE) --no-print-directory style || \
		{ echo "check: style (checkpatch, sparse, W=1) failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
	@$(MAKE) --no-print-directory check-build
	@$(MAKE) --no-print-directory check-extra
	@TTYVS_KO=$$($(RESOLVE) ko 2>/dev/null || echo kmod/ttyvs.ko) \
		TTYVS_CHECK_COUNTS="$$(ls $(CACHE)/check-extra/*.counts 2>/dev/null)" \
		scripts/vm/check-suite $(VM_ARGS)

# With the debug kernel to build (CI), the chroots of CHECK_BUILD_KERNELS
# not made yet are made meanwhile in the background (debootstrap waits on
# the network and dpkg, the kernel build on the CPUs): their first user
# waits for them (chroot-kernel's lock); the log in $(CACHE)/chroots.log.
deps:
	@scripts/deps.sh
	@if [ "$(KERNEL)" = debug ] || [ -n "$(CHECK_DEBUG_RUN)" ]; then \
		ks=; \
		for k in $(CHECK_BUILD_KERNELS); do \
			r=scripts/kernels/$$k; \
			if [ -x $$r ] && [ -n "$$($$r can-build 2>/dev/null)" ] && [ -z "$$($$r cached 2>/dev/null)" ]; then \
				ks="$$ks $$k"; \
			fi; \
		done; \
		if [ -n "$$ks" ]; then \
			echo "check: making the chroots for$$ks in the background (log: $(CACHE)/chroots.log)"; \
			mkdir -p $(CACHE); \
			( for k in $$ks; do scripts/kernels/$$k ensure; done ) >>$(CACHE)/chroots.log 2>&1 </dev/null & \
		fi; \
		scripts/debug-kernel/build; \
	fi

check-build:
	@if [ ! -f selftests/Makefile ] || [ ! -x selftests/run_tests.sh ]; then \
		echo "check: no selftests (selftests/Makefile and selftests/run_tests.sh are missing)"; \
		echo "0 passed, 1 failed, 0 skipped"; \
		exit 1; \
	fi
	@test -x $(RESOLVE) || $(NO_RESOLVER)
	@test -n "$(TEST_KDIR)" || { echo "check: cannot resolve KERNEL=$(KERNEL)" >&2; exit 1; }
	$(if $(CHROOT_KERNEL),$(RESOLVE) build $(CHROOT_KBUILD) >/dev/null,$(MAKE) modules KDIR=$(TEST_KDIR))
	$(MAKE) -C helper
	$(MAKE) -C selftests
	$(MAKE) -C guest

# The DKMS lifecycle test and the build-only kernels: TAP here, their counts
# go into check-suite's summary.
check-extra:
	@rm -rf $(CACHE)/check-extra && mkdir -p $(CACHE)/check-extra
	@$(MAKE) --no-print-directory -C helper check-host \
		COUNTS=$(CACHE)/check-extra/helper.counts CHECK_FUZZ_TIME=$(CHECK_FUZZ_TIME) || true
	@$(if $(CHECK_DKMS),scripts/dkms-test --counts $(CACHE)/check-extra/dkms.counts || true)
	@$(if $(CHECK_BUILD_KERNELS),scripts/check-build-kernels \
		--counts $(CACHE)/check-extra/build.counts $(CHECK_BUILD_KERNELS) || true)
	@$(if $(CHECK_DEBUG_RUN),$(MAKE) --no-print-directory check-debug)

# The suite on the debug kernel, for make check CHECK_DEBUG=y: the module
# built against it in a copy (kmod/ttyvs.ko stays the stock build), the
# same selftests; any kernel report or ttyvs leak fails it (the runner's
# dmesg check and --kmemleak-scan). Counts in check-extra/debug.counts.
.PHONY: check-debug
check-debug:
	@mkdir -p $(CACHE)/check-extra; counts=$(CACHE)/check-extra/debug.counts; \
	if ! ko=$$(scripts/kernels/debug build $(CHROOT_KBUILD)); then \
		echo "check: building ttyvs for the debug kernel failed"; echo "0 1 0" > $$counts; \
	else \
		echo "check: the suite on the debug kernel ($$(scripts/kernels/debug kver))"; \
		TTYVS_KO=$$ko TTYVS_CHECK_COUNTS= TTYVS_EXCLUDE="$(CHECK_DEBUG_EXCLUDE)" \
			scripts/vm/check-suite --counts $$counts \
			$$(scripts/kernels/debug vmargs) || true; \
		[ -s $$counts ] || echo "0 1 0" > $$counts; \
	fi

# make check on each kernel of the matrix, then a table.
check-matrix: deps
	@scripts/check-matrix $(MATRIX_KERNELS)

bench: deps
	@test -f bench/Makefile || { echo "bench: no bench/Makefile" >&2; exit 1; }
	@test -x $(RESOLVE) || $(NO_RESOLVER)
	@$(MAKE) --no-print-directory modules KDIR=$(TEST_KDIR)
	$(MAKE) -C bench
	$(MAKE) -C helper
	scripts/vm/run $(VM_ARGS) --cpus 1 --timeout 3600 -- sh -c 'insmod kmod/ttyvs.ko && bench/ttyvs-bench && \
		bench/bridge-bench.sh $(BRIDGE_BENCH_ARGS)'

# A VM's serial port on a ttyVS pair, bridged to TCP, in the test VM (no
# module support needed here): scripts/demo prints the transcript.
.PHONY: demo
demo: deps
	@test -x $(RESOLVE) || $(NO_RESOLVER)
	@$(MAKE) --no-print-directory modules KDIR=$(TEST_KDIR)
	@$(MAKE) --no-print-directory -C helper
	@$(MAKE) --no-print-directory -C guest
	@scripts/demo $(VM_ARGS)

# Long kernel-side runs (issue 7), see selftests/stress.sh: race_test and
# stress_test for DURATION seconds, nl_fuzz/ioctl_fuzz with large counts,
# 300 module reloads; `make fuzz` runs the fuzzers longer, then the
# helper's fuzz target (if any). Same KERNEL= choice as check.
# The helper's libFuzzer targets run FUZZ_TIME s each in make fuzz, and
# CHECK_FUZZ_TIME s each in make check (with its unit tests, plain and
# with ASan + UBSan: make -C helper check-host).
FUZZ_TIME ?= 600
CHECK_FUZZ_TIME ?= 20
export FUZZ_TIME
DURATION ?= 600
.PHONY: stress fuzz
stress fuzz: deps
	@$(MAKE) --no-print-directory check-build
	@TTYVS_KO=$$($(RESOLVE) ko 2>/dev/null || echo kmod/ttyvs.ko) selftests/stress.sh $@ $(DURATION) $(VM_ARGS)

# --- style -------------------------------------------------------------------

CHECKPATCH_DIR := $(CACHE)/checkpatch
CHECKPATCH := $(CHECKPATCH_DIR)/checkpatch.pl
STYLE_FILES = $(filter-out %.mod.c,$(wildcard kmod/*.c kmod/*.h uapi/linux/*.h))
CODESPELL_SYS_DICT = $(firstword $(wildcard /usr/share/codespell/dictionary.txt \
	/usr/lib/python3/dist-packages/codespell_lib/data/dictionary.txt))
# Kernel identifiers that codespell takes for typos.
CODESPELL_IGNORE := filp
CODESPELL_DICT := $(CACHE)/codespell-dictionary.txt
# Our files only: the kernel's own headers may not be sparse-clean.
OUR_WARNINGS := '(^|/)(kmod|uapi)/[^:]*:[0-9]+(:[0-9]+)?: (warning|error)'

style: checkpatch sparse w1

$(CHECKPATCH):
	@test -r $(LINUX_SRC_TARBALL) || { echo "style: $(LINUX_SRC_TARBALL) missing (apt-get install linux-source-6.1)" >&2; exit 1; }
	mkdir -p $(CHECKPATCH_DIR)
	tar -xJf $(LINUX_SRC_TARBALL) -C $(CHECKPATCH_DIR) --strip-components=2 \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	touch $@

CHECKPATCH_RUN = perl $(CHECKPATCH) --no-tree --strict --codespell \
	--codespellfile $(CODESPELL_DICT) \
	--ignore FILE_PATH_CHANGES
# kmod/compat.h is the one place meant for kernel version tests.
COMPAT_H := $(wildcard kmod/compat.h)

$(CODESPELL_DICT): Makefile
	@test -n "$(CODESPELL_SYS_DICT)" || { echo "style: codespell dictionary not found (apt-get install codespell)" >&2; exit 1; }
	mkdir -p $(CACHE)
	grep -Ev '^($(subst $(space),|,$(CODESPELL_IGNORE)))->' $(CODESPELL_SYS_DICT) > $@

checkpatch: $(CHECKPATCH) $(CODESPELL_DICT)
	$(CHECKPATCH_RUN) -f $(filter-out $(COMPAT_H),$(STYLE_FILES))
	$(if $(COMPAT_H),$(CHECKPATCH_RUN) --ignore LINUX_VERSION_CODE --ignore CONSTANT_COMPARISON -f $(COMPAT_H))

sparse:
	@test -f "$(STYLE_KDIR)/Makefile" || { echo "style: no kernel headers at '$(STYLE_KDIR)'" >&2; exit 1; }
	@mkdir -p $(CACHE)
	set -o pipefail; $(MAKE) -C $(STYLE_KDIR) M=$(CURDIR) C=2 modules 2>&1 | tee $(CACHE)/sparse.log
	@if grep -Eq $(OUR_WARNINGS) $(CACHE)/sparse.log; then \
		echo "style: sparse reported:"; grep -E $(OUR_WARNINGS) $(CACHE)/sparse.log; exit 1; fi

w1:
	@test -f "$(STYLE_KDIR)/Makefile" || { echo "style: no kernel headers at '$(STYLE_KDIR)'" >&2; exit 1; }
	@mkdir -p $(CACHE)
	set -o pipefail; $(MAKE) -C $(STYLE_KDIR) M=$(CURDIR) W=1 KCFLAGS=-Werror modules 2>&1 | tee $(CACHE)/w1.log
	@if grep -Eq $(OUR_WARNINGS) $(CACHE)/w1.log; then \
		echo "style: W=1 reported:"; grep -E $(OUR_WARNINGS) $(CACHE)/w1.log; exit 1; fi

# --- install (DKMS) ----------------------------------------------------------

# dkms.conf carries PACKAGE_VERSION="@VERSION@"; dkms-src substitutes VERSION.
install: install-check
	$(MAKE) --no-print-directory dkms-src
	dkms remove -m ttyvs -v $(VERSION) --all >/dev/null 2>&1 || true
	dkms add -m ttyvs -v $(VERSION)
	dkms build -m ttyvs -v $(VERSION)
	dkms install -m ttyvs -v $(VERSION)
	$(MAKE) --no-print-directory install-files
	udevadm control --reload >/dev/null 2>&1 || true
	modprobe ttyvs
	udevadm trigger --subsystem-match=tty --action=add >/dev/null 2>&1 || true
	@echo "ttyvs $(VERSION) installed; /dev/ttyVS* are group dialout"
	@if [ -e $(MODULES_LOAD_DIR)/ttyvs.conf ]; then \
		echo "ttyvs is loaded at boot ($(MODULES_LOAD_DIR)/ttyvs.conf; LOAD_AT_BOOT=0 removes it)"; \
	else \
		echo "ttyvs is not loaded at boot (make install LOAD_AT_BOOT=1 to have it loaded)"; \
	fi

# What install puts outside DKMS: the udev rule, the modules-load.d entry
# (LOAD_AT_BOOT) and the helper. DESTDIR stages it (the install test).
install-files:
	install -D -m 0644 udev/60-ttyvs.rules $(DESTDIR)$(UDEV_RULES_DIR)/60-ttyvs.rules
	@case "$(LOAD_AT_BOOT)" in \
	1|y|yes) install -d $(DESTDIR)$(MODULES_LOAD_DIR) && \
		printf '%s\n' "# ttyvs: paired virtual serial ports; installed by make install LOAD_AT_BOOT=1," \
			"# removed by make uninstall (or make install LOAD_AT_BOOT=0)." \
			"# Module options: /etc/modprobe.d/ttyvs.conf (options ttyvs pairs=4)." \
			ttyvs > $(DESTDIR)$(MODULES_LOAD_DIR)/ttyvs.conf && \
		echo "installed $(DESTDIR)$(MODULES_LOAD_DIR)/ttyvs.conf" ;; \
	0|n|no) rm -f $(DESTDIR)$(MODULES_LOAD_DIR)/ttyvs.conf ;; \
	"") ;; \
	*) echo "install: LOAD_AT_BOOT=$(LOAD_AT_BOOT): use 1 (load at boot) or 0 (do not)" >&2; exit 1 ;; \
	esac
	$(MAKE) -C helper install DESTDIR=$(DESTDIR) SBINDIR=$(SBINDIR)

install-check:
	@case "$(LOAD_AT_BOOT)" in 1|y|yes|0|n|no|"") ;; *) \
		echo "install: LOAD_AT_BOOT=$(LOAD_AT_BOOT): use 1 (load at boot) or 0 (do not)" >&2; exit 1 ;; esac
	@if [ "$$(id -u)" != 0 ]; then echo "install: run as root (sudo make install)" >&2; exit 1; fi
	@if ! printf '6.1\n%s\n' "$(KVER)" | sort -V -C; then \
		echo "install: the running kernel $(KVER) is older than 6.1, the oldest kernel" \
		     "ttyvs supports; boot a newer kernel first" >&2; exit 1; fi
	@if [ ! -e /proc/modules ]; then \
		echo "install: the running kernel ($(KVER)) cannot load modules (no /proc/modules):" \
		     "ttyvs cannot be installed here; test it in a VM with make check" \
		     "or scripts/vm/run" >&2; exit 1; fi
	@if [ ! -f /lib/modules/$(KVER)/build/Makefile ]; then \
		echo "install: no kernel headers for the running kernel $(KVER)" \
		     "(/lib/modules/$(KVER)/build): apt-get install linux-headers-$(KVER)," \
		     "then run make install again (or test in a VM with make check)" >&2; exit 1; fi
	@command -v dkms >/dev/null || { echo "install: dkms not found: apt-get install dkms" >&2; exit 1; }

dkms-src:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp -R $(DKMS_FILES) $(DKMS_SRC)/
	sed 's/@VERSION@/$(VERSION)/' dkms.conf > $(DKMS_SRC)/dkms.conf
	$(MAKE) -C $(DKMS_SRC) clean >/dev/null 2>&1 || true

uninstall:
	@if [ "$$(id -u)" != 0 ]; then echo "uninstall: run as root" >&2; exit 1; fi
	@# The daemon holds ports open: stop it before the module goes.
	if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then \
		systemctl disable --now ttyvsd.service >/dev/null 2>&1 || true; fi
	if [ -d /sys/module/ttyvs ]; then modprobe -r ttyvs; fi
	for v in $$(dkms status -m ttyvs 2>/dev/null | sed -n 's|^ttyvs/\([^,:]*\)[,:].*|\1|p' | sort -u); do \
		dkms remove -m ttyvs -v $$v --all; done
	rm -rf /usr/src/ttyvs-*
	$(MAKE) --no-print-directory uninstall-files
	udevadm control --reload >/dev/null 2>&1 || true
	if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then \
		systemctl daemon-reload || true; fi

# Leaves /etc/modprobe.d/ttyvs.conf (module options) and the helper's
# configuration: they are the user's.
uninstall-files:
	rm -f $(DESTDIR)$(UDEV_RULES_DIR)/60-ttyvs.rules $(DESTDIR)$(MODULES_LOAD_DIR)/ttyvs.conf
	$(MAKE) -C helper uninstall DESTDIR=$(DESTDIR) SBINDIR=$(SBINDIR)

# --- clean -------------------------------------------------------------------

clean:
	rm -rf kmod/*.o kmod/*.ko kmod/*.mod kmod/*.mod.c kmod/.*.cmd \
		kmod/modules.order kmod/Module.symvers kmod/.tmp_versions \
		*.o .*.cmd modules.order Module.symvers .tmp_versions
	@for d in $(SUBDIRS); do $(MAKE) -C $$d clean; done
