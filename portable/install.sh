#!/usr/bin/env bash
# Finds the dispatch binary for the portable action: on a release commit, downloads the
# release's binary for this runner and checks its SHA-256 against the one the release
# commit wrote into action.yml; on main, says to build it from source. Outputs: path,
# build=true when it must be built, and setup-go=true when the runner has no Go recent
# enough for go.mod (a self-hosted or Gitea runner often has one: nothing to fetch then).
# GitHub's runners name the OS and architecture Linux/macOS/Windows and X64/ARM64; Gitea's
# (and nektos/act's) say linux and amd64: both are taken, in any case.
set -euo pipefail

lower() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }
case "$(lower "$RUNNER_OS_NAME")" in
  linux) os=linux ;;
  macos | darwin) os=darwin ;;
  windows) os=windows ;;
  *) echo "::error title=Unsupported runner::dispatch-action has no binary for runner OS $RUNNER_OS_NAME"; exit 1 ;;
esac
case "$(lower "$RUNNER_ARCH_NAME")" in
  x64 | amd64 | x86_64) arch=amd64 ;;
  arm64 | aarch64) arch=arm64 ;;
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
  need=$(sed -n 's/^go \([0-9][0-9.]*\).*/\1/p' "${GITHUB_ACTION_PATH:-.}/../go.mod")
  have=$(go env GOVERSION 2>/dev/null | sed 's/^go//' || true)
  if [ -n "$have" ] && [ -n "$need" ] && [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" = "$need" ]; then
    echo "The runner's Go $have is recent enough (go.mod asks for $need): actions/setup-go is not needed."
    echo "setup-go=false" >> "$GITHUB_OUTPUT"
  else
    echo "setup-go=true" >> "$GITHUB_OUTPUT"
  fi
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
