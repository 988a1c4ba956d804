#!/usr/bin/env bash
# Finds the dispatch binary for the portable action: on a release commit, downloads the
# release's binary for this runner and checks its SHA-256 against the one the release
# commit wrote into action.yml; on main, says to build it from source. Outputs: path, and
# build=true when it must be built.
set -euo pipefail

case "$RUNNER_OS_NAME" in
  Linux) os=linux ;;
  macOS) os=darwin ;;
  Windows) os=windows ;;
  *) echo "::error title=Unsupported runner::dispatch-action has no binary for runner OS $RUNNER_OS_NAME"; exit 1 ;;
esac
case "$RUNNER_ARCH_NAME" in
  X64) arch=amd64 ;;
  ARM64) arch=arm64 ;;
  *) echo "::error title=Unsupported runner::dispatch-action has no binary for runner architecture $RUNNER_ARCH_NAME"; exit 1 ;;
esac
ext=""
if [ "$os" = windows ]; then ext=".exe"; fi

dir="${RUNNER_TEMP:?}/dispatch-action-${GITHUB_ACTION:-bin}"
mkdir -p "$dir"
bin="$dir/dispatch$ext"
echo "path=$bin" >> "$GITHUB_OUTPUT"

if [ -z "${DISPATCH_RELEASE:-}" ]; then
  echo "Unreleased version of the action: building the binary from source."
  echo "build=true" >> "$GITHUB_OUTPUT"
  exit 0
fi

name="dispatch_${os}_${arch}${ext}"
want=$(printf '%s\n' "$DISPATCH_SHA256" | awk -v n="$name" '$2 == n { print $1 }')
if [ -z "$want" ]; then
  echo "::error title=No checksum::the action's release commit lists no SHA-256 for $name"
  exit 1
fi
repo="${ACTION_REPOSITORY:-MrSunshyne/dispatch-action}"
url="https://github.com/$repo/releases/download/$DISPATCH_RELEASE/$name"
curl --fail --silent --show-error --location --retry 3 --max-time 120 -o "$bin" "$url"
if command -v sha256sum >/dev/null 2>&1; then
  got=$(sha256sum "$bin" | awk '{ print $1 }')
else
  got=$(shasum -a 256 "$bin" | awk '{ print $1 }')
fi
if [ "$got" != "$want" ]; then
  rm -f "$bin"
  echo "::error title=Checksum mismatch::$url has SHA-256 $got, the release commit says $want"
  exit 1
fi
chmod +x "$bin"
echo "dispatch $DISPATCH_RELEASE for $os/$arch, SHA-256 $got verified"
