#!/usr/bin/env bash
# npm run test:deploy: the image built and docker-compose.yml run, here. As
# root on Debian/Ubuntu: installs docker.io, docker-compose and debootstrap
# when missing; starts its own dockerd (no bridge: every container uses the
# host's network, on loopback) when none answers, and stops it after; builds
# a Node base image from Debian's packages when the Dockerfile's default
# (the official Node LTS image) cannot be pulled; builds the project's
# image and reports its size; then runs the compose smoke test
# (scripts/deploy/smoke.ts). Cleans up on every exit; bounded in time
# (KCM_DEPLOY_TIMEOUT_S, default 1800). Exit 0: passed; 1: failed; 3: Docker
# cannot run on this machine (said why).
set -uo pipefail
cd "$(dirname "$0")/.."

LIMIT=${KCM_DEPLOY_TIMEOUT_S:-1800}
WORK=/var/tmp/kcm-deploy
BASE_DEFAULT=node:24-bookworm-slim
LOCAL_DEBIAN=local/debian:trixie-minbase
LOCAL_NODE=local/kcm-node-base:trixie
say() { echo "test:deploy: $*"; }
seconds() { echo $(( $(date +%s) - $1 )); }

if [ "$(id -u)" -ne 0 ]; then
  say "needs root (apt, dockerd, the KCM lab)"
  exit 1
fi
mkdir -p "$WORK"

# --- what it needs, from Debian's packages
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$WORK/apt.log" 2>&1; then
    say "cannot install ${missing[*]} (see $WORK/apt.log): Docker cannot run here"
    exit 3
  fi
fi

# --- a Docker engine: the one running, or our own
own_dockerd=""
cleanup() {
  if [ -n "$own_dockerd" ]; then
    kill "$own_dockerd" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$own_dockerd" 2>/dev/null || break; sleep 0.2; done
    # dockerd leaves its network namespace mounted under its exec root.
    for mounted in $(awk -v root="$WORK/exec" 'index($2, root) == 1 { print $2 }' /proc/mounts); do
      umount "$mounted" 2>/dev/null
    done
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
start_dockerd() {
  dockerd --bridge=none --iptables=false --ip6tables=false --storage-driver="$1" \
    --data-root "$WORK/docker-$1" --exec-root "$WORK/exec" --pidfile "$WORK/dockerd.pid" \
    -H "$DOCKER_HOST" >"$WORK/dockerd.log" 2>&1 &
  own_dockerd=$!
  for _ in $(seq 150); do
    timeout 5 docker info >/dev/null 2>&1 && return 0
    kill -0 "$own_dockerd" 2>/dev/null || break
    sleep 0.2
  done
  cleanup
  own_dockerd=""
  return 1
}
if ! timeout 10 docker info >/dev/null 2>&1; then
  export DOCKER_HOST="unix://$WORK/docker.sock"
  # overlay2 where the kernel allows it (fast); vfs (copies every layer, slow) elsewhere.
  if start_dockerd overlay2 || start_dockerd vfs; then
    say "started dockerd (pid $own_dockerd, $(docker info -f '{{.Driver}}' 2>/dev/null), $DOCKER_HOST)"
  else
    say "dockerd does not start here (see $WORK/dockerd.log): Docker cannot run here"
    exit 3
  fi
fi

# --- the base image: the official one if it can be pulled, else one from Debian's packages
started=$(date +%s)
base=$BASE_DEFAULT
redis_image=redis:7.2-alpine
if ! docker image inspect "$BASE_DEFAULT" >/dev/null 2>&1 && ! timeout 60 docker pull -q "$BASE_DEFAULT" >/dev/null 2>&1; then
  base=$LOCAL_NODE
  redis_image=$LOCAL_NODE
  if ! docker image inspect "$LOCAL_DEBIAN" >/dev/null 2>&1; then
    say "no registry: making $LOCAL_DEBIAN with debootstrap"
    rm -rf "$WORK/rootfs"
    if ! timeout 900 debootstrap --variant=minbase trixie "$WORK/rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1; then
      say "debootstrap failed (see $WORK/debootstrap.log)"
      exit 1
    fi
    tar -C "$WORK/rootfs" -c . | docker import - "$LOCAL_DEBIAN" >/dev/null || exit 1
    rm -rf "$WORK/rootfs"
  fi
  if ! docker image inspect "$LOCAL_NODE" >/dev/null 2>&1; then
    say "building $LOCAL_NODE (Node and Redis from Debian's packages)"
    context="$WORK/base-context"
    rm -rf "$context" && mkdir -p "$context"
    cp scripts/deploy/node-base.Dockerfile "$context/Dockerfile"
    # This machine's certificate authorities: npm and apt reach out as the machine does.
    cp /etc/ssl/certs/ca-certificates.crt "$context/host-ca.crt"
    if ! timeout 900 docker build -q --network host --build-arg "DEBIAN=$LOCAL_DEBIAN" -t "$LOCAL_NODE" "$context" >"$WORK/base-build.log" 2>&1; then
      say "building $LOCAL_NODE failed (see $WORK/base-build.log)"
      exit 1
    fi
  fi
  say "base image $base (from Debian's packages, ready in $(seconds "$started") s: the official one cannot be pulled)"
else
  say "base image $base"
fi

# --- the project's image
built=$(date +%s)
if ! timeout 1200 docker build --network host --build-arg "BASE=$base" -t kcm-chatops . >"$WORK/build.log" 2>&1; then
  say "docker build failed (see $WORK/build.log):"
  tail -20 "$WORK/build.log"
  exit 1
fi
size=$(docker image inspect -f '{{.Size}}' kcm-chatops)
say "image kcm-chatops built in $(seconds "$built") s, $((size / 1024 / 1024)) MiB (on $base)"

# --- the compose smoke test, on its own lab slots
export KCM_LAB_DIR=/var/tmp/kcm-lab-deploy KCM_LAB_FIRST_INDEX=90 KCM_LAB_LAST_INDEX=99
export KCM_DEPLOY_WORK="$WORK/project" KCM_DEPLOY_REDIS_IMAGE="$redis_image"
left=$((LIMIT - $(seconds "$started")))
[ "$left" -gt 60 ] || left=60
timeout "$left" npx tsx scripts/deploy/smoke.ts
status=$?
[ "$status" -eq 124 ] && say "FAILED: over the time limit (${LIMIT} s in all)"
# Whatever happened: nothing of the smoke's project is left running.
docker-compose --project-name kcmsmoke --project-directory "$WORK/project" \
  -f docker-compose.yml down -v --remove-orphans >/dev/null 2>&1
npx tsx test/lab/cli.ts down >/dev/null 2>&1
[ "$status" -eq 0 ] && say "passed in $(seconds "$started") s"
[ "$status" -eq 0 ] || status=1
exit "$status"
