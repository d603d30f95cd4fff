# Conveyor's commands. The two that matter on a fresh machine: `make up` (run it) and `make test` (test it).
SHELL := /bin/bash
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
SANDBOX_IMAGE ?= conveyor-sandbox:latest
PYTHON ?= python3
BASE_URL ?= http://127.0.0.1:8000
export SANDBOX_IMAGE
# Compose v1 (Debian's docker-compose 1.29) rejects a top-level `name:`, so the project name comes from here.
export COMPOSE_PROJECT_NAME ?= conveyor
# The code-processor joins the Docker socket's group to reach the engine as a non-root user.
export DOCKER_GID ?= $(shell stat -c %g /var/run/docker.sock 2>/dev/null || echo 0)

.PHONY: up down build sandbox test lint typecheck openapi-check unit integration faults e2e logs stack stack-up stack-down bench prepare

## The stack in Docker: build every image (the sandbox too), start, wait until healthy.
up: sandbox
	$(COMPOSE) up -d --build --wait --wait-timeout 300

down:
	$(COMPOSE) down --remove-orphans

build: sandbox
	$(COMPOSE) build

sandbox:
	packages/code-processor/sandbox/build.sh $(SANDBOX_IMAGE)

logs:
	@if [ -d .stack ] && ls .stack/*.log >/dev/null 2>&1; then tail -n 200 .stack/*.log; fi
	-$(COMPOSE) logs --no-color --timestamps --tail=500

## The full test suite: lint, types, the OpenAPI document, then both tiers: the unit tests (in-process, seconds)
## and the integration tests (*.int.test.ts: real RabbitMQ, PostgreSQL, Docker and the sandbox image).
test: prepare lint typecheck openapi-check unit integration

prepare:
	scripts/prepare.sh

lint:
	npx biome check .

typecheck:
	npx tsc -b tsconfig.json

openapi-check:
	npm run --silent openapi -- /tmp/conveyor-openapi.json >/dev/null
	@diff -q docs/openapi.json /tmp/conveyor-openapi.json >/dev/null || { echo "docs/openapi.json is stale: run npm run openapi"; exit 1; }

unit:
	npm run test:unit

integration:
	npm run test:integration

## The fault suite (test/faults): kills, pauses, cut proxies and closed connections on real RabbitMQ and Docker; prints a ledger.
faults:
	npm run test:faults

## tests.py, black-box against a running stack (make up, or make stack-up).
e2e:
	BASE_URL=$(BASE_URL) $(PYTHON) -m pytest -q -p no:cacheprovider tests.py

## The stack as local processes against the local RabbitMQ and Docker (no images needed).
stack:
	scripts/stack.sh run

stack-up:
	scripts/stack.sh up

stack-down:
	scripts/stack.sh down

bench:
	node --conditions=conveyor-src --import tsx bench/image-filters.ts
	node --conditions=conveyor-src --import tsx bench/code-sandbox.ts
	node --conditions=conveyor-src --import tsx bench/code-end-to-end.ts
	node --conditions=conveyor-src --import tsx bench/code-tests.ts
	nice node --conditions=conveyor-src --import tsx bench/body-size-sweep.ts
	nice node --conditions=conveyor-src --import tsx bench/status-throughput.ts
	nice node --conditions=conveyor-src --import tsx bench/store-api.ts
