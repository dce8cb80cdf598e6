# syntax=docker/dockerfile:1
# Portcullis: docker build -t portcullis . && docker run -p 8080:8080 -v portcullis-data:/app/data portcullis
# Mount your own config/ and policies/ over the defaults (config/ must stay writable by uid 10001
# if the first-run set-up link is to write config/users.yaml).

# ---- build: TypeScript, better-sqlite3's native addon, then only the runtime dependencies ----
# Node.js 24: the active LTS line (since October 2025, supported until April 2028). Node 20 reached
# its end of life in April 2026 and Node 22 is in maintenance until April 2027; the code runs on
# 20.12 and later, so `npm install` on a host's own Node works too (README, "Node.js versions").
FROM node:24-bookworm-slim AS build
# node-gyp needs these when no prebuilt better-sqlite3 binary can be fetched
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts are skipped here because `prepare` would build before the sources are copied;
# better-sqlite3's install script (prebuilt binary, else node-gyp) is then run on its own.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# ---- runtime ----
FROM node:24-bookworm-slim
ENV NODE_ENV=production
RUN groupadd --system --gid 10001 portcullis \
  && useradd --system --uid 10001 --gid portcullis --home-dir /app --no-create-home --shell /usr/sbin/nologin portcullis
WORKDIR /app
# code and dependencies stay root-owned (read-only to the gateway)
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY policies ./policies
# defaults; config/ is writable so the set-up link can create config/users.yaml
COPY --chown=portcullis:portcullis config ./config
RUN mkdir -p /app/data && chown portcullis:portcullis /app/data
USER portcullis
# sqlite database and signing keys (config/gateway.yaml: sqlite:../data/..., data_dir default ../data/)
VOLUME /app/data
# 8080: the gateway; 9090: admin (metrics, health) — listens on 127.0.0.1 in the default config
EXPOSE 8080 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9090/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/main.js"]
CMD ["start", "--config", "config/gateway.yaml"]
