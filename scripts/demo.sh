#!/usr/bin/env bash
# The README's run command (`npm run demo`): on a fresh Debian/Ubuntu machine,
# installs what is missing and brings up three KCM lab hosts with KCM 2.23.1
# installed and 2.24.1 published, prints how to reach each one, and runs
# `kcm-chatops check all` against them.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo env "PATH=$PATH" bash "$0" "$@"; fi
  echo "demo needs root (or sudo) for apt and the KCM lab" >&2
  exit 1
fi
bash scripts/install-prereqs.sh
npx tsx test/lab/cli.ts down >/dev/null
npx tsx test/lab/cli.ts up 3 --release 2.23.1 --publish 2.24.1
echo
echo "== kcm-chatops check all"
KCM_INVENTORY="${KCM_LAB_DIR:-/var/tmp/kcm-lab}/inventory.yml" npx tsx src/cli/kcm-chatops.ts check all || true
