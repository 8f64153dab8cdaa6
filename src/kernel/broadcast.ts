import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Tx } from '../db/tx.js';
import type { Runtime } from './context.js';

/** The PostgreSQL channel (and Redis channel) every process listens on. */
const CHANNEL = 'carsi_broadcast';
/** NOTIFY payloads are limited to 8000 bytes; what is broadcast is small (ids, role keys). */
const MAX_PAYLOAD_BYTES = 7_900;
const RECONNECT_DELAY_MS = 1_000;

interface Envelope {
  /** Unique per message: the same message may arrive twice (PostgreSQL and Redis). */
  id: string;
  /** The process that sent it, which applied it already when its transaction committed. */
  origin: string;
  topic: string;
  payload: unknown;
}

type Handler = (payload: unknown) => void;

/**
 * Tells every process of the deployment about a committed change that their in-process state must
 * follow at once (a revoked session, a role edited). The message is sent with PostgreSQL's NOTIFY
 * inside the caller's transaction, so it exists exactly when the change does and reaches every
 * process listening on the same database when it commits; with Redis configured it is also
 * published there (for deployments whose connection pooler cannot hold a LISTEN). The sending
 * process applies it itself just after its commit, before the request that caused it is answered.
 *
 * What a process missed while its listening connection was down is not replayed from here: every
 * subscriber has a resync (called on each (re)connection) that reloads its state from its own tables.
 */
export class Broadcast {
  private readonly origin = randomUUID();
  private readonly handlers = new Map<string, Handler[]>();
  private readonly resyncs: (() => Promise<void>)[] = [];
  private readonly seen = new Set<string>();
  private listener: pg.Client | null = null;
  private subscriber: Redis | null = null;
  private publisher: Redis | null = null;
  private started = false;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly runtime: Pick<Runtime, 'config' | 'db' | 'log'>,
    /** Whether to hear PostgreSQL's notifications (tests turn it off to hear only Redis). */
    private readonly options: { listenOnPostgres: boolean } = { listenOnPostgres: true },
  ) {}

  subscribe(topic: string, handler: Handler): void {
    const list = this.handlers.get(topic);
    if (list) list.push(handler);
    else this.handlers.set(topic, [handler]);
  }

  /** Called after every (re)connection of the listening connection, and once at start. */
  onResync(resync: () => Promise<void>): void {
    this.resyncs.push(resync);
  }

  /** Sends `payload` on `topic` when `tx` commits, to this process and every other one. */
  async publish(tx: Tx, topic: string, payload: unknown): Promise<void> {
    const envelope: Envelope = { id: randomUUID(), origin: this.origin, topic, payload };
    const text = JSON.stringify(envelope);
    if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) throw new Error(`broadcast ${topic}: payload too large`);
    await tx.client.query('SELECT pg_notify($1, $2)', [CHANNEL, text]);
    tx.afterCommit(() => {
      this.deliver(envelope);
      this.publisher?.publish(CHANNEL, text).catch((error: unknown) => {
        this.runtime.log.warn({ err: error }, 'broadcast: Redis publish failed');
      });
    });
  }

  /** Opens the listening connection(s) and runs every resync once. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { redisUrl } = this.runtime.config;
    if (redisUrl) {
      const options = { maxRetriesPerRequest: 1, connectTimeout: 2_000 };
      this.publisher = new Redis(redisUrl, options);
      this.subscriber = new Redis(redisUrl, options);
      for (const connection of [this.publisher, this.subscriber]) {
        connection.on('error', (error) => this.runtime.log.warn({ err: error }, 'broadcast: Redis error'));
      }
      this.subscriber.on('message', (_channel: string, text: string) => this.receive(text));
      await this.subscriber.subscribe(CHANNEL).catch((error: unknown) => {
        this.runtime.log.warn(
          { err: error },
          'broadcast: Redis subscribe failed; PostgreSQL alone carries it',
        );
      });
    }
    if (this.options.listenOnPostgres) await this.listen();
    else await this.resync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => {});
    await this.subscriber?.quit().catch(() => {});
    await this.publisher?.quit().catch(() => {});
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.runtime.db.appUrl,
      application_name: 'carsi-broadcast',
    });
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) this.receive(message.payload);
    });
    client.on('error', (error) => {
      this.runtime.log.warn({ err: error }, 'broadcast: listening connection lost; reconnecting');
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.listener = client;
    } catch (error) {
      this.runtime.log.warn({ err: error }, 'broadcast: cannot listen yet; retrying');
      this.reconnect(client);
      return;
    }
    // Whatever happened while no connection listened is read back from the subscribers' tables.
    await this.resync();
  }

  private reconnect(client: pg.Client): void {
    if (this.stopped || (this.listener !== null && this.listener !== client)) return;
    this.listener = null;
    client.end().catch(() => {});
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.listen(), RECONNECT_DELAY_MS);
    this.reconnectTimer.unref();
  }

  private async resync(): Promise<void> {
    for (const resync of this.resyncs) {
      await resync().catch((error: unknown) => {
        this.runtime.log.error({ err: error }, 'broadcast: resync failed');
      });
    }
  }

  private receive(text: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      return;
    }
    if (envelope.origin === this.origin) return;
    this.deliver(envelope);
  }

  private deliver(envelope: Envelope): void {
    if (this.seen.has(envelope.id)) return;
    this.seen.add(envelope.id);
    // Bounded: a message arrives at most twice, within moments of each other.
    if (this.seen.size > 10_000) this.seen.delete(this.seen.values().next().value!);
    for (const handler of this.handlers.get(envelope.topic) ?? []) {
      try {
        handler(envelope.payload);
      } catch (error) {
        this.runtime.log.error({ err: error, topic: envelope.topic }, 'broadcast: handler failed');
      }
    }
  }
}

const broadcasts = new WeakMap<object, Broadcast>();

/** The process's one broadcast for this runtime (started by whoever needs to hear it). */
export function broadcastOf(runtime: Pick<Runtime, 'config' | 'db' | 'log'>): Broadcast {
  let broadcast = broadcasts.get(runtime);
  if (!broadcast) {
    broadcast = new Broadcast(runtime);
    broadcasts.set(runtime, broadcast);
  }
  return broadcast;
}

/** Stops the runtime's broadcast, if one was made. */
export async function stopBroadcast(runtime: object): Promise<void> {
  await broadcasts.get(runtime)?.stop();
}
