#!/bin/sh
# Regenerates onnx.pb.go from onnx.proto. It works from any directory, and
# go generate runs it from the repository root.
#
# It needs protoc 3.21.12 (Debian bookworm's protobuf-compiler) on PATH and
# builds protoc-gen-go at the version go.mod requires, so the output is
# byte-identical from run to run and from machine to machine.
set -eu

cd "$(dirname "$0")/../.."

want_protoc="libprotoc 3.21.12"
have_protoc="$(protoc --version 2>/dev/null || echo "no protoc on PATH")"
if [ "$have_protoc" != "$want_protoc" ]; then
	echo "generate.sh: found $have_protoc, want $want_protoc (the version recorded in onnx.pb.go); install Debian's protobuf-compiler" >&2
	exit 1
fi

plugin_dir="$(mktemp -d)"
trap 'rm -rf "$plugin_dir"' EXIT
go build -o "$plugin_dir/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go

# Paths stay relative to the repository root, so the "source:" line of the
# generated header contains no machine path.
protoc \
	--plugin=protoc-gen-go="$plugin_dir/protoc-gen-go" \
	--go_out=. \
	--go_opt=paths=source_relative \
	--proto_path=. \
	internal/onnxpb/onnx.proto
