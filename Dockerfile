# Planwright worker image: `docker build -t planwright .` then run `node dist/worker.js` (the default command) or any
# `planwright` command, e.g. `docker run --rm planwright node bin/planwright.js sim --host 0.0.0.0`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
# `npm ci` runs `prepare`, which compiles src/ to dist/.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# The worker bundles dist/workflows at start-up; the sources and maps it needs are in dist/.
USER node
CMD ["node", "dist/worker.js"]
