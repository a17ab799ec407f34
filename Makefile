# handoff: build, test, demo, bench. Only Go is needed.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE     ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
BIN      := bin/handoff

.PHONY: all build test test-short demo bench lint docs fuzz clean release-snapshot release-check

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/handoff

# The whole suite: format, vet, race detector. Fuzz seeds in testdata/fuzz run as tests.
test: lint
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 || [ -n "$$HANDOFF_CHROMIUM" ] || \
	  echo "note: no chromium: TestReportChartsDrawInChromium (the HTML report in a browser) is skipped; apt-get install chromium"
	$(GO) test -race -timeout 9m ./...

test-short:
	$(GO) test ./...

lint:
	@out=$$(gofmt -l cmd pkg test); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

demo: build
	bash configs/demo.sh $(BIN)

bench: build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x -count 1 ./...

# The command reference (docs/commands), the man pages (docs/man) and the
# committed copies of the action schema, all from the code.
docs:
	$(GO) run ./cmd/gen-docs .

# Releases (GoReleaser v2, built from source through the Go module proxy; the
# first build takes a few minutes). Nothing is published by these targets.
GORELEASER_VERSION ?= v2.15.1
GORELEASER         ?= bin/goreleaser-$(GORELEASER_VERSION)/goreleaser

# The SBOM of each binary is written by cyclonedx-gomod (also from source).
CYCLONEDX_VERSION  ?= v1.10.0
CYCLONEDX          ?= bin/cyclonedx-gomod-$(CYCLONEDX_VERSION)/cyclonedx-gomod
RELEASE_PATH       := PATH=$(abspath $(dir $(CYCLONEDX))):$$PATH

$(GORELEASER):
	GOBIN=$(CURDIR)/$(dir $(GORELEASER)) $(GO) install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION)

$(CYCLONEDX):
	GOBIN=$(CURDIR)/$(dir $(CYCLONEDX)) $(GO) install github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@$(CYCLONEDX_VERSION)

# Archives (linux, darwin, windows; amd64, arm64), .deb, .rpm, SBOMs and checksums in dist/.
release-snapshot: $(GORELEASER) $(CYCLONEDX)
	$(RELEASE_PATH) $(GORELEASER) release --snapshot --clean

# goreleaser check, a snapshot, then a test of what it holds (test/release,
# and test/ci's install of the action from the snapshot's archives).
release-check: $(GORELEASER) $(CYCLONEDX)
	$(GORELEASER) check
	$(RELEASE_PATH) $(GORELEASER) release --snapshot --clean
	HANDOFF_GORELEASER=$(abspath $(GORELEASER)) HANDOFF_DIST=$(CURDIR)/dist $(GO) test -count=1 -v ./test/...

# A short fuzzing session of every target (make fuzz FUZZTIME=1m for longer).
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin build dist
