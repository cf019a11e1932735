# voxdial — see README.md. `make demo` and `make test` work on a fresh Debian 12 machine with
# Go: each first runs scripts/install-deps, which installs what is missing (silent when nothing is).
GO       ?= go
BIN      ?= bin/voxdial
PKGS     ?= ./...
# Tests run with the race detector; interop tests need sipp (Debian sip-tester).
TESTFLAGS ?= -race -count=1 -timeout 15m

.PHONY: all build test demo bench lint fuzz clean deps test-deps test-clock

all: build

build: deps
	$(GO) build -o $(BIN) ./cmd/voxdial

deps:
	@scripts/install-deps

test-deps:
	@scripts/install-deps --test

test: test-deps
	$(GO) vet $(PKGS)
	CGO_ENABLED=0 $(GO) build $(PKGS)
	$(GO) test $(TESTFLAGS) $(PKGS)

# The suite with the tests' clock moved to six hours of the day, each in another time zone
# (internal/testclock): no test may depend on when or where it runs.
CLOCK_SHIFTS ?= 0h:UTC 4h:America/Los_Angeles 8h:Asia/Shanghai 12h:Europe/London 16h:Pacific/Auckland 20h:Asia/Kolkata
test-clock: test-deps
	@for sz in $(CLOCK_SHIFTS); do \
	  s=$${sz%%:*}; z=$${sz#*:}; echo "== VOXDIAL_TEST_CLOCK_SHIFT=$$s TZ=$$z"; \
	  VOXDIAL_TEST_CLOCK_SHIFT=$$s TZ=$$z $(GO) test $(TESTFLAGS) $(PKGS) || exit 1; \
	done

# The dashboard serves the live demo campaign at DEMO_HTTP (URL and login printed first).
DEMO_HTTP ?= 127.0.0.1:8080
demo: build
	$(BIN) demo --http $(DEMO_HTTP)

# Kernel benchmarks beside the code; whole-system benches via `voxdial bench`.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem -count=5 ./media/ ./dialer/ ./compliance/ ./tts/
	VOXDIAL_TEST_IMPORT_ROWS=1000000 $(GO) test -count=1 -run TestImportLarge -v ./campaign/
	$(BIN) bench calls --calls 3000 --concurrency 50 --hold 0s --json
	$(BIN) bench gate --json

# golangci-lint (.golangci.yml: staticcheck, revive, errcheck, depguard, …), pinned and built
# into bin/tools on first use from the Go module proxy.
GOLANGCI_VERSION ?= v2.15.0
GOLANGCI ?= bin/tools/golangci-lint-$(GOLANGCI_VERSION)
$(GOLANGCI):
	@mkdir -p bin/tools
	GOBIN=$(CURDIR)/bin/tools $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)
	mv bin/tools/golangci-lint $(GOLANGCI)

lint: deps $(GOLANGCI)
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GOLANGCI) run $(PKGS)

# Short runs of every fuzz target (a scheduled job runs them longer).
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 20s $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin
