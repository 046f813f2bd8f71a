#!/bin/bash
# `rpm` on a KCM lab host: the real rpm on the host's installroot.
# Usage: rpm.sh <host-dir> <rpm arguments...>
host=$1
shift
lab=$(dirname "$(dirname "$host")")
export HOME="$lab/rpmhome" LC_ALL=C.UTF-8
exec /usr/bin/rpm --root="$host/root" "$@"
