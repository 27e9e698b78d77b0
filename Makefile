# Entry points for people and CI. Each target wraps a pnpm script or a script under infra/; the
# logic lives there. `make` alone lists the targets.

.DEFAULT_GOAL := help
# `make test` must run its steps in order and stop at the first failure, even under `make -j`.
.NOTPARALLEL:
SHELL := /bin/bash

# pnpm at the version package.json pins ("packageManager"), fetched by corepack.
# COREPACK_INTEGRITY_KEYS=0: corepack's bundled registry keys can be older than the keys npm signs
# with today, and it then refuses with "No compatible signature found in package metadata".
PNPM_VERSION := $(shell node -p "(require('./package.json').packageManager || '').replace(/^pnpm@/, '').split('+')[0]" 2>/dev/null)
ifneq ($(shell command -v corepack 2>/dev/null),)
PNPM := COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_INTEGRITY_KEYS=0 corepack pnpm
else
PNPM := npx -y pnpm@$(PNPM_VERSION)
endif

# TypeScript run straight from source, workspace packages resolved to their src/.
TSNODE := node --conditions=source --import tsx

# `make up ACCOUNTS_REPLICAS=2` and friends reach the launcher as environment variables.
MESH_VARS := GATEWAY_REPLICAS ACCOUNTS_REPLICAS OTP_SENDER_REPLICAS ACTIVATION_REPLICAS RA_REPLICAS NOTARY_REPLICAS \
	GATEWAY_PORT CONSOLE_PORT OPERATOR_PORT ADMIN_PORT_BASE DEMO_SP_PORT MESH_READY_TIMEOUT_SECONDS
MESH_ENV = $(strip $(foreach v,$(MESH_VARS),$(if $($(v)),$(v)='$($(v))')))

# CI installs exactly what the lockfile says; locally pnpm may update it.
FROZEN = $(if $(filter-out false 0,$(CI)),--frozen-lockfile)

.PHONY: help install infra build up down status reset logs lint typecheck test test-unit test-int test-e2e \
	bench bench-replay clean clean-all

help: ## list the targets
	@echo 'Usage: make <target> [VAR=value ...]'
	@echo
	@awk 'BEGIN { FS = ":.*## " } /^[a-z][a-z0-9-]*:.*## / { printf "  %-13s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo
	@echo 'make up takes GATEWAY_REPLICAS ACCOUNTS_REPLICAS OTP_SENDER_REPLICAS ACTIVATION_REPLICAS RA_REPLICAS NOTARY_REPLICAS'
	@echo '(1 each), GATEWAY_PORT (8080), CONSOLE_PORT (8090), OPERATOR_PORT (8095), ADMIN_PORT_BASE (9100),'
	@echo 'LOG_LEVEL (info), DEMO_SP_PORT (8081; 0 leaves the demo e-service out).'

install: ## install dependencies (pnpm, frozen lockfile when CI=true)
	$(PNPM) install $(FROZEN)

infra: ## make sure NATS (JetStream), Redis and PostgreSQL run, and bootstrap the databases
	bash infra/ensure-infra.sh

build: install ## compile every package
	$(PNPM) build

up: install infra build ## run every service locally and print the URLs (Ctrl-C stops)
	exec env $(MESH_ENV) $(TSNODE) infra/dev/up.ts

down: ## stop what make up started, from any terminal
	$(TSNODE) infra/dev/down.ts

status: ## show each instance of the local mesh: ready, not ready (and why), not running
	$(TSNODE) infra/dev/status.ts

reset: install infra ## delete make up's data on this machine and this checkout's keys for it (asks; RESET=yes does not)
	env $(MESH_ENV) $(TSNODE) infra/dev/reset.ts

logs: ## follow the instances' JSON logs in var/log
	@if ! compgen -G 'var/log/*.log' >/dev/null; then echo 'No logs in var/log yet: make up writes them.'; exit 1; fi
	tail -n 20 -F var/log/*.log

lint: install ## eslint and prettier
	$(PNPM) lint

typecheck: install ## tsc over every package, tests and infra
	$(PNPM) typecheck

test-unit: install ## unit tests (no I/O)
	$(PNPM) test

test-int: install infra ## integration tests against the real NATS, Redis and PostgreSQL
	$(PNPM) test:int

test-e2e: install infra build ## end-to-end tests: the built services as processes, driven from outside
	bash infra/ensure-browser.sh
	$(PNPM) test:e2e

test: install infra build lint typecheck test-unit test-int test-e2e ## everything CI runs, in order, stopping at the first failure

bench: install build ## load benchmark on a private stack (BENCH_CONCURRENCY=16 BENCH_DURATION=25 BENCH_LOGINS BENCH_WARMUP=auto BENCH_SSO_DURATION=10 BENCH_CPU_PROF=dir BENCH_SERVICE_ENV="svc:NAME=VALUE …")
	$(TSNODE) test/bench/main.ts

bench-replay: install ## audit replay benchmark: 100k events through replay + validation on a private nats-server (BENCH_REPLAY_EVENTS=100000 BENCH_REPLAY_RUNS=3)
	$(TSNODE) test/bench/replay.ts

clean: ## remove build output and var/run (keeps var/log)
	@if [ -f var/run/mesh.json ] && kill -0 "$$(node -p "require('./var/run/mesh.json').supervisor.pid" 2>/dev/null)" 2>/dev/null; then \
		echo 'A mesh is running (var/run/mesh.json): make down first.'; exit 1; fi
	rm -rf libs/*/dist services/*/dist test/dist var/run
	find . -name node_modules -prune -o -name '*.tsbuildinfo' -type f -print -delete

clean-all: clean ## clean, and remove var/log too
	rm -rf var/log
