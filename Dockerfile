# hwgraph's container image: `make image`, or podman/docker build.
#
# The build needs no C compiler: NVML is loaded at run time (purego), so
# CGO_ENABLED=0 keeps the GPU collector. The binary still loads glibc's
# dynamic linker, to dlopen the driver's libnvidia-ml, so the image is a
# slim glibc one, with pci.ids for vendor and device names.
ARG GO_IMAGE=docker.io/library/golang:1.26-bookworm
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim

FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=unknown
ARG REVISION=unknown
ARG BRANCH=unknown
ARG BUILDDATE=unknown
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -o /out/hwgraph \
	-ldflags "-X github.com/prometheus/common/version.Version=${VERSION} \
	-X github.com/prometheus/common/version.Revision=${REVISION} \
	-X github.com/prometheus/common/version.Branch=${BRANCH} \
	-X github.com/prometheus/common/version.BuildUser=container \
	-X github.com/prometheus/common/version.BuildDate=${BUILDDATE}" \
	./cmd/hwgraph

FROM ${BASE_IMAGE}
RUN apt-get update \
	&& apt-get install -y --no-install-recommends pci.ids \
	&& apt-get clean && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/hwgraph /usr/bin/hwgraph
ARG VERSION=unknown
ARG REVISION=unknown
LABEL org.opencontainers.image.title="hwgraph" \
	org.opencontainers.image.description="This machine's hardware as a graph, with health: CLI and Prometheus exporter" \
	org.opencontainers.image.source="https://github.com/hwgraph/hwgraph" \
	org.opencontainers.image.licenses="Apache-2.0" \
	org.opencontainers.image.version="${VERSION}" \
	org.opencontainers.image.revision="${REVISION}"
# root: the SMBIOS tables, /dev/ipmi0 and /dev/i2c-N are root-owned; the
# DaemonSet drops every capability (deploy/hwgraph.yaml).
EXPOSE 9877
ENTRYPOINT ["/usr/bin/hwgraph"]
CMD ["serve"]
