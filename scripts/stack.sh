#!/usr/bin/env bash
# The whole stack as local processes (no images needed): the API on :8000 and both processors, against
# the local RabbitMQ and Docker. `stack.sh up` starts them in the background and waits until they are
# healthy; `stack.sh down` stops them; `stack.sh run` does both around a foreground wait (Ctrl-C stops).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=.stack
mkdir -p "$DIR"
export AMQP_URL="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672}"
export PORT="${PORT:-8000}"
export API_URL="${API_URL:-http://127.0.0.1:${PORT}}"
export LOG_LEVEL="${LOG_LEVEL:-info}"
NODE=(node --conditions=conveyor-src --import tsx)

start() { # name, health url, env...
  local name=$1 url=$2; shift 2
  if [ -f "$DIR/$name.pid" ] && kill -0 "$(cat "$DIR/$name.pid")" 2>/dev/null; then
    echo "$name already running"; return
  fi
  env "$@" "${NODE[@]}" "packages/$name/src/main.ts" >"$DIR/$name.log" 2>&1 &
  echo $! >"$DIR/$name.pid"
  echo "$name started (pid $!, log $DIR/$name.log), health at $url"
}

wait_ready() { # name, url
  for _ in $(seq 1 90); do
    if node -e "fetch('$2').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then echo "$1 ready"; return; fi
    kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null || { echo "$1 exited; its log:"; tail -n 40 "$DIR/$1.log"; return 1; }
    sleep 1
  done
  echo "$1 not ready after 90 s; its log:"; tail -n 40 "$DIR/$1.log"; return 1
}

up() {
  npm run --silent build -w packages/web >"$DIR/web-build.log" 2>&1 || { echo "the web app did not build; see $DIR/web-build.log"; return 1; }
  start api "http://127.0.0.1:$PORT/readyz" HOST=127.0.0.1
  start code-processor "http://127.0.0.1:8081/readyz" HEALTH_PORT=8081
  start image-processor "http://127.0.0.1:8082/readyz" HEALTH_PORT=8082
  wait_ready api "http://127.0.0.1:$PORT/readyz"
  wait_ready code-processor "http://127.0.0.1:8081/readyz"
  wait_ready image-processor "http://127.0.0.1:8082/readyz"
}

down() {
  for name in image-processor code-processor api; do
    [ -f "$DIR/$name.pid" ] || continue
    pid=$(cat "$DIR/$name.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
      echo "$name stopped"
    fi
    rm -f "$DIR/$name.pid"
  done
}

case "${1:-run}" in
  up) up ;;
  down) down ;;
  logs) tail -n 100 "$DIR"/*.log ;;
  run)
    trap 'down; exit 0' INT TERM
    up || { down; exit 1; }
    echo "Conveyor is up at http://127.0.0.1:$PORT (docs at /docs); Ctrl-C stops it"
    while true; do sleep 1; done
    ;;
  *) echo "usage: $0 up|down|run|logs" >&2; exit 2 ;;
esac
