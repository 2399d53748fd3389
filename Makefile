# Build, run, test and benchmark the server. See README.md.
#
#   make build   bin/redis-server
#   make run     build, then start it with the repo's redis.conf
#   make test    gofmt, go vet, unit tests (race, invariants), integration tests
#   make fuzz    each Fuzz* target for FUZZTIME (30s), then the differential
#                test of tests/ (DIFF_KEYS keys a round) for as long
#   make bench   redis-benchmark against bin/redis-server and redis-server, compared
#   make pgo     refresh cmd/redis-server/default.pgo, the profile the build
#                optimizes with
#
# The tests and the benchmark need Redis's own binaries; when one is
# missing, make installs Debian's redis-server, redis-tools and
# redis-sentinel packages. The status page's test needs a browser: make
# installs Debian's chromium package when it is missing.

GO       ?= go
BIN      := bin/redis-server
FUZZTIME ?= 30s
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# With cgo (internal/geohash calls glibc's libm, for Redis's GEO
# distances to the last bit) the server is linked statically: libc, libm
# and ld.so mapped beside it were 0.7 MB of every server's RSS. netgo and
# osusergo keep glibc's resolver and user database, which a static binary
# cannot load, out of it (Go's own serve the same). Without cgo, a plain
# build.
ifeq ($(shell $(GO) env CGO_ENABLED),1)
TAGS     := netgo,osusergo,
LDFLAGS  := -ldflags '-linkmode external -extldflags -static'
endif
BUILDFLAGS := -tags '$(TAGS)' $(LDFLAGS)

# make pgo rewrites cmd/redis-server/default.pgo, the CPU profile that
# go build optimizes the server with (README, "Profile-guided
# optimization"): a build with -tags profile serves benchcmp's PGO_SECTIONS
# in both of its roles, and every server's profile is merged.
PGODIR      ?= /tmp/redis-go-pgo
PGO_SECTIONS ?= suite,cluster,stream,acl

.NOTPARALLEL:

.PHONY: all build run test fmt-check vet unit integration fuzz bench pgo redis-tools client-libs chromium clean

all: build

build:
	$(GO) build $(BUILDFLAGS) -o $(BIN) ./cmd/redis-server

run: build
	./$(BIN) redis.conf

test: redis-tools client-libs chromium fmt-check vet unit integration

fmt-check:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt -l: these files need gofmt -w:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# Everything but the integration tests, which run next on their own so that
# they do not compete for the CPU with the unit tests.
unit:
	$(GO) test -race -tags invariants $$($(GO) list ./... | grep -v '/tests$$')
	# and the tests of the changes to gnet (third_party/gnet/PATCH.md)
	cd third_party/gnet && $(GO) test -race -run 'Yielder|BeforeWait|RawSocketIO|ConnMatrix' ./pkg/netpoll ./pkg/io .

# tests/ builds the server itself (with -race -tags invariants) and starts it
# on free ports; REDIS_SERVER_BIN=/usr/bin/redis-server runs it against Redis.
# It needs the real Redis tools, the client libraries and chromium, also when
# run alone.
integration: redis-tools client-libs chromium
	CLIENT_LIBS=$(CLIENT_LIBS) $(GO) test -count=1 -parallel 4 -timeout 16m ./tests

# The differential test (tests/differential_test.go) runs rounds of fresh
# seeds against real Redis for FUZZTIME, with DIFF_KEYS keys a round.
DIFF_KEYS ?= 10000

fuzz: redis-tools
	@set -e; for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -r -n1 dirname | sort -u); do \
		for f in $$(grep -h '^func Fuzz' $$dir/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
			echo "== $$dir $$f for $(FUZZTIME)"; \
			$(GO) test -tags invariants -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$dir; \
		done; \
	done
	@echo "== ./tests TestDifferential for $(FUZZTIME), $(DIFF_KEYS) keys a round"
	DIFF_TIME=$(FUZZTIME) DIFF_KEYS=$(DIFF_KEYS) $(GO) test -count=1 -timeout 0 -run '^TestDifferential$$' ./tests

# BENCH_N sets the base number of requests per test (default 100000).
bench: build redis-tools
	$(GO) run ./cmd/benchcmp -ours $(BIN) -redis redis-server

pgo: redis-tools
	rm -rf $(PGODIR) && mkdir -p $(PGODIR)
	$(GO) build -pgo=off -tags '$(TAGS)profile' $(LDFLAGS) -o $(PGODIR)/redis-server ./cmd/redis-server
	REDIS_GO_CPUPROFILE=$(PGODIR)/cpu-%p.prof $(GO) run ./cmd/benchcmp -ours $(PGODIR)/redis-server \
		-redis $(PGODIR)/redis-server -sections $(PGO_SECTIONS) -n 50000 -cluster-n 50000 -cluster-runs 1 -rss-n 0 \
		-stream-rss-n 0 > $(PGODIR)/bench.txt
	$(GO) tool pprof -proto $(PGODIR)/cpu-*.prof > cmd/redis-server/default.pgo

redis-tools:
	@if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null || ! command -v redis-benchmark >/dev/null || ! command -v redis-sentinel >/dev/null; then \
		echo "Installing Debian's redis-server, redis-tools and redis-sentinel (the reference Redis 7.0)"; \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server redis-tools redis-sentinel; \
	fi

# Headless Chromium renders the status page of the metrics endpoint in
# tests/statuspage_test.go (its DOM after the script ran, a screenshot).
chromium:
	@if ! command -v chromium >/dev/null; then \
		echo "Installing Debian's chromium (headless browser for the status page test)"; \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

# Client libraries the scripting tests drive (tests/script_libs_test.go):
# redis-py from Debian, ioredis from npm into $(CLIENT_LIBS).
CLIENT_LIBS ?= $(CURDIR)/.client-libs

client-libs:
	@if ! /usr/bin/python3 -c 'import redis' 2>/dev/null; then \
		echo "Installing Debian's python3-redis (redis-py)"; \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-redis; \
	fi
	@if [ ! -d "$(CLIENT_LIBS)/node_modules/ioredis" ]; then \
		echo "Installing ioredis 5 into $(CLIENT_LIBS)"; \
		mkdir -p "$(CLIENT_LIBS)" && npm install --silent --prefix "$(CLIENT_LIBS)" ioredis@5; \
	fi

clean:
	rm -rf bin .client-libs
