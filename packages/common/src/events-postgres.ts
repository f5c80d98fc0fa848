import { EventEmitter } from "node:events";
import pg from "pg";
import postgres from "postgres";
import type { Changed, Topic } from "./contracts.ts";
import type { DeliveryState, EventBus } from "./events.ts";
import { keepRetained } from "./events-retained.ts";
import type { Logger } from "./logger.ts";

/** Every process of one graph listens on this one channel; the topic travels in the payload. */
const CHANNEL = "localex_events";
/** PostgreSQL refuses a NOTIFY payload of 8 000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7_900;
const RECONNECT_MAX_MS = 5_000;

/**
 * Fan-out between the processes of one graph through its PostgreSQL (LISTEN/NOTIFY), for a graph
 * run as several processes without Redis (`pnpm start` on a machine with several cores, or
 * `pnpm serve` without REDIS_URL). Topics are not channels: a channel is an identifier of at most
 * 63 bytes, shorter than `user:<uuid>:notifications` with a prefix, so every event goes on one
 * channel and each process hands it to its own subscribers. Retained ids live in a table.
 */
export class PostgresEventBus implements EventBus {
  readonly carrier = "the database's LISTEN/NOTIFY";
  /** One connection, so this process's events are published in the order they were sent. */
  private readonly sql: postgres.Sql;
  private readonly local = new EventEmitter().setMaxListeners(0);
  private readonly deliveryChanges = new EventEmitter().setMaxListeners(0);
  private listener: pg.Client | undefined;
  private listening = false;
  private interrupted = false;
  private closing = false;
  /** Resolves once this process first hears the channel: a subscribe resolves no earlier. */
  private readonly firstListen: Promise<void>;
  /** Made on first use, and tried again on the next use if the database was away. */
  private retainedTable: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly prefix: string,
    private readonly log?: Logger,
  ) {
    this.sql = postgres(url, { max: 1, onnotice: () => {}, connection: { application_name: "localex events" } });
    this.firstListen = this.listen(100);
  }

  publish<P>(topic: Topic<P>, payload: NoInfer<P>): void {
    const message = JSON.stringify({ t: this.prefix + topic, p: payload });
    if (Buffer.byteLength(message) > MAX_PAYLOAD_BYTES) {
      this.log?.warn({ topic, bytes: Buffer.byteLength(message) }, "an event too large for PostgreSQL was not published");
      return;
    }
    this.sql`select pg_notify(${CHANNEL}, ${message})`.catch((err: unknown) => {
      this.log?.warn({ err, topic }, "an event was not published; live subscribers miss it (the change itself is saved)");
    });
  }

  /**
   * Kept and announced in one statement (NOTIFY is sent at its commit), tried again while the
   * database is away and the id still matters, as the Redis bus does.
   */
  publishRetained(topic: Topic<Changed>, id: string, ttlSeconds: number): Promise<void> {
    const key = this.prefix + topic;
    const until = new Date(Date.now() + ttlSeconds * 1000);
    const message = JSON.stringify({ t: key, p: { id } });
    const retained = { topic, until: until.getTime(), carrier: "the database", closing: () => this.closing, log: this.log };
    return keepRetained(retained, async () => {
      await this.ensureRetainedTable();
      await this.sql`
        with kept as (
          insert into localex_events.retained (topic, id, until) values (${key}, ${id}, ${until})
          on conflict (topic, id) do update set until = greatest(retained.until, excluded.until)
        ), expired as (
          delete from localex_events.retained where until <= now()
        )
        select pg_notify(${CHANNEL}, ${message})`;
    });
  }

  async recent(topic: Topic<Changed>): Promise<string[]> {
    await this.ensureRetainedTable();
    const rows = await this.sql<{ id: string }[]>`
      select id from localex_events.retained where topic = ${this.prefix + topic} and until > now() order by id`;
    return rows.map((r) => r.id);
  }

  async subscribe<P>(topic: Topic<P>, listener: (payload: P) => void) {
    await this.firstListen;
    const key = this.prefix + topic;
    this.local.on(key, listener);
    return async () => {
      this.local.off(key, listener);
    };
  }

  connected(): boolean {
    return this.listening;
  }

  onDeliveryChange(listener: (state: DeliveryState) => void): () => void {
    this.deliveryChanges.on("change", listener);
    return () => void this.deliveryChanges.off("change", listener);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.deliveryChanges.removeAllListeners();
    this.local.removeAllListeners();
    const listener = this.listener;
    this.listener = undefined;
    await Promise.all([listener?.end().catch(() => {}), this.sql.end({ timeout: 1 })]);
  }

  /** Its own schema, so no subgraph's migrations own it; made once, whichever process is first. */
  private ensureRetainedTable(): Promise<void> {
    this.retainedTable ??= this.createRetainedTable().catch((err: unknown) => {
      this.retainedTable = undefined;
      throw err;
    });
    return this.retainedTable;
  }

  private async createRetainedTable(): Promise<void> {
    await this.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext('localex_events'))`;
      await tx`create schema if not exists localex_events`;
      await tx`create table if not exists localex_events.retained (
        topic text not null, id text not null, until timestamptz not null, primary key (topic, id))`;
    });
  }

  /**
   * Connects a client of its own (LISTEN holds its connection for good), and again whenever it is
   * lost, backing off, until the bus closes. Resolves once the first LISTEN is in place.
   */
  private listen(retryMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const attempt = (delayMs: number) => {
        if (this.closing) return resolve();
        // Named with the prefix: an operator (or a test) tells one deployment's listeners from another's.
        const client = new pg.Client({ connectionString: this.url, application_name: `localex events listener ${this.prefix}`.slice(0, 63) });
        let lost = false;
        const onLost = (err?: unknown) => {
          if (lost) return;
          lost = true;
          client.removeAllListeners("notification");
          client.end().catch(() => {});
          if (this.listener === client) this.listener = undefined;
          this.listening = false;
          if (this.closing) return resolve();
          if (!this.interrupted) {
            this.interrupted = true;
            this.log?.warn({ err }, "the events listener lost its database connection; live events resume when it reconnects");
            this.deliveryChanges.emit("change", "interrupted");
          }
          setTimeout(() => attempt(Math.min(delayMs * 2, RECONNECT_MAX_MS)), delayMs).unref();
        };
        client.on("error", onLost);
        client.on("end", () => onLost());
        client.on("notification", (message) => this.deliver(message.payload));
        client
          .connect()
          .then(() => client.query(`listen ${CHANNEL}`))
          .then(
            () => {
              if (lost) return;
              if (this.closing) {
                void client.end().catch(() => {});
                return resolve();
              }
              this.listener = client;
              this.listening = true;
              if (this.interrupted) {
                this.interrupted = false;
                this.log?.info("the events listener is back; live events are delivered again");
                this.deliveryChanges.emit("change", "resumed");
              }
              resolve();
            },
            (err: unknown) => onLost(err),
          );
      };
      attempt(retryMs);
    });
  }

  private deliver(message: string | undefined): void {
    if (!message) return;
    let event: { t?: unknown; p?: unknown };
    try {
      event = JSON.parse(message) as { t?: unknown; p?: unknown };
    } catch {
      return; // not ours: anything connected to the database may notify the channel
    }
    if (typeof event.t === "string") this.local.emit(event.t, event.p);
  }
}
