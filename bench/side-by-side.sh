#!/usr/bin/env bash
# One repository_dispatch, three ways, measured side by side in one hyperfine run against
# the loopback fake GitHub: this binary as a process; the image run as the Actions runner
# starts a container action (docker run with the inputs, workspace and file-command
# mounts); and a stand-in for the incumbent's Node bundle (bench/incumbent). Needs Go,
# hyperfine, Node.js with npm, and a Docker engine (.ci/docker-engine.sh) with the image
# built as .ci/run builds it (IMAGE, default dispatch-action:ci).
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-dispatch-action:ci}
work=$(mktemp -d)
trap 'kill "$fake_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/dispatch" .
go build -o "$work/fakegithub" ./internal/githubfake/cmd/fakegithub
(cd bench/incumbent && npm install --no-audit --no-fund --silent && npx ncc build index.js -o "$work/incumbent" --quiet)

"$work/fakegithub" > "$work/url" &
fake_pid=$!
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
url=$(cat "$work/url")
token=ghp_CANARY0123456789abcdefghijklmnopqrstu
mkdir -p "$work/files" "$work/workspace"
: > "$work/files/output"; : > "$work/files/summary"
# Input names keep their hyphens, as the runner passes them: set through env, not export.
vars=(GITHUB_ACTIONS=true "INPUT_TOKEN=$token" INPUT_REPOSITORY=octo/data INPUT_EVENT-TYPE=fetch-meetup-data
  'INPUT_CLIENT-PAYLOAD={"source":"bench"}' "INPUT_API-URL=$url" "GITHUB_API_URL=$url"
  "GITHUB_OUTPUT=$work/files/output" "GITHUB_STEP_SUMMARY=$work/files/summary")
docker_run="docker run --rm --network host -e GITHUB_ACTIONS=true -e INPUT_TOKEN -e INPUT_REPOSITORY -e INPUT_EVENT-TYPE -e INPUT_CLIENT-PAYLOAD -e INPUT_API-URL \
  -e GITHUB_OUTPUT=/github/file_commands/output -e GITHUB_STEP_SUMMARY=/github/file_commands/summary \
  -v $work/files:/github/file_commands -v $work/workspace:/github/workspace -w /github/workspace $IMAGE"

env "${vars[@]}" hyperfine -N --warmup 5 --runs "${RUNS:-50}" --export-markdown "$work/result.md" \
  -n "dispatch (process)" "$work/dispatch" \
  -n "dispatch (docker run of the image)" "$docker_run" \
  -n "incumbent stand-in (node dist/index.js)" "node $work/incumbent/index.js"
cat "$work/result.md"
env "${vars[@]}" /usr/bin/time -f "dispatch (process) max RSS %M KB" "$work/dispatch" > /dev/null
env "${vars[@]}" /usr/bin/time -f "incumbent stand-in max RSS %M KB" node "$work/incumbent/index.js" > /dev/null
