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
	$(GO) test -count=1 $(PKGS)

# demo runs the simplest end-to-end example that exists today: tack launches the
# local provider binary out of process and drives a local_file through its
# whole life. When clusters and delivery land it runs a deployment instead.
demo: build
	$(BIN)/tack demo

bench: build
	$(GO) test -run='^$$' -bench=. -benchmem -count=5 ./plugins/...

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
	$(GO) vet $(PKGS)

clean:
	rm -rf $(BIN)
