# Muster in a container: SQLite under /data by default, or PostgreSQL with MUSTER_DATABASE_URL.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
# The admin web app (Vite + React), built into dist/web and served by Muster at /.
COPY web ./web
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
# MUSTER_DATA_DIR: the generated secret key lives in the volume too, also with PostgreSQL.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 MUSTER_DATABASE_URL=/data/muster.sqlite MUSTER_DATA_DIR=/data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY docs ./docs
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
HEALTHCHECK CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
ENTRYPOINT ["node", "bin/muster.js"]
CMD ["serve"]
