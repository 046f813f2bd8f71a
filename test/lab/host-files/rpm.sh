#!/bin/bash
# `rpm` on a KCM lab host: the real rpm on the host's installroot.
# Usage: rpm.sh <host-dir> <rpm arguments...>
host=$1
shift
lab=$(dirname "$(dirname "$host")")
# The locale is the caller's, as on a real host (the `locale` fault relies on it).
export HOME="$lab/rpmhome"
exec /usr/bin/rpm --root="$host/root" "$@"
