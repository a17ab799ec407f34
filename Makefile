# handoff: build, test, demo, bench. Only Go is needed.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE     ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
BIN      := bin/handoff

.PHONY: all build test test-short demo bench lint docs fuzz clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/handoff

# The whole suite: format, vet, race detector. Fuzz seeds in testdata/fuzz run as tests.
test: lint
	$(GO) test -race -timeout 9m ./...

test-short:
	$(GO) test ./...

lint:
	@out=$$(gofmt -l cmd pkg); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

demo: build
	bash configs/demo.sh $(BIN)

bench: build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x -count 1 ./...

docs:
	$(GO) run ./cmd/gen-docs .

# A short fuzzing session of every target (make fuzz FUZZTIME=1m for longer).
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin
