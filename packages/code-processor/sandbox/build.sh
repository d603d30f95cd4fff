#!/usr/bin/env bash
# Builds the sandbox image: `docker build` where the base image can be pulled, else the offline path.
set -euo pipefail
IMAGE="${1:-${SANDBOX_IMAGE:-conveyor-sandbox:latest}}"
HERE="$(cd "$(dirname "$0")" && pwd)"
# Labelled with the definition it was built from (definition.sh), so a stale image is rebuilt.
DEFINITION="$("$HERE/definition.sh")"
export DEFINITION
if [ "${SANDBOX_BUILD:-auto}" != offline ] &&
  docker build -q --label "conveyor.sandbox.definition=$DEFINITION" -t "$IMAGE" "$HERE" >/dev/null 2>&1; then
  echo "built $IMAGE with docker build"
else
  exec "$HERE/build-offline.sh" "$IMAGE"
fi
