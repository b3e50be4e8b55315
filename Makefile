# SentinelOne connector for FortiSOAR. Needs only Go; `make rpm-check` installs rpm tools itself.
GO        ?= go
BINARY    := sentinelone-connector
VERSION   := 1.1.0
DIST      := dist
LDFLAGS   := -s -w -X main.version=$(VERSION)
LISTEN    ?= 127.0.0.1:8787
SIM_LISTEN ?= 127.0.0.1:8788

PYTHON    ?= python3

.PHONY: run build test test-python bench-shim lint bench sim clean rpm bundle rpm-check playbooks playbooks-check

## run: build and start the connector with an embedded SentinelOne simulator (on SIM_LISTEN, the same every run)
run: build
	CONNECTOR_DATA_DIR=$${CONNECTOR_DATA_DIR:-.run/data} ./$(DIST)/$(BINARY) serve --dev --listen $(LISTEN) --sim-listen $(SIM_LISTEN)

## build: build the binary into dist/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -buildmode=pie -ldflags "$(LDFLAGS)" -o $(DIST)/$(BINARY) ./cmd/$(BINARY)

## test: the whole test suite: Go with the race detector, then the bundle's Python tests
test:
	$(GO) test -race -count=1 ./...
	@$(MAKE) --no-print-directory test-python

## test-python: the import bundle's connector.py (stdlib unittest) against the built server
## and simulator. Without python3 it says so loudly and skips, unless REQUIRE_PYTHON=1.
test-python:
	@if ! command -v $(PYTHON) >/dev/null 2>&1; then \
		echo "#################################################################"; \
		echo "## $(PYTHON) NOT FOUND: the Python tests of connector.py DID NOT RUN ##"; \
		echo "## install python3 (apt-get install python3) and run make test  ##"; \
		echo "#################################################################"; \
		if [ "$(REQUIRE_PYTHON)" = 1 ]; then exit 1; fi; \
	else \
		$(MAKE) --no-print-directory build bundle >/dev/null && \
		SENTINELONE_TEST_BINARY=$(DIST)/$(BINARY) SENTINELONE_TEST_BUNDLE=$(DIST)/sentinelone-$(VERSION).tgz \
			$(PYTHON) -m unittest discover -s deploy/bundle/python/tests -t deploy/bundle/python/tests; \
	fi

## lint: go vet, staticcheck (a go tool of go.mod) and a gofmt check
lint:
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## bench: end-to-end benchmark of the built binary (loopback, about 1 min on 2 cores), then bounded micro-benchmarks
bench: build
	$(GO) build -o $(DIST)/sentinelone-bench ./cmd/sentinelone-bench
	./$(DIST)/sentinelone-bench --binary ./$(DIST)/$(BINARY) $(BENCHFLAGS)
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x ./internal/sentinelone ./internal/s1sim ./internal/configstore ./internal/bench
	$(GO) test -run '^$$' -bench InlineWarmCall -benchtime 200x ./operations

## bench-shim: time connector.py adds to a warm inline call, and SentinelOne requests per call
bench-shim: build bundle
	SENTINELONE_TEST_BINARY=$(DIST)/$(BINARY) SENTINELONE_TEST_BUNDLE=$(DIST)/sentinelone-$(VERSION).tgz \
		$(PYTHON) deploy/bundle/python/tests/bench_shim.py

## sim: run the SentinelOne simulator alone
sim: build
	./$(DIST)/$(BINARY) simulate

## playbooks: regenerate playbooks/playbooks.json from playbooks/*.json
playbooks:
	$(GO) run ./cmd/$(BINARY) playbook collect --dir playbooks --out playbooks/playbooks.json

## playbooks-check: schema, cross-checks against info.json, and the collection up to date
playbooks-check:
	$(GO) run ./cmd/$(BINARY) playbook check --dir playbooks

## rpm: build dist/cyops-connector-sentinelone-1.1.0-1.x86_64.rpm with nfpm (go tool; needs only Go);
## it ships the import bundle
rpm: build bundle
	GOARCH=$$($(GO) env GOARCH) $(GO) tool nfpm package --config deploy/nfpm.yaml --packager rpm --target $(DIST)/

## bundle: build dist/sentinelone-1.1.0.tgz, the FortiSOAR connector import bundle
bundle:
	$(GO) run ./deploy/bundle -out $(DIST)/

## rpm-check: build the RPM and the bundle and inspect them (apt-get installs rpm, rpmlint if missing)
rpm-check:
	bash deploy/ci-check.sh

clean:
	rm -rf $(DIST) .run
