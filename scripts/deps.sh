#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make sure the Debian packages needed to build and test ttyvs are present.
# As root, missing ones are installed (apt-get update + apt-get install -y);
# otherwise the script says what to install and fails.
#
# usage: scripts/deps.sh [--list]

set -euo pipefail

# The one list of build and test dependencies (Debian 12 package names).
packages=(
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	qemu-system-x86 busybox-static cpio xz-utils kmod
	gcc make pkg-config libnl-3-dev libnl-genl-3-dev
	sparse codespell dkms socat python3-serial python3-yaml
	minicom picocom tmux
	# the bridge tests' peers and network namespaces
	ser2net iproute2
	# the 6.12 and 7.2 test kernels' chroots (scripts/chroot-kernel)
	debootstrap
	# the debug kernel (scripts/debug-kernel/build, make check KERNEL=debug)
	bc flex bison libelf-dev libssl-dev
	# the helper's libFuzzer targets (make -C helper fuzz; clang only
	# recommends the fuzzer runtime)
	clang libclang-rt-14-dev
)

if [ "${1:-}" = --list ]; then
	echo "${packages[@]}"
	exit 0
fi

if ! command -v dpkg-query >/dev/null; then
	echo "deps: not a Debian system; make sure these (Debian names) are installed: ${packages[*]}" >&2
	exit 0
fi

missing=()
for p in "${packages[@]}"; do
	if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages: ${missing[*]}" >&2
	echo "deps: install them as root: apt-get install ${missing[*]}" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
