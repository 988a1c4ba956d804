#!/usr/bin/env bash
# Assembles a local Go builder image from this machine's toolchain, for building the real
# Dockerfile where no registry can be reached: GOROOT at /usr/local/go, a static busybox as
# /bin/sh, and the CA bundle. Usage: .ci/builder-image.sh [TAG]  (default dispatch-builder:local)
set -euo pipefail
tag=${1:-dispatch-builder:local}
goroot=$(go env GOROOT)
busybox=$(command -v busybox)
# busybox must be static (Debian's busybox-static): the image has no libc.
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/usr/local" "$root/etc/ssl/certs" "$root/tmp" "$root/root"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for cmd in sh ls cat mkdir rm cp mv env; do ln -s busybox "$root/bin/$cmd"; done
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
tar -C "$(dirname "$goroot")" -cf - --exclude="$(basename "$goroot")/test" \
  --exclude="$(basename "$goroot")/api" --exclude="$(basename "$goroot")/doc" "$(basename "$goroot")" \
  | tar -C "$root/usr/local" -xf -
[ "$(basename "$goroot")" = go ] || mv "$root/usr/local/$(basename "$goroot")" "$root/usr/local/go"
tar -C "$root" -cf - . | docker import \
  --change 'ENV PATH=/usr/local/go/bin:/bin' \
  --change 'ENV HOME=/root' \
  - "$tag" >/dev/null
echo "$tag"
