#!/usr/bin/env bash
# Cuts the operations dispatch-action calls out of GitHub's published REST API description
# (the npm package @octokit/openapi, pinned and checksummed below) into
# internal/githubfake/testdata/openapi, with the package's licence, so tests need no network.
#
#   scripts/openapi-subset.sh           regenerate the committed subset
#   scripts/openapi-subset.sh --check   regenerate elsewhere and fail if it differs (CI)
#
# To move to a newer description: change VERSION and SHA256 (npm pack prints the file;
# sha256sum it), run the script, run the tests, and read the diff: every change to what
# GitHub documents for these operations shows there.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=23.0.2
SHA256=71a18407dd5e8464f4e0525daf03deabbe65abd9287d6adc7b5d98f516cd0d0c
out=internal/githubfake/testdata/openapi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cache="${HOME:-/root}/.cache/dispatch-action-tools/octokit-openapi-$VERSION.tgz"
if [ ! -f "$cache" ]; then
  mkdir -p "$(dirname "$cache")"
  (cd "$work" && npm pack --silent "@octokit/openapi@$VERSION" >/dev/null)
  mv "$work/octokit-openapi-$VERSION.tgz" "$cache"
fi
echo "$SHA256  $cache" | sha256sum -c --quiet - || { echo "the @octokit/openapi $VERSION package is not the one pinned"; rm -f "$cache"; exit 1; }
tar -xzf "$cache" -C "$work"

target=$out
if [ "${1:-}" = --check ]; then
  target=$work/subset
  mkdir -p "$target"
fi
go run ./internal/githubfake/cmd/openapi-subset -from "$work/package/generated" -to "$target"
cp "$work/package/LICENSE" "$target/LICENSE"

if [ "${1:-}" = --check ]; then
  if ! diff -r -x README.md "$target" "$out" >/dev/null; then
    echo "the committed subset is not what scripts/openapi-subset.sh makes of @octokit/openapi $VERSION:"
    diff -r -x README.md "$target" "$out" | head -20
    exit 1
  fi
  echo "the committed subset of @octokit/openapi $VERSION is current ($(ls "$out"/*.json | wc -l) descriptions)"
fi
