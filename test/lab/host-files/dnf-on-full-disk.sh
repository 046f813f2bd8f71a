#!/bin/bash
# Runs dnf on an installroot whose /usr is a full filesystem, inside a private
# mount namespace (started by `unshare --mount`), so rpm's own disk space check
# fails as it does on a full disk. Nothing outside this process sees the mount.
# Usage: dnf-on-full-disk.sh <installroot> <dnf arguments...>
set -e
root=$1
shift
saved=$(mktemp -d)
cp -a "$root/usr/." "$saved/"
mount -t tmpfs -o size=2m,mode=0755 tmpfs "$root/usr"
cp -a "$saved/." "$root/usr/"
rm -rf "$saved"
dd if=/dev/zero of="$root/usr/.filler" bs=4k status=none 2>/dev/null || true
set +e
exec /usr/bin/dnf --installroot="$root" "$@"
