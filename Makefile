# ParityRail: `make run` builds and starts the app, `make test` runs every suite.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: run build ui test test-go test-ui test-e2e vet clean fuzz bench bench-full release

run: build
	./parityrail

build: ui
	@echo "--- building the Go binary (the first build compiles SQLite's C code: several minutes on 2 cores; later builds take seconds)"
	$(GO) build -tags release -ldflags "$(LDFLAGS)" -o parityrail .

# JS packages are installed once (and again when the lock file changes).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

ui: node_modules/.package-lock.json
	npm run build:ui

test: build vet test-go test-ui test-e2e

vet:
	$(GO) vet ./...

test-go:
	$(GO) test -race -count=1 ./...

# The contract: server/openapi.yaml must pass Redocly's lint, and the UI's
# generated API types (frontend/src/api.gen.ts, `npm run gen:api`) must be
# what it generates now.
test-ui: node_modules/.package-lock.json
	npm run check:api
	npm run typecheck
	npm run test:ui

# Browser tests drive the real binary in Debian's Chromium, against the
# Stripe and Clerk fakes served by bin/fakeapis (a test-only tool).
test-e2e: build
	$(GO) build -o bin/fakeapis ./demo/cmd/fakeapis
	PARITYRAIL_BIN=$(CURDIR)/parityrail PARITYRAIL_FAKEAPIS_BIN=$(CURDIR)/bin/fakeapis npm run e2e

# Fuzzing: each target for FUZZTIME (default 10 s). `make test` runs their
# seed corpora as ordinary tests; findings land in testdata/fuzz to commit.
FUZZTIME ?= 10s
FUZZ_TARGETS := fulfillment:FuzzPremiumWord access/clerk:FuzzParseFieldPath billing:FuzzParseWebhook \
	access/postgres:FuzzValidateConnString db:FuzzCursors mapping:FuzzParse jsonpull:FuzzAny
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; echo "--- fuzz $$pkg $$fn ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) ./$$pkg || exit 1; \
	done

# Benchmarks (not part of make test): issue 18's table, one row each — full
# checks of BENCH_CUSTOMERS customers with the app in PostgreSQL and in
# Clerk (loopback fakes in their own processes, uncapped), BENCH_CAPPED
# customers at 300 ms a page behind a 429-enforcing 25/s cap, BENCH_LARGE
# customers in PostgreSQL (memory; BENCH_LARGE= skips it), and webhook →
# verdict p95 — each against its floor, then the Stripe reads and the
# incident list on their own. Every step's output is shown as it runs and
# the table (check/bench_table.awk) comes last. Long: minutes at 100k, most
# of an hour with the 1M row.
BENCH_CUSTOMERS ?= 100000
BENCH_CAPPED    ?= 10000
BENCH_LARGE     ?= 1000000
BENCH_OUT       ?= $(or $(TMPDIR),/tmp)/parityrail-bench-$(notdir $(CURDIR)).txt
# $(call bench_step,title,command): run command, keep its output for the
# table and note its exit status (a failed step is named under the table).
bench_step = echo "--- $(1)"; { echo "BENCH-STEP $(1)"; { $(2); } 2>&1; echo "BENCH-EXIT $$?"; } | tee -a $(BENCH_OUT) | sed '/^BENCH-/d'
bench:
	@rm -f $(BENCH_OUT)
	@$(call bench_step,full check $(BENCH_CUSTOMERS) customers / Postgres,$(MAKE) --no-print-directory bench-full BENCH_CUSTOMERS=$(BENCH_CUSTOMERS))
	@$(call bench_step,full check $(BENCH_CUSTOMERS) customers / Clerk,PARITYRAIL_BENCH_CUSTOMERS=$(BENCH_CUSTOMERS) $(GO) test ./check -run '^$$' -bench '^BenchmarkClerkCheck$$' -benchtime 1x -timeout 60m)
	@$(call bench_step,full check $(BENCH_CAPPED) customers / 300 ms a page / 25 per s cap,PARITYRAIL_BENCH_CAPPED_CUSTOMERS=$(BENCH_CAPPED) $(GO) test ./check -run '^$$' -bench '^BenchmarkCappedCheck$$' -benchtime 1x -timeout 60m)
	@$(if $(BENCH_LARGE),$(call bench_step,full check $(BENCH_LARGE) customers / Postgres,$(MAKE) --no-print-directory bench-full BENCH_CUSTOMERS=$(BENCH_LARGE)))
	@$(call bench_step,webhook → verdict / uncapped,PARITYRAIL_BENCH=1 $(GO) test ./server -run '^TestWebhookVerdictLatency$$' -count=1 -v)
	@$(call bench_step,webhook → verdict / a test key's 25 per s budget,PARITYRAIL_BENCH=1 PARITYRAIL_BENCH_BUDGET=25 $(GO) test ./server -run '^TestWebhookVerdictLatency$$' -count=1 -v)
	@$(call bench_step,Stripe full read / 10k customers + 12k subscriptions / uncapped then 300 ms a page at 25 per s,($(GO) test ./billing -run '^$$' -bench 'FullRead$$' -benchtime 3x; st=$$?; $(GO) test ./billing -run '^$$' -bench 'FullReadLatency$$' -benchtime 1x && exit $$st))
	@$(call bench_step,incidents list and dashboard / 1M customers / 100k open incidents,$(GO) test ./server -run '^$$' -bench 'IncidentList|Dashboard' -benchtime 20x -timeout 30m)
	@awk -f check/bench_table.awk $(BENCH_OUT)

# The full-check row alone (the project's first check: every promise
# ledgered), with its floor — the same pages read by one plain sequential
# cursor in the same run. The Stripe fake runs in its own process and
# generates its customers as they are read (its memory does not grow with
# N). The 1M row (memory; ~6 minutes on 2 cores):
# make bench-full BENCH_CUSTOMERS=1000000
bench-full:
	@echo "--- full check, $(BENCH_CUSTOMERS) customers (Postgres app, generated Stripe account in its own process)"
	PARITYRAIL_BENCH_CUSTOMERS=$(BENCH_CUSTOMERS) $(GO) test ./check -run '^$$' -bench '^BenchmarkFullCheck$$' -benchtime 1x -timeout 60m

# Release binaries for linux/amd64 and linux/arm64 (cgo: SQLite; arm64 is
# cross-compiled with Debian's gcc-aarch64-linux-gnu), stamped with the
# version from git describe, with a SHA256SUMS. Not part of make test; the
# arm64 build compiles SQLite's C code again (several minutes).
ARM64_CC ?= aarch64-linux-gnu-gcc
release: ui
	@command -v $(ARM64_CC) >/dev/null || { echo "release: $(ARM64_CC) is missing (apt-get install gcc-aarch64-linux-gnu)"; exit 1; }
	rm -rf dist && mkdir -p dist
	@echo "--- linux/amd64"
	CGO_ENABLED=1 GOOS=linux GOARCH=amd64 $(GO) build -tags release -trimpath -ldflags "$(LDFLAGS) -s -w" -o dist/parityrail_$(VERSION)_linux_amd64 .
	@echo "--- linux/arm64 (cross-compiling SQLite: several minutes)"
	CGO_ENABLED=1 GOOS=linux GOARCH=arm64 CC=$(ARM64_CC) $(GO) build -tags release -trimpath -ldflags "$(LDFLAGS) -s -w" -o dist/parityrail_$(VERSION)_linux_arm64 .
	cd dist && sha256sum parityrail_$(VERSION)_linux_* > SHA256SUMS
	@cat dist/SHA256SUMS

clean:
	rm -rf parityrail bin dist frontend/dist/app node_modules
