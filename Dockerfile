# Controller image for people who build with a container engine, e.g.
# `docker build -t ghcr.io/kubectl-seal/controller:0.1.0 .`. A release ships the image `npm run image` builds
# without an engine (scripts/build-image.sh, README "The controller image"); test/unit/image-config.test.ts keeps this
# file's runtime configuration (ENV, USER, WORKDIR, EXPOSE, ENTRYPOINT) equal to that script's.

# Build stage: full dependencies, then the controller and its dependencies bundled into one file (the same bytes
# `npm run build` writes). Type checking is `npm run build`'s job: the sources copied here are only the bundle's.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
# .dockerignore lets through only the lockfile, tsconfig.json, the controller's source folders and the bundle script.
COPY . .
RUN node scripts/bundle-controller.ts

# Runtime stage: the bundle only (no node_modules: it is smaller in memory, scripts/bundle-controller.ts says why),
# run as the unprivileged `node` user.
FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
# With any thread script the controller starts beside it (scripts/bundle-controller.ts).
COPY --from=build /app/dist/bundle/ ./dist/bundle/
# Memory under the Deployment's 256Mi limit (manifests/deployment.yaml sets the same): a V8 heap limit instead of
# one sized for the node, and two malloc arenas instead of one per thread.
ENV MALLOC_ARENA_MAX=2 NODE_OPTIONS="--max-old-space-size=160 --max-semi-space-size=2"
# uid 1000 = `node` in the base image; manifests/deployment.yaml runs with runAsUser 1000 and a read-only root.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "dist/bundle/controller.mjs"]
