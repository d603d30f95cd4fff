#!/usr/bin/env bash
# Builds the sandbox image without pulling a base image: debootstrap a minimal Debian
# with the same packages as the Dockerfile (packages.txt), add the same non-root user, and `docker import` it.
set -euo pipefail
IMAGE="${1:-${SANDBOX_IMAGE:-conveyor-sandbox:latest}}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
command -v debootstrap >/dev/null || { echo "build-offline.sh: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
PACKAGES="$(paste -sd, "$(cd "$(dirname "$0")" && pwd)/packages.txt")"
ROOT="$(mktemp -d /tmp/conveyor-sandbox-rootfs.XXXXXX)"
trap 'rm -rf "$ROOT"' EXIT
debootstrap --variant=minbase --include="$PACKAGES" bookworm "$ROOT" "$MIRROR" >/dev/null
echo 'sandbox:x:10001:10001:sandbox:/sandbox:/usr/sbin/nologin' >>"$ROOT/etc/passwd"
echo 'sandbox:x:10001:' >>"$ROOT/etc/group"
mkdir -p "$ROOT/sandbox" && chown 10001:10001 "$ROOT/sandbox"
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*
tar -C "$ROOT" -c . | docker import \
  --change 'USER 10001:10001' --change 'WORKDIR /sandbox' \
  --change "LABEL conveyor.sandbox.definition=${DEFINITION:-$("$(dirname "$0")/definition.sh")}" \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8' \
  - "$IMAGE" >/dev/null
echo "built $IMAGE offline"
