# Planwright worker image: `docker build -t planwright .` then run `node dist/worker.js` (the default command) or any
# `planwright` command, e.g. `docker run --rm planwright node bin/planwright.js sim --host 0.0.0.0`.
# Agents' commands run in bubblewrap sandboxes, which need `docker run` security options: see docs/docker.md.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
# `npm ci` installs exactly what the lockfile pins and runs `prepare`, which compiles src/ to dist/.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
# What the worker runs besides node: git (clones, checkouts, pushes), bubblewrap (the sandbox of agents' commands),
# util-linux (prlimit sets their limits), ca-certificates (https remotes), openssh-client (ssh remotes).
# Not pinned: versions come from the base image's Debian release (bookworm), and pins there vanish with each
# security update.
# hadolint ignore=DL3008
RUN apt-get update \
  && apt-get install -y --no-install-recommends bubblewrap ca-certificates git openssh-client util-linux \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
# Run repositories, clone caches and checkouts: mount a volume here so the caches survive restarts. A new named
# volume starts as a copy of this directory, owner and mode included.
ENV PLANWRIGHT_WORKSPACE_DIR=/var/lib/planwright
RUN install -d -o node -g node -m 0711 /var/lib/planwright
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# The worker bundles dist/workflows at start-up; the sources and maps it needs are in dist/.
# Not root: with the options the sandbox needs (systempaths=unconfined leaves /proc/sys writable to uid 0), a root
# worker could change the host kernel's settings. Commands then run as this user outside their sandbox. Numeric
# (node:node), so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
CMD ["node", "dist/worker.js"]
