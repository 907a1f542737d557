/**
 * Pipelined JetStream publishes: each message goes out with `nc.publish` and a reply subject of
 * its own under one inbox subscription, and its PubAck settles its promise. The NATS client's
 * `js.publish()` makes a request per message (a timer, a subscription entry and a promise
 * each): measured on this machine at 45-90 µs of client CPU per message against 8-13 µs this
 * way (../shared/reference/bridge.md). One sweep timer fails the publishes not acknowledged in
 * `timeoutMs` (the caller retries them with the same `Nats-Msg-Id`).
 */
import { createInbox, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';

/** What JetStream answered to one publish. */
export type PubAckResult = { readonly ok: true; readonly duplicate: boolean; readonly seq: number } | { readonly ok: false; readonly reason: string };

/** A stored publish: whether JetStream had it already, and its stream sequence (the original's for a duplicate; undefined with core NATS). */
export interface Stored {
  readonly duplicate: boolean;
  readonly seq: number | undefined;
}

const decoder = new TextDecoder();

/**
 * Reads a JetStream PubAck (`{"stream":…,"seq":…,"duplicate"?:true}` or `{"error":{…}}`), or a
 * status-only reply (503: no responders, JetStream not reachable). Pure; never throws.
 */
export function parsePubAck(data: Uint8Array, headers: Pick<MsgHdrs, 'hasError' | 'code' | 'description'> | undefined): PubAckResult {
  if (data.byteLength === 0 && headers?.hasError) return { ok: false, reason: `${headers.code} ${headers.description || 'no responders'}` };
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(data));
  } catch {
    return { ok: false, reason: 'the acknowledgement is not JSON' };
  }
  if (typeof body !== 'object' || body === null) return { ok: false, reason: 'the acknowledgement is not an object' };
  const b = body as { error?: { code?: number; description?: string }; stream?: unknown; seq?: unknown; duplicate?: unknown };
  if (b.error !== undefined) return { ok: false, reason: `${b.error.code ?? '?'} ${b.error.description ?? 'JetStream error'}` };
  if (typeof b.stream !== 'string' || typeof b.seq !== 'number') return { ok: false, reason: 'the acknowledgement names no stream and seq' };
  return { ok: true, duplicate: b.duplicate === true, seq: b.seq };
}

interface Waiting {
  readonly resolve: (stored: Stored) => void;
  readonly reject: (err: Error) => void;
  readonly deadlineMs: number;
}

/** Publishes to JetStream without a request per message. */
export class PipelinedPublisher {
  private readonly prefix = createInbox();
  private readonly waiting = new Map<number, Waiting>();
  private readonly sub: Subscription;
  private readonly sweepTimer: NodeJS.Timeout;
  private next = 1;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    this.sub = nc.subscribe(`${this.prefix}.*`, {
      callback: (err, m) => {
        if (err !== null) return;
        const id = Number(m.subject.slice(this.prefix.length + 1));
        const w = this.waiting.get(id);
        if (w === undefined) return; // timed out before: the retry decides
        this.waiting.delete(id);
        const r = parsePubAck(m.data, m.headers);
        if (r.ok) w.resolve({ duplicate: r.duplicate, seq: r.seq });
        else w.reject(new Error(`JetStream refused the message: ${r.reason}`));
      },
    });
    this.sweepTimer = setInterval(() => this.sweep(Date.now()), Math.max(50, Math.min(1000, timeoutMs / 4)));
    this.sweepTimer.unref?.();
  }

  /** Resolves once JetStream stored the message (or had it already). */
  publish(subject: string, data: Uint8Array, headers: MsgHdrs): Promise<Stored> {
    const id = this.next++;
    return new Promise<Stored>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, deadlineMs: Date.now() + this.timeoutMs });
      try {
        this.nc.publish(subject, data, { reply: `${this.prefix}.${id}`, headers });
      } catch (err) {
        this.waiting.delete(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Fails what is still waiting and stops. */
  close(): void {
    clearInterval(this.sweepTimer);
    this.sub.unsubscribe();
    this.sweep(Number.POSITIVE_INFINITY);
  }

  private sweep(nowMs: number): void {
    for (const [id, w] of this.waiting) {
      if (w.deadlineMs > nowMs) continue;
      this.waiting.delete(id);
      w.reject(new Error(`no acknowledgement from JetStream within ${this.timeoutMs} ms`));
    }
  }
}

/**
 * Core NATS publishes (option `engine: 'core'`): no acknowledgement, at most once. A publish
 * resolves once the client took it (`false`: never a duplicate); a closed or failing connection
 * rejects it, and the exporter retries.
 */
const NOT_STORED: Stored = Object.freeze({ duplicate: false, seq: undefined });

export class CorePublisher {
  constructor(private readonly nc: NatsConnection) {}

  publish(subject: string, data: Uint8Array, headers: MsgHdrs): Promise<Stored> {
    try {
      this.nc.publish(subject, data, { headers });
      return Promise.resolve(NOT_STORED);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  close(): void {}
}
