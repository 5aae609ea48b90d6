# syntax=docker/dockerfile:1
# One image per deployable, all from this file. docker-compose.yml builds each of them:
#   docker build --build-arg WORKSPACE=services/checkout --build-arg PORT=5001 \
#     --build-arg INTERNAL_PORT=5101 -t fig/checkout:0.1.0 .
# WORKSPACE is the deployable's directory (an npm workspace), PORT its documented public port,
# INTERNAL_PORT its internal one (health, metrics, subgraph, /internal) and, for the gateway
# instead, ADMIN_PORT: the port that answers /health/ready.

ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS deps
ARG WORKSPACE
WORKDIR /app
# npm ci checks the lock file against every workspace, so every manifest is needed here;
# the deployable's production dependencies are all that gets installed.
COPY package.json package-lock.json ./
COPY routing-rules/package.json routing-rules/
COPY platform/package.json platform/
COPY domain/package.json domain/
COPY federation/package.json federation/
COPY testing/package.json testing/
COPY gateway/package.json gateway/
COPY bff-web/package.json bff-web/
COPY bff-mobile/package.json bff-mobile/
COPY services/checkout/package.json services/checkout/
COPY services/payment/package.json services/payment/
COPY services/inventory/package.json services/inventory/
COPY monolith-stub/package.json monolith-stub/
COPY k8s/package.json k8s/
COPY test/package.json test/
# With --workspace, npm installs every workspace the deployable reaches by any edge, dev ones
# too (@fig/testing, and through it vitest and federation), and workspaces are never "dev"
# to --omit. Dropping the devDependencies first leaves only the production closure; the lock
# file still holds every package that closure needs, so npm ci accepts it.
RUN --mount=type=cache,target=/root/.npm \
    npm pkg delete devDependencies --workspaces \
 && npm ci --omit=dev --no-audit --no-fund --workspace "${WORKSPACE}"

FROM ${NODE_IMAGE}
ARG WORKSPACE
ARG PORT
ARG INTERNAL_PORT
ARG ADMIN_PORT
# The internal listener takes connections from other pods too (a BFF fetching a subgraph);
# NetworkPolicies decide which (k8s/base/network-policies.yaml).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=${PORT} \
    INTERNAL_HOST=0.0.0.0 \
    INTERNAL_PORT=${INTERNAL_PORT} \
    DATA_DIR=/data \
    APOLLO_TELEMETRY_DISABLED=1
WORKDIR /app
COPY --from=deps /app ./
# The shared packages' sources (never testing/: test helpers are no image's business);
# node_modules/@fig links only the ones the deployable depends on.
COPY platform/src platform/src
COPY domain/src domain/src
COPY federation/src federation/src
COPY routing-rules routing-rules
COPY ${WORKSPACE} ${WORKSPACE}
# One entry point for every image; Node resolves the link, so relative imports work and
# the working directory stays the repository root, as with `npm start`.
RUN ln -s "/app/${WORKSPACE}/src/main.ts" /app/main.ts \
 && mkdir -p /data && chown 1000:1000 /data
# /health/ready answers on the internal port (the gateway's: its admin port), never on PORT.
ENV HEALTH_PORT=${ADMIN_PORT:-${INTERNAL_PORT}}
EXPOSE ${PORT} ${HEALTH_PORT}
# `node` (uid 1000) from the base image; numeric so Kubernetes can enforce runAsNonRoot.
USER 1000:1000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.HEALTH_PORT}/health/ready`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: Node is PID 1 and receives SIGTERM itself, so it drains before exiting.
ENTRYPOINT ["node", "/app/main.ts"]
