#!/usr/bin/env bash
# `make run`: Conveyor on this machine in one process, from a clean clone. Installs what is missing
# (scripts/prepare.sh run), builds the packages and the web app, makes sure a Docker engine answers and the
# sandbox image exists (code tasks run there), then starts the API and both processors in one process on
# PORT (default 8000): on the embedded in-process queue, or on RabbitMQ when AMQP_URL is set. Prints where the
# web app and the API docs are once it is ready; Ctrl-C stops it cleanly (tasks in flight finish first).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[run] %s\n' "$*"; }

scripts/prepare.sh run

export PORT="${PORT:-8000}"
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  log "port $PORT is taken (is Conveyor already running, e.g. by make up? make down stops that); set PORT=… to use another"
  exit 1
fi

log "building the packages and the web app"
npm run --silent build
npm run --silent build --workspace packages/web >/dev/null

if [ -n "${AMQP_URL:-}" ]; then
  log "queue: RabbitMQ at ${AMQP_URL%%://*}://…@${AMQP_URL##*@}"
else
  log "queue: embedded (in this process; tasks do not survive a restart; set AMQP_URL for RabbitMQ)"
fi

# The built JavaScript (no conveyor-src condition): only this script itself goes through tsx.
node --import tsx scripts/all-in-one.ts &
server=$!
stop() { kill -TERM "$server" 2>/dev/null || true; }
trap stop INT TERM

base="http://127.0.0.1:$PORT"
for _ in $(seq 1 120); do
  kill -0 "$server" 2>/dev/null || break
  if node -e "fetch('$base/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then
    printf '\n  Conveyor is ready.\n    web app:   %s/\n    API docs:  %s/docs\n  Ctrl-C stops it.\n\n' "$base" "$base"
    break
  fi
  sleep 1
done
# Ctrl-C reaches the server too (same process group); `wait` returns early on a signal, so wait until it is gone.
status=0
while kill -0 "$server" 2>/dev/null; do wait "$server" || status=$?; done
trap - INT TERM
exit "$status"
