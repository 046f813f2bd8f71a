#!/usr/bin/env bash
# The whole test suite (README: `npm run test:all`): installs what is missing,
# starts a private Redis and the KCM lab, runs lint, typecheck and vitest,
# tears down what it started, and prints the totals: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  # The lab adds accounts, sudoers files and sshds; apt needs root too.
  if command -v sudo >/dev/null 2>&1; then exec sudo --preserve-env=CI env "PATH=$PATH" bash "$0" "$@"; fi
  echo "test:all needs root (or sudo) for apt and the KCM lab" >&2
  exit 1
fi

bash scripts/install-prereqs.sh || exit 1

# The suite's own lab: its own folder and host slots (127.0.1.101-254), so a
# lab a person brought up with `npm run lab -- up` is left alone.
export KCM_LAB_DIR=/var/tmp/kcm-lab-test KCM_LAB_FIRST_INDEX=101 KCM_LAB_LAST_INDEX=254

work=$(mktemp -d /tmp/kcm-chatops-test.XXXXXX)
redis_pid=""
cleanup() {
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
  redis_pid=""
  npx tsx test/lab/cli.ts down --accounts >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A private Redis, configured as production must be: AOF on, noeviction.
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
redis-server --bind 127.0.0.1 --port "$port" --dir "$work" --appendonly yes \
  --maxmemory-policy noeviction --save "" --daemonize no --logfile "$work/redis.log" &
redis_pid=$!
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
redis-cli -p "$port" ping >/dev/null || { echo "test:all: Redis did not start; see $work/redis.log" >&2; exit 1; }
export REDIS_URL="redis://127.0.0.1:$port"

npx tsx test/lab/cli.ts build || exit 1

status=0
echo "== lint"; npm run -s lint || status=1
echo "== typecheck"; npm run -s typecheck || status=1
echo "== vitest"
mkdir -p .test-results
rm -f .test-results/vitest.json
npx vitest run --reporter=default --reporter=json --outputFile.json=.test-results/vitest.json || status=1

cleanup
node scripts/print-totals.mjs .test-results/vitest.json || status=1
exit "$status"
