# tack's build. `make demo` and `make test` are the two commands a newcomer needs.

GO       ?= go
BIN      := bin
PROVIDERS := local
PKGS     := ./...

.PHONY: all build test demo bench proto fmt vet clean

all: build

# build puts tack and one tack-provider-<name> per shipped provider into bin/.
build:
	$(GO) build -o $(BIN)/tack ./cmd/tack
	$(foreach p,$(PROVIDERS),$(GO) build -o $(BIN)/tack-provider-$(p) ./cmd/tack-provider-$(p) &&) true

test: vet
	$(GO) test -race -count=1 $(PKGS)

# demo runs the simplest end-to-end example that exists today. tack's plan
# and apply commands are not built yet, so it shows the parts that are: the
# CLI launching the local provider to print its schemas, and the core's
# plugin client driving a local_file through its whole life out of process.
demo: build
	@echo "== tack's plan/apply workflow is not built yet; this demo runs what exists end to end."
	@echo "== tack version"
	@$(BIN)/tack version
	@echo
	@echo "== tack providers schema   (launches bin/tack-provider-local as a plugin)"
	@$(BIN)/tack providers schema
	@echo "== the plugin client drives local_file through its life, out of process"
	@$(GO) run ./examples/plugin-roundtrip -provider $(BIN)/tack-provider-local

# bench runs every benchmark ten times for three seconds each: the machine
# is noisy, so read medians, and compare runs with benchstat.
bench:
	$(GO) test -run='^$$' -bench=. -benchtime=3s -count=10 ./...

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

fmt:
	gofmt -s -w $$(git ls-files '*.go')

vet:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go'))"; if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)

clean:
	rm -rf $(BIN)
