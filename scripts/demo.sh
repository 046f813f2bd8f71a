#!/usr/bin/env bash
# The README's run command (`npm run demo`): on a fresh Debian/Ubuntu machine,
# installs what is missing, brings up three KCM lab hosts with KCM 2.23.1
# installed and 2.24.1 published, starts a private Redis unless REDIS_URL is
# set, and opens the console: the bot and its workers without Slack, driven
# from this terminal. The lab hosts stay up afterwards (`npm run lab -- down`).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo --preserve-env=REDIS_URL env "PATH=$PATH" bash "$0" "$@"; fi
  echo "demo needs root (or sudo) for apt and the KCM lab" >&2
  exit 1
fi
bash scripts/install-prereqs.sh
lab_dir=${KCM_LAB_DIR:-/var/tmp/kcm-lab}

redis_pid=""
cleanup() { [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null; true; }
trap cleanup EXIT
if [ -z "${REDIS_URL:-}" ]; then
  mkdir -p "$lab_dir/redis"
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  redis-server --bind 127.0.0.1 --port "$port" --dir "$lab_dir/redis" --appendonly yes \
    --maxmemory-policy noeviction --save "" --daemonize no --logfile "$lab_dir/redis/redis.log" &
  redis_pid=$!
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
  export REDIS_URL="redis://127.0.0.1:$port"
fi

npx tsx test/lab/cli.ts down >/dev/null
npx tsx test/lab/cli.ts up 3 --release 2.23.1 --publish 2.24.1
export KCM_INVENTORY="$lab_dir/inventory.yml" KCM_REDIS_PREFIX="kcm-demo-$$"
echo
echo "== kcm-chatops check all (the operators' CLI)"
npx tsx src/cli/kcm-chatops.ts check all || true
echo
echo "== the console: /kcm as in Slack; alice asks, bob approves"
npx tsx src/console/main.ts
