#!/usr/bin/env bash
# Makes this machine ready to run Conveyor's tests and local stack; idempotent, so `make test` can call it
# every time. Installs what is missing (Debian packages need root), starts RabbitMQ, PostgreSQL and dockerd when nothing
# answers, installs npm packages, and builds the sandbox image (offline where no base image can be pulled).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[prepare] %s\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

# Debian packages: the Docker engine, debootstrap for the offline sandbox image, Debian's own pytest and
# requests for tests.py, and docker-compose to validate the compose file.
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v docker-compose >/dev/null || missing+=(docker-compose)
/usr/bin/python3 -c 'import pytest' 2>/dev/null || missing+=(python3-pytest)
/usr/bin/python3 -c 'import requests' 2>/dev/null || missing+=(python3-requests)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! port_open 5672; then
  log "starting RabbitMQ"
  command -v rabbitmq-server >/dev/null || { as_root apt-get update -qq; as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null; }
  as_root rabbitmq-server -detached
  for _ in $(seq 1 60); do port_open 5672 && break; sleep 1; done
  port_open 5672 || { log "RabbitMQ did not start"; exit 1; }
fi

# PostgreSQL for the API's durable store and its tests (user postgres, trusted on the loopback: a test
# machine's own cluster; tests make and drop a schema each).
if ! port_open 5432; then
  log "starting PostgreSQL"
  command -v pg_ctlcluster >/dev/null || { as_root apt-get update -qq; as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }
  version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)"
  if [ -z "$version" ]; then
    version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
    as_root pg_createcluster "$version" main >/dev/null
  fi
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  as_root grep -q '^host all postgres 127.0.0.1/32 trust' "$hba" ||
    as_root sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
  as_root pg_ctlcluster "$version" main start 2>/dev/null || as_root pg_ctlcluster "$version" main reload
  for _ in $(seq 1 60); do port_open 5432 && break; sleep 1; done
  port_open 5432 || { log "PostgreSQL did not start"; exit 1; }
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  mkdir -p .stack
  as_root sh -c 'nohup dockerd >/tmp/conveyor-dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { log "dockerd did not start; see /tmp/conveyor-dockerd.log"; exit 1; }
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

IMAGE="${SANDBOX_IMAGE:-conveyor-sandbox:latest}"
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "building the sandbox image $IMAGE"
  packages/code-processor/sandbox/build.sh "$IMAGE"
fi
log "ready"
