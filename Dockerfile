# The API and operator image: one image, started as `node dist/standalone/main.js` (the default: heimdex
# on one machine, embedded services, its stages run in this container) or, as the chart sets the command, `node dist/api/server.js` (the
# cluster API) or `node dist/operator/main.js`. Multi-stage: TypeScript is compiled in
# `build`, production dependencies are installed alone in `deps`, and the runtime stage gets only
# those, the compiled JavaScript and the migrations. Runs as the image's non-root `node` user.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# No ONNX Runtime CUDA binaries here: the API and operator never run a model on a GPU (package.json's
# allowScripts denies onnxruntime-node's download script; the variable also stops it where npm is older).
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY core core
COPY api api
COPY operator operator
COPY pipeline-image pipeline-image
COPY models models
COPY standalone standalone
COPY web web
RUN npm run build && npm run web:build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
# Standalone mode runs every stage in this container, as local processes: ffmpeg/ffprobe for the media stages,
# Tesseract with its Korean and English data for the ocr stage (the same packages as pipeline-image/Dockerfile).
# The cluster API and the operator run none of them.
# hadolint ignore=DL3008
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg tesseract-ocr tesseract-ocr-kor tesseract-ocr-eng \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
# A container's loopback is its own: listen on every interface of it; the published ports decide the rest.
ENV HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/dist dist
# The web app's static files, where dist/api/web.js looks for them.
COPY --from=build /app/web/dist dist/web/dist
COPY package.json package.json
COPY core/db/migrations dist/core/db/migrations
# The tiny test models: standalone mode falls back to them (with a warning) when no real models are mounted.
COPY models/tiny dist/models/tiny
USER 1000:1000
EXPOSE 8080 9090
CMD ["node", "dist/standalone/main.js"]
