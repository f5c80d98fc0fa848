# One image for every piece of the graph; docker-compose picks the piece with `pnpm serve <name>`.
FROM node:24-slim
WORKDIR /app
RUN npm install -g pnpm@12
COPY . .
RUN pnpm install --frozen-lockfile
ENV NODE_ENV=production HOST=0.0.0.0
ENTRYPOINT ["pnpm", "serve"]
CMD ["gateway"]
