#!/usr/bin/env bash
# Prints the sandbox image's definition id: a hash of every file the image is built from. build.sh labels
# the image with it (conveyor.sandbox.definition), so that `definition.sh --current IMAGE` tells whether an
# existing image still matches its sources (exit 0) or must be built again (exit 1): a changed packages.txt
# then rebuilds the image on the next `make test` or `make run` instead of testing against a stale one.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
id="$(cd "$HERE" && cat Dockerfile packages.txt build.sh build-offline.sh | sha256sum | cut -c1-16)"
if [ "${1:-}" = --current ]; then
  image="${2:?usage: definition.sh [--current IMAGE]}"
  label="$(docker image inspect -f '{{ index .Config.Labels "conveyor.sandbox.definition" }}' "$image" 2>/dev/null || true)"
  [ "$label" = "$id" ]
else
  echo "$id"
fi
