# livestudio: `make run` starts the demo, `make test` runs every test
# (unit, fuzz seeds, end-to-end with ffmpeg). See README.md.
GO      ?= go
BIN     := bin
PKGS    := ./...
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w

.PHONY: all build run publish-demo test test-short bench lint cross fuzz clean web-vendor

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

# The gateway and an agent whose built-in demo source pushes room 1 to it.
run: build
	./scripts/run.sh

# A 720p ffmpeg test pattern to room 2 (needs ffmpeg), beside `make run`.
publish-demo:
	./scripts/publish-demo.sh http://127.0.0.1:8080 2

# The whole suite, end-to-end tests included (needs ffmpeg; see .ci/run).
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

test-short:
	$(GO) test -short -count=1 $(PKGS)

# Load runs and micro-benchmarks; figures go to docs/benchmarks.md.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/... ./player/...
	./bench/flv_fanout.sh
	./bench/relay.sh
	./bench/chat.sh
	./bench/page.sh
	./bench/whip.sh

# Short fuzz runs of every parser we own (go test -fuzz runs one target at a time).
FUZZTIME ?= 20s
fuzz:
	@for pkg in ./internal/flv ./internal/pushsign ./internal/live ./internal/media ./ingest/rtmp ./ingest/whip ./player/replay ./player/web ./player/audience ./chat; do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep ^Fuzz); do \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

lint:
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# The shipped binaries for Raspberry-Pi-class boards (bench tools are not
# shipped). The gateway is not built for 32-bit ARM: the TLS-sig library of
# its chat does not compile there (docs/decisions.md); the agent is.
cross:
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/linux-arm64/ ./cmd/agent ./cmd/gateway
	GOOS=linux GOARCH=arm GOARM=7 CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/linux-armv7/ ./cmd/agent

# Refresh the vendored mpegts.js and hls.js (pinned in scripts/web-vendor.sh)
# from the npm registry into player/web/vendor.
web-vendor:
	./scripts/web-vendor.sh

clean:
	rm -rf $(BIN) dist
