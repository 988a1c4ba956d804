#!/usr/bin/env bash
# Measures the figures that change with the code: the static binary as the Dockerfile
# builds it (linux/amd64, CGO off, -trimpath, -s -w) and, given an image tag, the image.
# Prints them as the rows of docs/benchmarks.md's "Sizes now" table; with --write, puts
# them there (between the sizes markers) instead of anyone typing them.
#   scripts/sizes.sh [--write] [IMAGE]
set -euo pipefail
cd "$(dirname "$0")/.."
write=false
if [ "${1:-}" = "--write" ]; then write=true; shift; fi
image=${1:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -ldflags "-s -w" -o "$tmp/dispatch" .
mb() { printf '%s MB (%s bytes)' "$(awk -v b="$1" 'BEGIN { printf "%.2f", b / 1e6 }')" "$(echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')"; }
rows="| static binary (linux/amd64, \`-trimpath -s -w\`, as the Dockerfile builds it) | $(mb "$(stat -c %s "$tmp/dispatch")") |"
if [ -n "$image" ]; then
  rows+=$'\n'"| final image \`FROM scratch\` (binary + CA bundle), \`docker image inspect\` | $(mb "$(docker image inspect --format '{{.Size}}' "$image")") |"
fi
rows+=$'\n'"| measured | $(date -u +%Y-%m-%d) at $(git rev-parse --short HEAD) |"
echo "$rows"
if $write; then
  doc=docs/benchmarks.md
  awk -v rows="$rows" '
    /<!-- sizes:begin -->/ { print; print "| What | Size |"; print "|---|---|"; print rows; skip = 1; next }
    /<!-- sizes:end -->/ { skip = 0 }
    !skip { print }' "$doc" > "$tmp/doc" && cp "$tmp/doc" "$doc"
fi
