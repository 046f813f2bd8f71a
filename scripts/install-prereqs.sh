#!/usr/bin/env bash
# Installs what kcm-chatops's tests and local demo need on Debian/Ubuntu,
# skipping what is already there: Redis, OpenSSH, sudo, rpm/dnf/createrepo_c
# (the KCM lab's real package tools), glibc's locale sources, then the npm
# packages (npm ci).
# Needs root. With CI=true, anything it cannot install fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

# file that must exist -> Debian package that provides it
declare -A wanted=(
  [/usr/bin/redis-server]=redis-server
  [/usr/bin/redis-cli]=redis-tools
  [/usr/bin/redis-sentinel]=redis-sentinel
  [/usr/sbin/sshd]=openssh-server
  [/usr/bin/ssh]=openssh-client
  [/usr/bin/sudo]=sudo
  [/usr/bin/rpm]=rpm
  [/usr/bin/rpmbuild]=rpm
  [/usr/bin/dnf]=dnf
  [/usr/bin/createrepo_c]=createrepo-c
  [/usr/bin/unshare]=util-linux
  [/usr/sbin/useradd]=passwd
  # A German locale's source, for the lab host whose logins speak German.
  [/usr/share/i18n/locales/de_DE]=locales
)
missing=()
for program in "${!wanted[@]}"; do
  [ -e "$program" ] || missing+=("${wanted[$program]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-prereqs: missing Debian packages: $packages(run as root to install them)" >&2
    exit 1
  fi
  echo "install-prereqs: installing $packages"
  export DEBIAN_FRONTEND=noninteractive
  # Debian's policy-rc.d convention: do not start the services we install;
  # the tests start their own Redis and sshds on loopback.
  had_policy=0
  [ -e /usr/sbin/policy-rc.d ] && had_policy=1
  [ "$had_policy" = 1 ] || printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  status=0
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends $packages >/dev/null; } || status=$?
  [ "$had_policy" = 1 ] || rm -f /usr/sbin/policy-rc.d
  if [ "$status" -ne 0 ]; then
    echo "install-prereqs: apt-get failed ($status) installing $packages" >&2
    exit 1
  fi
fi

# npm ci unless node_modules was installed from this package-lock.json.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install-prereqs: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
