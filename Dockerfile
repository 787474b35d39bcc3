# The API and operator image: built once, started as `node dist/api/server.js` or `node dist/operator/main.js`.
# Multi-stage: the build stage compiles TypeScript; the runtime stage has production dependencies only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY core core
COPY api api
COPY operator operator
COPY pipeline-image pipeline-image
COPY models models
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/package.json package.json
COPY core/db/migrations dist/core/db/migrations
USER node
EXPOSE 8080
CMD ["node", "dist/api/server.js"]
