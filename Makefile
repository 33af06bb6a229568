# tack's build. `make demo` and `make test` are the two commands a newcomer needs.

GO       ?= go
BIN      := bin
PROVIDERS := local aws
PKGS     := ./...

.PHONY: all build test demo demo-files bench proto docs fmt vet clean

all: build

# build puts tack and one tack-provider-<name> per shipped provider into bin/.
build:
	$(GO) build -o $(BIN)/tack ./cmd/tack
	$(foreach p,$(PROVIDERS),$(GO) build -o $(BIN)/tack-provider-$(p) ./cmd/tack-provider-$(p) &&) true

test: vet
	$(GO) test -race -count=1 $(PKGS)

# demo delivers examples/quickstart on the embedded local platform, in a
# scratch copy under bin/quickstart: v1 behind a load balancer on
# 127.0.0.1:$(DEMO_PORT), v2 by red/black, a broken v3 rolled back, then
# destroy. Where 8080 is taken: make demo DEMO_PORT=18080.
DEMO_PORT ?= 8080
demo: build
	@GO=$(GO) DEMO_PORT=$(DEMO_PORT) sh examples/quickstart/demo.sh $(BIN)/tack

# demo-files runs examples/getting-started, tack's plan/apply workflow on
# files: planned, applied, drifted, changed and destroyed under bin/demo.
demo-files: build
	@sh examples/getting-started/demo.sh $(BIN)/tack

# bench runs every benchmark ten times for three seconds each: the machine
# is noisy, so read medians, and compare runs with benchstat. Then it runs
# the CLI on generated configurations (1,000 and 10,000 independent
# local_file resources, a chain of 1,000) and prints a table of medians
# against the targets; cmd/tack/internal/clibench says what it measures.
bench:
	$(GO) test -run='^$$' -bench=. -benchtime=3s -count=10 ./...
	$(GO) run ./cmd/tack/internal/clibench

# proto regenerates plugins/proto from tack.proto with protoc (Debian's
# protobuf-compiler) and the protoc-gen-go / protoc-gen-go-grpc versions
# pinned as tools in go.mod.
proto:
	$(GO) build -o $(BIN)/protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go
	$(GO) build -o $(BIN)/protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc
	protoc --plugin=protoc-gen-go=$(BIN)/protoc-gen-go --plugin=protoc-gen-go-grpc=$(BIN)/protoc-gen-go-grpc \
		--go_out=. --go_opt=paths=source_relative \
		--go-grpc_out=. --go-grpc_opt=paths=source_relative \
		plugins/proto/tack.proto

# docs regenerates the reference pages of the shipped providers from their
# schemas: docs/providers/aws.md and docs/providers/local-schema.md, each
# after its hand-written intro in cmd/tack/internal/providerdocs/intro/.
# A test fails when a committed page differs, so change a schema and run
# this in the same commit.
docs:
	$(GO) run ./cmd/tack/internal/providerdocs

fmt:
	gofmt -s -w $$(git ls-files '*.go')

vet:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go'))"; if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)

clean:
	rm -rf $(BIN)
