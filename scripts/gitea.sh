#!/usr/bin/env bash
# A real Gitea for the forge suite (internal/forgetest): Gitea 1.27.3 and its Actions runner
# v1.0.8, built from the Go module proxy and kept between runs on this machine, started fresh
# on loopback with the repositories and workflows the suite needs.
#
#   scripts/gitea.sh build       build (or reuse) both binaries; prints their paths
#   scripts/gitea.sh start DIR   a fresh instance and runner in DIR (absolute or not), the
#                                fixtures of internal/forgetest/testdata/gitea created; writes
#                                DIR/env for the suite
#   scripts/gitea.sh stop DIR    stops what start started
#
# Then: DISPATCH_GITEA=DIR go test -count=1 -v ./internal/forgetest/
#
# Exit 3 means the build is impossible here (a Go older than Gitea needs, or the proxy
# refusing Gitea's modules): .ci/run then says so loudly. Any other failure is an error.
# Needs Go >= 1.26.4, gcc (Gitea's SQLite is cgo), curl, and the Go module proxy.
set -euo pipefail

GITEA_VERSION=v1.27.3
RUNNER_VERSION=v1.0.8 # the version Gitea 1.27.3's go.mod requires
cache="${HOME:-/root}/.cache/dispatch-action-tools"
gitea_bin="$cache/gitea-$GITEA_VERSION/gitea"
runner_bin="$cache/gitea-runner-$RUNNER_VERSION/gitea-runner"
root=$(cd "$(dirname "$0")/.." && pwd)
fixtures="$root/internal/forgetest/testdata/gitea"

say() { printf '%s\n' "$*" >&2; }
impossible() { say "gitea.sh: CANNOT BUILD HERE: $*"; exit 3; }

# moddir downloads a module and prints a writable copy of it (Gitea's go.mod has replace
# lines and another module name, so go install cannot build it).
moddir() {
  local dir
  dir=$(GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || true
  [ -n "$dir" ] && [ -d "$dir" ] || impossible "the module proxy did not give $1"
  local copy="$2"
  rm -rf "$copy" && cp -r "$dir" "$copy" && chmod -R u+w "$copy"
}

build() {
  local need=1.26.4 have
  have=$(go env GOVERSION | sed 's/^go//')
  if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" != "$need" ]; then
    impossible "Gitea $GITEA_VERSION needs Go >= $need, this is Go $have"
  fi
  local work
  if [ ! -x "$gitea_bin" ]; then
    work=$(mktemp -d)
    say "building Gitea $GITEA_VERSION (6-25 minutes cold; cached in $(dirname "$gitea_bin"))"
    local start=$SECONDS
    moddir "code.gitea.io/gitea@$GITEA_VERSION" "$work/gitea"
    mkdir -p "$(dirname "$gitea_bin")"
    (cd "$work/gitea" && CGO_ENABLED=1 go build -trimpath -tags 'sqlite sqlite_unlock_notify' \
      -ldflags "-X 'main.Version=${GITEA_VERSION#v}' -X 'main.Tags=sqlite sqlite_unlock_notify'" -o "$gitea_bin.tmp" .) ||
      { rm -rf "$work"; impossible "go build of Gitea $GITEA_VERSION failed"; }
    # Gitea serves its templates, locales and assets from the source tree (STATIC_ROOT_PATH).
    local static; static="$(dirname "$gitea_bin")/static"
    rm -rf "$static" && mkdir -p "$static" && mv "$work/gitea/templates" "$work/gitea/options" "$work/gitea/public" "$static/"
    mv "$gitea_bin.tmp" "$gitea_bin"
    rm -rf "$work"
    say "Gitea built in $((SECONDS - start)) s"
  fi
  if [ ! -x "$runner_bin" ]; then
    work=$(mktemp -d)
    say "building gitea-runner $RUNNER_VERSION (1-3 minutes cold)"
    local start=$SECONDS
    moddir "gitea.com/gitea/runner@$RUNNER_VERSION" "$work/runner"
    mkdir -p "$(dirname "$runner_bin")"
    (cd "$work/runner" && go build -trimpath -ldflags "-X gitea.com/gitea/runner/internal/pkg/ver.version=$RUNNER_VERSION" -o "$runner_bin.tmp" .) || { rm -rf "$work"; impossible "go build of gitea-runner $RUNNER_VERSION failed"; }
    mv "$runner_bin.tmp" "$runner_bin"
    rm -rf "$work"
    say "gitea-runner built in $((SECONDS - start)) s"
  fi
  echo "$gitea_bin"
  echo "$runner_bin"
}

# freeport prints a TCP port on loopback that nothing listens on.
freeport() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  say "no free port found"; exit 1
}

# api METHOD PATH [JSON]: a request as the admin, failing on an error status.
api() {
  curl --silent --show-error --fail-with-body --max-time 30 -X "$1" -H "Authorization: token $TOKEN" \
    -H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$API$2"
}

# seed creates each fixture repository (a folder of $fixtures) with its files, committed
# through the contents API, and the secrets its workflows use; and the stand-in of
# actions/setup-go the portable action names.
seed() {
  local repo file rel content
  for repo in "$fixtures"/*/; do
    repo=$(basename "$repo")
    api POST /user/repos "{\"name\":\"$repo\",\"auto_init\":true,\"default_branch\":\"main\"}" > /dev/null
    while IFS= read -r file; do
      rel=${file#"$fixtures/$repo/"}
      # Placeholders a workflow needs from this instance: where the test puts the binary,
      # the project's source (for the portable action), the admin's name.
      content=$(sed -e "s|@DISPATCH_BIN@|$DIR/bin/dispatch|g" -e "s|@DISPATCH_SRC@|$root|g" -e "s|@OWNER@|$OWNER|g" "$file" | base64 -w0)
      api POST "/repos/$OWNER/$repo/contents/$rel" "{\"content\":\"$content\",\"message\":\"add $rel\",\"branch\":\"main\"}" > /dev/null
    done < <(find "$fixtures/$repo" -type f | sort)
    api PUT "/repos/$OWNER/$repo/actions/secrets/DISPATCH_TOKEN" "{\"data\":\"$TOKEN\"}" > /dev/null
  done
  # Gitea's runner fetches every action a composite names, even one whose step is skipped
  # (the portable action's actions/setup-go, on a runner whose Go is recent enough), from
  # the instance's default actions host: here the instance itself (DEFAULT_ACTIONS_URL =
  # self), as on an offline Gitea with mirrored actions. The stand-in of .ci/act/setup-go
  # is served as actions/setup-go, at the pinned commit as a tag of that name (git
  # resolves a name before a hash).
  local pin; pin=$(grep -o 'actions/setup-go@[0-9a-f]\{40\}' "$root/portable/action.yml" | cut -d@ -f2)
  api POST /orgs '{"username":"actions","visibility":"public"}' > /dev/null
  api POST /orgs/actions/repos '{"name":"setup-go","auto_init":true,"default_branch":"main"}' > /dev/null
  content=$(base64 -w0 < "$root/.ci/act/setup-go/action.yml")
  api POST /repos/actions/setup-go/contents/action.yml "{\"content\":\"$content\",\"message\":\"stand-in\",\"branch\":\"main\"}" > /dev/null
  api POST /repos/actions/setup-go/tags "{\"tag_name\":\"$pin\",\"target\":\"main\"}" > /dev/null
}

start() {
  DIR=$(mkdir -p "$1" && cd "$1" && pwd)
  if [ -e "$DIR/gitea.pid" ]; then say "$DIR is in use: scripts/gitea.sh stop $DIR first"; exit 1; fi
  local started=$SECONDS
  build > /dev/null
  mkdir -p "$DIR/bin" "$DIR/data" "$DIR/runner"
  local port; port=$(freeport)
  URL="http://127.0.0.1:$port"
  API="$URL/api/v1"
  cat > "$DIR/app.ini" <<EOF
APP_NAME = dispatch-action forge suite
RUN_MODE = prod
RUN_USER = $(id -un)
WORK_PATH = $DIR/data
I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = true

[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = $port
ROOT_URL = $URL/
DOMAIN = 127.0.0.1
OFFLINE_MODE = true
DISABLE_SSH = true
LFS_START_SERVER = false
STATIC_ROOT_PATH = $(dirname "$gitea_bin")/static
APP_DATA_PATH = $DIR/data

[database]
DB_TYPE = sqlite3
PATH = $DIR/data/gitea.db

[security]
INSTALL_LOCK = true
SECRET_KEY = dispatch-action-forge-suite-secret-key-0123456789
INTERNAL_TOKEN = eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuYmYiOjE3MDAwMDAwMDB9.dispatch-action-forge-suite

[service]
DISABLE_REGISTRATION = true

[repository]
DEFAULT_BRANCH = main
ROOT = $DIR/data/repos

[actions]
ENABLED = true
DEFAULT_ACTIONS_URL = self

[cron.update_checker]
ENABLED = false

[log]
MODE = file
LEVEL = Warn
ROOT_PATH = $DIR/data/log
EOF
  OWNER=dispatcher
  local g=("$gitea_bin" --config "$DIR/app.ini" --work-path "$DIR/data")
  "${g[@]}" migrate > "$DIR/setup.log" 2>&1
  "${g[@]}" admin user create --admin --username "$OWNER" --password 'forge-suite-Passw0rd' \
    --email dispatcher@example.com --must-change-password=false >> "$DIR/setup.log" 2>&1
  TOKEN=$("${g[@]}" admin user generate-access-token --username "$OWNER" --token-name suite --scopes all --raw 2>> "$DIR/setup.log" | tail -n1)
  READ_TOKEN=$("${g[@]}" admin user generate-access-token --username "$OWNER" --token-name read-only \
    --scopes read:repository --raw 2>> "$DIR/setup.log" | tail -n1)
  "${g[@]}" web > "$DIR/gitea.log" 2>&1 &
  echo $! > "$DIR/gitea.pid"
  for _ in $(seq 300); do curl --silent --fail "$API/version" > /dev/null 2>&1 && break; sleep 0.2; done
  curl --silent --fail "$API/version" > /dev/null || { tail -30 "$DIR/gitea.log"; say "Gitea did not start"; exit 1; }

  local rtoken; rtoken=$("${g[@]}" actions generate-runner-token 2>> "$DIR/setup.log" | tail -n1)
  # Host mode (no Docker): steps run as processes of this machine, with the runner's
  # environment. Capacity 4: a job that dispatches another run and waits for it needs a
  # second slot, and the suite runs a few at once.
  cat > "$DIR/runner/config.yaml" <<EOF
log:
  level: warn
runner:
  file: $DIR/runner/.runner
  capacity: 4
  timeout: 30m
  fetch_interval: 1s
  fetch_interval_max: 2s
  log_report_interval: 1s
  log_report_max_latency: 500ms
  state_report_interval: 1s
  labels:
    - "ubuntu-latest:host"
cache:
  enabled: false
host:
  workdir_parent: $DIR/runner/work
EOF
  (cd "$DIR/runner" && "$runner_bin" --config "$DIR/runner/config.yaml" register --no-interactive \
    --instance "$URL" --token "$rtoken" --name forge-suite >> "$DIR/setup.log" 2>&1)
  (cd "$DIR/runner" && exec "$runner_bin" --config "$DIR/runner/config.yaml" daemon > "$DIR/runner.log" 2>&1) &
  echo $! > "$DIR/runner.pid"

  seed
  cat > "$DIR/env" <<EOF
GITEA_URL=$URL
GITEA_API=$API
GITEA_OWNER=$OWNER
GITEA_TOKEN=$TOKEN
GITEA_READ_TOKEN=$READ_TOKEN
GITEA_VERSION=${GITEA_VERSION#v}
GITEA_BIN_DIR=$DIR/bin
EOF
  say "Gitea ${GITEA_VERSION#v} at $URL with a runner, fixtures created, in $((SECONDS - started)) s: DISPATCH_GITEA=$DIR"
}

# stop ends the runner, then Gitea, each within 10 s (then killed), and returns once they
# are gone.
stop() {
  local DIR; DIR=$(cd "$1" && pwd)
  local f pid
  for f in runner gitea; do
    [ -e "$DIR/$f.pid" ] || continue
    pid=$(cat "$DIR/$f.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$DIR/$f.pid"
  done
}

case "${1:-}" in
  build) build ;;
  start) [ -n "${2:-}" ] || { say "usage: $0 start DIR"; exit 2; }; start "$2" ;;
  stop) [ -n "${2:-}" ] || { say "usage: $0 stop DIR"; exit 2; }; stop "$2" ;;
  *) say "usage: $0 build | start DIR | stop DIR"; exit 2 ;;
esac
