#!/usr/bin/env bash
# Waits until every container of the compose project is healthy (or running, when it has no health check),
# then prints where things are. Polls `docker inspect` rather than `up --wait`, which Debian's
# docker-compose 1.29 does not have. On a timeout or a container that exits, shows `ps` and the logs of
# the ones not healthy, and fails.
#   COMPOSE="docker compose" scripts/compose-wait.sh [timeout seconds, default 300]
set -euo pipefail
cd "$(dirname "$0")/.."
read -r -a compose <<<"${COMPOSE:-docker compose}"
timeout="${1:-300}"
deadline=$(($(date +%s) + timeout))

states() { # one "service state" line per container
  local ids
  ids="$("${compose[@]}" ps -q)"
  [ -n "$ids" ] || return 0
  # shellcheck disable=SC2086
  docker inspect -f '{{ index .Config.Labels "com.docker.compose.service" }} {{ if .State.Health }}{{ .State.Health.Status }}{{ else }}{{ .State.Status }}{{ end }}' $ids
}

while :; do
  lines="$(states)"
  [ -n "$lines" ] || { echo "compose-wait: no containers in project ${COMPOSE_PROJECT_NAME:-?}"; exit 1; }
  waiting="$(grep -v -E ' (healthy|running)$' <<<"$lines" || true)"
  [ -z "$waiting" ] && break
  if grep -q -E ' (exited|dead|unhealthy)$' <<<"$waiting" || [ "$(date +%s)" -ge "$deadline" ]; then
    echo "compose-wait: not healthy:"
    sed 's/^/  /' <<<"$waiting"
    "${compose[@]}" ps || true
    for service in $(awk '{print $1}' <<<"$waiting" | sort -u); do
      echo "--- logs of $service"
      "${compose[@]}" logs --no-color --tail=60 "$service" || true
    done
    exit 1
  fi
  sleep 2
done

sed 's/^/  /' <<<"$(sort <<<"$lines" | uniq -c | awk '{print $2 " x" $1 ": " $3}')"
base="http://127.0.0.1:${API_PORT:-8000}"
printf '\n  Conveyor is up.\n    web app:      %s/\n    API docs:     %s/docs\n    RabbitMQ UI:  http://127.0.0.1:%s/\n  make logs shows the logs; make down stops it.\n\n' \
  "$base" "$base" "${RABBITMQ_UI_PORT:-15672}"
