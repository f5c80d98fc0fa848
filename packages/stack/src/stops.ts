import type { Config, Logger } from "@localex/common";
import { startEmbeddedPostgres } from "./embedded-postgres.ts";

/** What a starting graph has started, stopped last first; a stop that fails is logged and the rest still run. */
export class Stops {
  private readonly stops: (() => Promise<void>)[] = [];

  constructor(private readonly log: Logger) {}

  add(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }

  async stopAll(): Promise<void> {
    for (const stop of this.stops.splice(0).reverse()) await stop().catch((e: unknown) => this.log.error({ err: e }, "stop failed"));
  }
}

/** DATABASE_URL, or the embedded PostgreSQL, started now and stopped with the rest. */
export async function graphDatabaseUrl(config: Config, log: Logger, stops: Stops): Promise<string> {
  if (config.database.url) return config.database.url;
  const embedded = await startEmbeddedPostgres(config.app.dataDir, config.database.embeddedPort, log);
  stops.add(embedded.stop);
  return embedded.url;
}
