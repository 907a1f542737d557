/**
 * The shell of the import lease (bridge/import-lease.ts): polls and writes the lease key in the
 * JetStream key-value bucket `lc_bridges`, and says when this bridge starts or stops holding it.
 * The bucket is created when missing (history 1: only the current holder is kept).
 */
import { hostname } from 'node:os';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { ImportLease, type LeaseObservation, type LeaseWrite } from './import-lease.js';

/** The key-value bucket holding the zones' import leases. */
export const LEASE_BUCKET = 'lc_bridges';

/** The lease key of zone `zone` (zone names are valid key tokens: bridge/naming.ts). */
export function leaseKey(zone: string): string {
  return `import.${zone}`;
}

/** What the key's value says (JSON). */
interface LeaseValue {
  /** The holder's unique id. */
  readonly holder: string;
  /** Its peer name and host, for people reading the bucket. */
  readonly name: string;
  readonly host: string;
}

/** Calls the keeper makes. */
export interface LeaseKeeperSink {
  /** This bridge now holds the lease (true) or no longer does (false). */
  changed(held: boolean): void;
  /** A poll ended: the key names `holder` (undefined: free, or not read). */
  polled?(holder: string | undefined): void;
  /** A failure it retries by itself. */
  error(err: Error): void;
}

/** Opens (or creates) the lease bucket. */
export async function openLeaseBucket(nc: NatsConnection, replicas: number): Promise<KV> {
  const kvm = new Kvm(nc);
  try {
    return await kvm.create(LEASE_BUCKET, { history: 1, replicas });
  } catch (err) {
    // It exists with other settings (made by an operator, or another replica count): use it.
    const kv = await kvm.open(LEASE_BUCKET);
    await kv.status().catch(() => {
      throw err;
    });
    return kv;
  }
}

export class LeaseKeeper {
  private pollTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private held = false;
  private closed = false;
  /** The last read failed (said once until one succeeds). */
  private unreachable = false;
  private polling: Promise<void> = Promise.resolve();

  constructor(
    private readonly kv: KV,
    private readonly key: string,
    readonly lease: ImportLease,
    private readonly name: string,
    private readonly sink: LeaseKeeperSink,
  ) {}

  /** Polls now, then every `lease.pollMs`; checks the holder's deadline twice as often. */
  start(): void {
    this.polling = this.poll();
    this.checkTimer = setInterval(() => this.check(), Math.max(1, this.lease.pollMs >> 1));
    this.checkTimer.unref?.();
  }

  /** True while this bridge holds the lease. */
  get isHeld(): boolean {
    return this.held;
  }

  /** Stops polling; gives the lease up (deletes the key) when held, so a standby takes it at its next poll. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.pollTimer);
    clearInterval(this.checkTimer);
    await this.polling;
    const wasHeld = this.lease.isHeld(performance.now());
    this.lease.released();
    this.setHeld(false);
    if (wasHeld) await this.kv.delete(this.key).catch(() => undefined);
  }

  private async poll(): Promise<void> {
    if (this.closed) return;
    try {
      const write = this.lease.observe(performance.now(), await this.read());
      if (!this.closed) await this.write(write);
    } catch (err) {
      this.sink.error(new Error(`import lease ${LEASE_BUCKET}/${this.key}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
    }
    this.check();
    if (this.closed) return;
    this.sink.polled?.(this.unreachable ? undefined : this.lease.holder);
    this.pollTimer = setTimeout(() => (this.polling = this.poll()), this.lease.pollMs);
    this.pollTimer.unref?.();
  }

  private async read(): Promise<LeaseObservation> {
    let e;
    try {
      e = await this.kv.get(this.key);
    } catch (err) {
      // Said once per episode; the lease runs out by itself meanwhile.
      if (!this.unreachable) this.sink.error(new Error(`import lease ${LEASE_BUCKET}/${this.key} cannot be read: ${err instanceof Error ? err.message : String(err)}; retrying`, { cause: err }));
      this.unreachable = true;
      return { kind: 'unreachable' };
    }
    this.unreachable = false;
    if (e === null) return { kind: 'free', revision: 0 };
    if (e.operation !== 'PUT') return { kind: 'free', revision: e.revision };
    let holder = '';
    try {
      holder = String((e.json() as LeaseValue).holder);
    } catch {
      // Not ours to read: a value nobody can renew, taken over once it is ttl old.
    }
    return { kind: 'held', holder, revision: e.revision };
  }

  private async write(w: LeaseWrite): Promise<void> {
    if (w.kind === 'none') return;
    const value = JSON.stringify({ holder: this.lease.me, name: this.name, host: hostname() } satisfies LeaseValue);
    const sent = performance.now();
    try {
      const revision = w.revision === 0 ? await this.kv.create(this.key, value) : await this.kv.update(this.key, value, w.revision);
      this.lease.written(sent, revision);
    } catch (err) {
      // Someone wrote first: not ours. Any other failure: the lease runs out by itself.
      if (isWrongRevision(err)) this.lease.refused();
      else throw err;
    }
  }

  private check(): void {
    if (this.closed) return;
    this.setHeld(this.lease.isHeld(performance.now()));
  }

  private setHeld(held: boolean): void {
    if (held === this.held) return;
    this.held = held;
    this.sink.changed(held);
  }
}

/** A compare-and-set refused: someone wrote the key since the revision given. */
export function isWrongRevision(err: unknown): boolean {
  if (!(err instanceof JetStreamApiError)) return false;
  return err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown;
}
