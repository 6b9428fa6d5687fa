# syntax=docker/dockerfile:1
# Multi-stage build: compile in the Rust image, run in a small Debian image as a non-root user.
# The build stage copies exactly what Cargo.toml names (the benches are targets of the manifest,
# so Cargo refuses it without them). `scripts/test` builds the release binary from a scratch
# directory holding only the paths copied below, then runs the start command and the health
# check against it (scripts/lib/docker_check.sh), so that this file keeps building.

FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY .cargo ./.cargo
COPY benches ./benches
COPY src ./src
COPY migrations ./migrations
COPY web ./web
RUN cargo build --release --locked && strip target/release/consilium

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/consilium --create-home consilium
COPY --from=build /src/target/release/consilium /usr/local/bin/consilium
USER consilium
WORKDIR /var/lib/consilium
ENV CONSILIUM_BIND=0.0.0.0:8080 \
    CONSILIUM_DATA_DIR=/var/lib/consilium/data \
    RUST_LOG=info
VOLUME ["/var/lib/consilium/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '200' <&3"]
ENTRYPOINT ["/usr/bin/tini", "--", "consilium"]
CMD ["serve"]
