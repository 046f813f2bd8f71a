#!/bin/bash
# `yum` on a KCM lab host: the real dnf 4 on the host's installroot, as on RHEL 8.
# Usage: yum.sh <host-dir> <yum arguments...>
host=$1
shift
lab=$(dirname "$(dirname "$host")")
# Debian's rpm keeps its database under ~/.rpmdb; this HOME's .rpmmacros puts
# it at /var/lib/rpm inside the installroot, where dnf looks for it.
# The locale is the caller's, as on a real host (the `locale` fault relies on it).
export HOME="$lab/rpmhome"
if [ -e "$host/faults/disk-full" ]; then
  exec unshare --mount --propagation private "$lab/files/dnf-on-full-disk.sh" "$host/root" "$@"
fi
exec /usr/bin/dnf --installroot="$host/root" "$@"
