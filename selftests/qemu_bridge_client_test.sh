#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# QEMU as the client of ttyvsctl bridge (TAP): qemu_bridge_test.sh with the
# kinds where the helper listens and QEMU connects: -chardev socket,host=,
# port= against tcp-listen: (VirtualBox "TCP" with "Connect to existing
# pipe/socket"), -chardev socket,path= against unix-listen: (VirtualBox
# "Host Pipe" with that box checked, VMware "This end is the client"),
# -chardev pipe,path=BASE against fifo:BASE. See qemu_bridge_test.sh.
#   scripts/vm/run -- sh -c 'insmod kmod/ttyvs.ko && selftests/qemu_bridge_client_test.sh'

QEMU_BRIDGE_KINDS="tcp-client unix-client pipe"
export QEMU_BRIDGE_KINDS
exec "$(dirname "$0")/qemu_bridge_test.sh"
