# voxdial — see README.md. Every target works on a fresh Debian 12 machine
# once .ci/run (or the packages it names) has been installed.
GO       ?= go
BIN      ?= bin/voxdial
PKGS     ?= ./...
# Tests run with the race detector; interop tests need sipp (Debian sip-tester).
TESTFLAGS ?= -race -count=1 -timeout 15m

.PHONY: all build test demo bench lint fuzz clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/voxdial

test:
	$(GO) vet $(PKGS)
	CGO_ENABLED=0 $(GO) build $(PKGS)
	$(GO) test $(TESTFLAGS) $(PKGS)

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

lint:
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Short runs of every fuzz target (a scheduled job runs them longer).
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 20s $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin
