# kcm-chatops: one image for the bot and the worker (compose chooses the command).
# Build: docker build -t kcm-chatops .
# BASE: the official Node LTS image; another one with Node >= 20 and a `node`
# user works too (npm run test:deploy builds one from Debian's packages
# where no image registry is reachable).
ARG BASE=node:24-bookworm-slim
FROM ${BASE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
RUN npm run build && npm prune --omit=dev

FROM ${BASE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The host helper, which `kcm-chatops host-helper` prints and `doctor` compares by sha256.
COPY host ./host
# The inventory and the SSH key are mounted read-only at run time (see docker-compose.yml).
USER node
CMD ["node", "dist/src/bot.js"]
