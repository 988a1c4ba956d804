# Builds the dispatch binary and ships it alone in an image from scratch.
#
# BUILDER_IMAGE defaults to the official Go image pinned by digest (golang:1.26-alpine,
# 1.26.8, multi-arch index). Where no registry is reachable, pass a local image that has Go
# at /usr/local/go/bin and CA certificates at /etc/ssl/certs/ca-certificates.crt
# (.ci/run builds one from the machine's toolchain).
ARG BUILDER_IMAGE=golang:1.26-alpine@sha256:b6890e35ded5d19118c2bca3d7754dc4e6f694aac2d0aeb92f9807c2879e4230

FROM ${BUILDER_IMAGE} AS build
ENV PATH=/usr/local/go/bin:$PATH \
    CGO_ENABLED=0 \
    GOFLAGS=-mod=readonly \
    GOCACHE=/tmp/go-cache \
    GOMODCACHE=/tmp/go-mod \
    GOTOOLCHAIN=local
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN go build -trimpath \
      -ldflags "-s -w -X github.com/MrSunshyne/dispatch-action/internal/version.Version=${VERSION}" \
      -o /out/dispatch . \
 && /out/dispatch version

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/dispatch /dispatch
# No USER: the runner mounts GITHUB_OUTPUT and GITHUB_STEP_SUMMARY owned by its own user
# and runs the container as the image's user, so only root can write them.
ENTRYPOINT ["/dispatch"]
