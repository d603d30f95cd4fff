# Conveyor's commands. On a fresh machine: `make run` (run it) and `make test` (test it); `make up` runs the
# same services as Docker containers.
SHELL := /bin/bash
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
SANDBOX_IMAGE ?= conveyor-sandbox:latest
PYTHON ?= python3
BASE_URL ?= http://127.0.0.1:8000
export COMPOSE SANDBOX_IMAGE
# Compose v1 (Debian's docker-compose 1.29) rejects a top-level `name:`, so the project name comes from here.
export COMPOSE_PROJECT_NAME ?= conveyor
# The code-processor joins the Docker socket's group to reach the engine as a non-root user.
export DOCKER_GID ?= $(shell stat -c %g /var/run/docker.sock 2>/dev/null || echo 0)
# The Dockerfiles need no BuildKit, and Debian's docker.io has no buildx for it.
export DOCKER_BUILDKIT ?= 0

.PHONY: run up down build sandbox sandbox-image offline-images test lint typecheck openapi-check unit integration faults browser e2e logs \
	stack stack-up stack-down bench prepare

## Everything in one process on :8000 (embedded queue, or RabbitMQ when AMQP_URL is set); installs what is
## missing, builds, checks Docker and the sandbox image, prints the URLs. Ctrl-C stops it.
run:
	scripts/run.sh

## The stack in Docker: build every image (the sandbox too), start, wait until every service is healthy.
## Polls the health checks rather than `up --wait`, which Compose v1 does not have.
up: sandbox-image
	$(COMPOSE) up -d --build
	scripts/compose-wait.sh 300

down:
	$(COMPOSE) down --remove-orphans

build: sandbox-image
	$(COMPOSE) build

## The sandbox image, built again (docker build, or offline with debootstrap).
sandbox:
	packages/code-processor/sandbox/build.sh $(SANDBOX_IMAGE)

## The sandbox image, built when it is missing or older than its sources (sandbox/definition.sh).
sandbox-image:
	@packages/code-processor/sandbox/definition.sh --current $(SANDBOX_IMAGE) || packages/code-processor/sandbox/build.sh $(SANDBOX_IMAGE)

## Local stand-ins for the public base images, built without a registry (see scripts/offline-images/build.sh);
## then e.g. `NODE_IMAGE=conveyor-offline/node:24 RABBITMQ_IMAGE=conveyor-offline/rabbitmq:3 make up`.
offline-images:
	scripts/offline-images/build.sh

logs:
	@if [ -d .stack ] && ls .stack/*.log >/dev/null 2>&1; then tail -n 200 .stack/*.log; fi
	-$(COMPOSE) logs --no-color --timestamps --tail=500

## The full test suite: lint, types, the OpenAPI document, then both tiers: the unit tests (in-process, no
## services) and the integration tests (*.int.test.ts: real RabbitMQ, PostgreSQL, Docker and the sandbox image).
test: prepare lint typecheck openapi-check unit integration

prepare:
	scripts/prepare.sh test

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

## The web app in Debian's Chromium (playwright-core) against a real stack in one process (Docker, sharp).
browser:
	npm run test:browser

## The fault suite (test/faults): kills, pauses, cut proxies and closed connections on real RabbitMQ and Docker; prints a ledger.
faults:
	npm run test:faults

## tests.py, black-box against a running stack (make run, make up, or make stack-up).
e2e:
	BASE_URL=$(BASE_URL) $(PYTHON) -m pytest -q -p no:cacheprovider tests.py $(PYTEST_ARGS)

## The stack as local processes against the local RabbitMQ and Docker (no images needed).
stack:
	scripts/stack.sh run

stack-up:
	scripts/stack.sh up

stack-down:
	scripts/stack.sh down

## The benchmarks (not tests; minutes of load: not on a busy shared machine). Each prints its tables and writes
## its section of docs/benchmarks-latest.md: its figures beside their same-run baselines, the date and the machine.
bench:
	node --conditions=conveyor-src --import tsx bench/image-filters.ts
	node --conditions=conveyor-src --import tsx bench/code-sandbox.ts
	node --conditions=conveyor-src --import tsx bench/code-end-to-end.ts
	node --conditions=conveyor-src --import tsx bench/code-tests.ts
	nice node --conditions=conveyor-src --import tsx bench/body-size-sweep.ts
	nice node --conditions=conveyor-src --import tsx bench/status-throughput.ts
	nice node --conditions=conveyor-src --import tsx bench/store-api.ts
	nice node --conditions=conveyor-src --import tsx bench/image-stages.ts
	nice node --conditions=conveyor-src --import tsx bench/throughput.ts
	nice node --conditions=conveyor-src --import tsx bench/fairness.ts
