#!/usr/bin/env bash
# Builds the sandbox image: `docker build` where the base image can be pulled, else the offline path.
set -euo pipefail
IMAGE="${1:-${SANDBOX_IMAGE:-conveyor-sandbox:latest}}"
HERE="$(cd "$(dirname "$0")" && pwd)"
if [ "${SANDBOX_BUILD:-auto}" != offline ] && docker build -q -t "$IMAGE" "$HERE" >/dev/null 2>&1; then
  echo "built $IMAGE with docker build"
else
  exec "$HERE/build-offline.sh" "$IMAGE"
fi
