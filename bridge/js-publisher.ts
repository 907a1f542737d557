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
  return quickPubAck(data) ?? parsePubAckJson(data);
}

const STREAM_KEY = bytesOf('{"stream":"');
const DOMAIN_KEY = bytesOf('"domain":"');
const SEQ_KEY = bytesOf('"seq":');
const DUPLICATE_KEY = bytesOf('"duplicate":');
const TRUE = bytesOf('true}');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE = 0x7d;
const COMMA = 0x2c;
const SPACE = 0x20;

function bytesOf(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function startsWithAt(data: Uint8Array, at: number, key: Uint8Array): boolean {
  if (at + key.length > data.length) return false;
  for (let i = 0; i < key.length; i++) if (data[at + i] !== key[i]) return false;
  return true;
}

function skipSpaces(data: Uint8Array, at: number): number {
  while (at < data.length && data[at] === SPACE) at++;
  return at;
}

/** After a string value's opening quote: the index of its closing quote, or -1 (none, or an escape: the slow way). */
function stringEnd(data: Uint8Array, at: number): number {
  while (at < data.length && data[at] !== QUOTE) {
    if (data[at] === BACKSLASH) return -1;
    at++;
  }
  return at < data.length ? at : -1;
}

/**
 * The PubAck as nats-server writes it, read without JSON.parse (a decode, a parse and an object
 * per acknowledgement were a few % of the exporting bridge): 2.9.10 writes
 * `{"stream":"<name>", "seq":<n>}` and `{"stream":"<name>", "seq":<n>,"duplicate": true}`
 * (spaces as shown; any number of them is taken after a comma or a colon), with
 * `"domain":"<d>",` before the seq under a JetStream domain. Anything else (an error, other
 * fields) returns undefined and goes through JSON.parse, as before.
 */
export function quickPubAck(data: Uint8Array): PubAckResult | undefined {
  if (!startsWithAt(data, 0, STREAM_KEY)) return undefined;
  let at = stringEnd(data, STREAM_KEY.length);
  if (at <= STREAM_KEY.length || data[at + 1] !== COMMA) return undefined;
  at = skipSpaces(data, at + 2);
  if (startsWithAt(data, at, DOMAIN_KEY)) {
    at = stringEnd(data, at + DOMAIN_KEY.length);
    if (at === -1 || data[at + 1] !== COMMA) return undefined;
    at = skipSpaces(data, at + 2);
  }
  if (!startsWithAt(data, at, SEQ_KEY)) return undefined;
  at = skipSpaces(data, at + SEQ_KEY.length);
  const digits = at;
  let seq = 0;
  while (at < data.length && data[at] >= 0x30 && data[at] <= 0x39 && at - digits < 16) seq = seq * 10 + (data[at++] - 0x30);
  if (at === digits || !Number.isSafeInteger(seq)) return undefined;
  if (at === data.length - 1 && data[at] === CLOSE) return { ok: true, duplicate: false, seq };
  if (data[at] !== COMMA) return undefined;
  at = skipSpaces(data, at + 1);
  if (!startsWithAt(data, at, DUPLICATE_KEY)) return undefined;
  at = skipSpaces(data, at + DUPLICATE_KEY.length);
  if (at + TRUE.length === data.length && startsWithAt(data, at, TRUE)) return { ok: true, duplicate: true, seq };
  return undefined;
}

function parsePubAckJson(data: Uint8Array): PubAckResult {
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

/** Called once per publish: `err` undefined and `stored` set once JetStream stored it (or had it). */
export type Published<C> = (ctx: C, err: Error | undefined, stored: Stored | undefined) => void;

interface Waiting {
  readonly ctx: unknown;
  readonly done: Published<unknown>;
  readonly deadlineMs: number;
}

/** Publishes to JetStream without a request per message. */
export class PipelinedPublisher {
  private readonly prefix = createInbox();
  private readonly replyPrefix = `${this.prefix}.`;
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
        const id = Number(m.subject.slice(this.replyPrefix.length));
        const w = this.waiting.get(id);
        if (w === undefined) return; // timed out before: the retry decides
        this.waiting.delete(id);
        const r = parsePubAck(m.data, m.headers);
        if (r.ok) w.done(w.ctx, undefined, r);
        else w.done(w.ctx, new Error(`JetStream refused the message: ${r.reason}`), undefined);
      },
    });
    this.sweepTimer = setInterval(() => this.sweep(Date.now()), Math.max(50, Math.min(1000, timeoutMs / 4)));
    this.sweepTimer.unref?.();
  }

  /**
   * Publishes, and calls `done(ctx, …)` once JetStream stored the message (or had it already),
   * or failed (refused, no acknowledgement within the timeout, the connection closed). A
   * callback with a context, not a promise: no promise, executor or reaction per message.
   */
  send<C>(subject: string, data: Uint8Array, headers: MsgHdrs, ctx: C, done: Published<C>): void {
    const id = this.next++;
    this.waiting.set(id, { ctx, done: done as Published<unknown>, deadlineMs: Date.now() + this.timeoutMs });
    try {
      this.nc.publish(subject, data, { reply: this.replyPrefix + id, headers });
    } catch (err) {
      this.waiting.delete(id);
      done(ctx, err instanceof Error ? err : new Error(String(err)), undefined);
    }
  }

  /** Resolves once JetStream stored the message (or had it already). */
  publish(subject: string, data: Uint8Array, headers: MsgHdrs): Promise<Stored> {
    return new Promise<Stored>((resolve, reject) => this.send(subject, data, headers, undefined, (_c, err, stored) => (err === undefined ? resolve(stored!) : reject(err))));
  }

  /**
   * Fails every publish still waiting for its acknowledgement, now (`reason` in the error); an
   * acknowledgement coming for one of them later is ignored. For the exporter when a publish
   * failed: those sent before it may have gone to a stream leader that died and will never be
   * answered, and waiting their timeout while newer ones are stored would store them after.
   */
  failWaiting(reason: string): void {
    for (const [id, w] of this.waiting) {
      this.waiting.delete(id);
      w.done(w.ctx, new Error(reason), undefined);
    }
  }

  /** Fails what is still waiting and stops. */
  close(): void {
    clearInterval(this.sweepTimer);
    this.sub.unsubscribe();
    this.sweep(Number.POSITIVE_INFINITY, 'the bridge closed before JetStream acknowledged it');
  }

  private sweep(nowMs: number, reason = `no acknowledgement from JetStream within ${this.timeoutMs} ms`): void {
    for (const [id, w] of this.waiting) {
      if (w.deadlineMs > nowMs) continue;
      this.waiting.delete(id);
      w.done(w.ctx, new Error(reason), undefined);
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

  send<C>(subject: string, data: Uint8Array, headers: MsgHdrs, ctx: C, done: Published<C>): void {
    try {
      this.nc.publish(subject, data, { headers });
    } catch (err) {
      done(ctx, err instanceof Error ? err : new Error(String(err)), undefined);
      return;
    }
    // Later, as a promise's reaction would be: the caller's bookkeeping after send() comes first.
    queueMicrotask(() => done(ctx, undefined, NOT_STORED));
  }

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
