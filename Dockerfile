# The app image for docker-compose.yml: one image, three processes (sandbox, worker, api)
# plus the migrations, chosen by the command.
FROM node:20-bookworm AS build
WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY package.json package-lock.json ./
# npm install, not npm ci: see scripts/lib/build.mjs
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# glibc (not Alpine): Temporal's native core bridge ships for glibc.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# Fewer malloc arenas and smaller V8 heaps for the worker and the API (scripts/lib/node-flags.json,
# docker-compose.yml's commands): docs/scaling.md "Memory".
ENV MALLOC_ARENA_MAX=2
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
CMD ["node", "--max-semi-space-size=4", "--max-old-space-size=128", "dist/api/main.js"]
