#!/usr/bin/env bash
# Makes sure a Docker engine answers, installing and starting one if needed (the machine
# has only the client), plus the static busybox the local builder image uses.
set -euo pipefail
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
log=${TMPDIR:-/tmp}/dockerd.log # the engine outlives this run: its log too
if ! docker info >/dev/null 2>&1; then
  log=$(mktemp "${TMPDIR:-/tmp}/dockerd.XXXXXX.log")
  nohup dockerd --storage-driver=vfs --iptables=false --bridge=none >"$log" 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
fi
docker info >/dev/null 2>&1 || { echo "docker engine did not start"; tail -20 "$log"; exit 1; }
echo "docker engine: $(docker version --format '{{.Server.Version}}')"
