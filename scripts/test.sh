#!/usr/bin/env bash
# Runs one tier of the node:test suites (`npm run test:unit`, `npm run test:integration`):
#   unit         every *.test.ts that is neither *.int.test.ts nor *.browser.test.ts: pure and in-process (sharp, Fastify inject, the
#                in-process queue); needs no RabbitMQ, Docker or database, runs in seconds
#   integration  every *.int.test.ts: on real parts (RabbitMQ, PostgreSQL, the Docker engine and sandbox image),
#                except the fault suite
#   faults       the fault suite (test/faults/*.int.test.ts, `make faults`): slow, real kills and cut proxies
#   browser      every *.browser.test.ts: the web app in Debian's Chromium (`make browser`)
# Files are found in every package's test/ and the top-level test/, at any depth (test/faults/, ...), so a
# new suite joins its tier by its name alone. Extra arguments go to node's test runner.
set -euo pipefail
cd "$(dirname "$0")/.."
tier="${1:?usage: scripts/test.sh unit|integration|faults|browser [node --test options]}"
shift
case "$tier" in
  unit) select=(-name '*.test.ts' -not -name '*.int.test.ts' -not -name '*.browser.test.ts') ;;
  integration) select=(-name '*.int.test.ts' -not -path 'test/faults/*') ;;
  faults) select=(-name '*.int.test.ts' -path 'test/faults/*') ;;
  browser) select=(-name '*.browser.test.ts') ;;
  *) echo "scripts/test.sh: unknown tier $tier (unit, integration, faults or browser)" >&2; exit 2 ;;
esac
dirs=()
for dir in packages/*/test test; do [ -d "$dir" ] && dirs+=("$dir"); done
mapfile -t files < <(find "${dirs[@]}" -type d -name node_modules -prune -o -type f "${select[@]}" -print | sort)
[ "${#files[@]}" -gt 0 ] || { echo "scripts/test.sh: no $tier test files found" >&2; exit 1; }
# The integration suites share one broker, database server and Docker engine: one file at a time.
exec node --conditions=conveyor-src --import tsx --test --test-concurrency=1 "$@" "${files[@]}"
