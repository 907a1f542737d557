/**
 * The ledger of one peer: its sent messages per stream (for NAKs after a restart), the newest
 * sequence ever used per stream, the positions of its durable subscriptions, and the meta
 * record. Reads are synchronous; writes are queued into lmdb's batched asynchronous commits.
 * See `storage/index.ts` for the schema and what each durability mode can lose.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { removeTempLedger, tempLedgerPath } from './temp-ledger.js';
import { LedgerError } from '../errors.js';
import { streamKey } from '../codecs/frame.js';
import { prepareLedgerDirectory, type LedgerStoreDeps, type PreparedLedger } from './ledger-open.js';
import {
  LEDGER_MAGIC,
  LEDGER_SCHEMA_VERSION,
  META_KEY,
  ledgerEnvOptions,
  tempLedgerEnvOptions,
  openLedgerDatabases,
  type LedgerDatabases,
  type LedgerMeta,
} from './ledger-schema.js';
import type { LedgerScan } from './ledger-scan.js';
import type { LedgerCounters } from './ledger-counters.js';

export type { LedgerCounters } from './ledger-counters.js';
import { ledgerNameProblem, resolveLedgerStoreOptions, type LedgerStoreOptions, type ResolvedLedgerStoreOptions } from './options.js';
import { decodeSentRecord, encodeSentRecord, type LedgerMessage } from './sent-record.js';
import { deleteOldest, trimStream, type StreamState } from './stream-retention.js';
import { WriteSettler } from './write-settler.js';

/** What `open` found and did; see {@link LedgerStore.recovery}. */
export interface LedgerRecovery {
  /** No ledger existed at `path` (or it was moved aside): a new one was created. */
  readonly created: boolean;
  /** The previous file was damaged and moved aside: no `highSeq` survived, `seqFloor` was set. */
  readonly freshAfterDamage: boolean;
  readonly damagedMovedTo?: string;
  readonly damageReason?: string;
  /** The previous run ended without `close()` (a crash or `process.exit`). */
  readonly uncleanShutdown: boolean;
  /** The peer lock of a dead process was taken over. */
  readonly lockTakenOver: boolean;
  /** Streams whose `highSeq` this open raised, from → to (scan repair or unclean `'async'` skip). */
  readonly raised: Readonly<Record<string, { readonly from: number; readonly to: number }>>;
  readonly repairs: readonly string[];
  readonly verifyMs: number;
  readonly scanMs: number;
  /** The recovery scan ran on a piscina worker thread (see `scanInWorkerMinBytes`). */
  readonly scanInWorker: boolean;
}

/** What {@link LedgerStore.applyRetention} and {@link LedgerStore.discardThrough} deleted. */
export interface RetentionResult {
  readonly messagesDeleted: number;
  readonly bytesDeleted: number;
  readonly streamsTrimmed: number;
}

/** {@link LedgerStore.stats}. */
export interface LedgerStats {
  readonly streams: number;
  readonly messages: number;
  /** Stored record bytes of all held messages. */
  readonly bytes: number;
  /** Size of `data.mdb` (LMDB reuses freed pages: the file plateaus, it does not shrink). */
  readonly fileBytes: number;
  readonly durablePositions: number;
  readonly counters: Readonly<LedgerCounters>;
}

const U32_MAX = 0xffffffff;
/** Numbering entries remembered as written (cleared when full: then written again once each). */
const MAX_NUMBERING_CACHE = 65_536;

/**
 * The ledger store (the only user of lmdb in ledgecast). Open with {@link LedgerStore.open};
 * use from the one thread that opened it.
 *
 * Bounded: sent messages per stream by `retention` (count, bytes, age); in memory one small
 * record per stream ever used (streams are bounded by the sender's `maxStreams`) and nothing
 * per message; on disk additionally one record per stream (`highSeq`, kept forever so numbers
 * are never reused) and one per (durable subscription, stream), dropped by `removeDurable`.
 * LMDB reuses freed pages, so the file plateaus at about the retained data and does not shrink.
 */
export class LedgerStore {
  private readonly streams = new Map<string, StreamState>();
  /** `durable\0sender\0subject` → the incarnation last written to `ledgecast.numbering`. */
  private readonly numberingWritten = new Map<string, number>();
  private readonly counters: LedgerCounters = {
    appendCalls: 0,
    messagesAppended: 0,
    bytesAppended: 0,
    messagesDeleted: 0,
    bytesDeleted: 0,
    flushWaits: 0,
    writeErrors: 0,
  };
  private readonly writes: WriteSettler;
  /** {@link WriteSettler.watch}, for the retention's removals. */
  private readonly watch = (committed: Promise<boolean>): void => this.writes.watch(committed);
  private closing: Promise<void> | undefined;
  /** A temporary ledger's file (storage/temp-ledger.ts), removed at close; undefined for a ledger with a path. */
  private tempPath: string | undefined;

  private constructor(
    private readonly o: ResolvedLedgerStoreOptions,
    private readonly env: RootDatabase,
    private readonly dbs: LedgerDatabases,
    private meta: LedgerMeta,
    private readonly prepared: PreparedLedger | undefined,
    /** What open found and did. */
    readonly recovery: LedgerRecovery,
  ) {
    this.writes = new WriteSettler(env, o.durability, o.maxUnflushedPerStream, this.counters, o.path ?? '(temporary)', prepared?.dir);
  }

  /**
   * Opens (or creates) the ledger. Throws `LedgerError` when another live process holds it under
   * the same peer name, when it is already open in this process, when it belongs to another
   * peer name or schema version, when `path` holds a foreign LMDB database, and (with
   * `onDamaged: 'refuse'`) when its file is damaged, truncated or not LMDB.
   */
  static async open(options: LedgerStoreOptions, deps: LedgerStoreDeps = {}): Promise<LedgerStore> {
    const o = resolveLedgerStoreOptions(options);
    const persistent = o.path !== undefined && o.durability !== 'none';
    const prepared = persistent ? await prepareLedgerDirectory(o, deps) : undefined;
    let env: RootDatabase | undefined;
    const tempPath = prepared === undefined ? tempLedgerPath() : undefined;
    try {
      env = open(tempPath !== undefined ? tempLedgerEnvOptions(tempPath) : ledgerEnvOptions(prepared!.dir, o.durability));
      const dbs = openLedgerDatabases(env, true) as LedgerDatabases;
      const scan: Extract<LedgerScan, { kind: 'empty' | 'ledger' }> = prepared?.scan ?? { kind: 'empty' };
      const store = LedgerStore.initialize(o, env, dbs, scan, prepared, (deps.wallClockMs ?? Date.now)());
      store.tempPath = tempPath;
      await env.flushed; // the new incarnation must be on disk before anyone announces it
      return store;
    } catch (err) {
      await env?.close().catch(() => undefined);
      removeTempLedger(tempPath);
      prepared?.release();
      throw err instanceof LedgerError ? err : new LedgerError(`ledger ${o.path ?? '(temporary)'}: open failed: ${(err as Error).message}`, { cause: err });
    }
  }

  private static initialize(
    o: ResolvedLedgerStoreOptions,
    env: RootDatabase,
    dbs: LedgerDatabases,
    scan: Extract<LedgerScan, { kind: 'empty' | 'ledger' }>,
    prepared: PreparedLedger | undefined,
    nowMs: number,
  ): LedgerStore {
    const old = scan.kind === 'ledger' ? scan.meta : undefined;
    // After a crash of an 'async' run, up to maxUnflushedPerStream sequences per stream may
    // have reached the wire without reaching the disk: skip them (see storage/index.ts).
    const unclean = old !== undefined && !old.cleanClose;
    const skip = unclean && old.durability === 'async' ? old.maxUnflushedPerStream : 0;
    const meta: LedgerMeta = {
      magic: LEDGER_MAGIC,
      schemaVersion: LEDGER_SCHEMA_VERSION,
      peerName: o.peerName,
      incarnation: old === undefined ? 1 : nextU32(old.incarnation),
      seqFloor: (old?.seqFloor ?? prepared?.seqFloorAfterDamage ?? 0) + skip,
      createdAtMs: old?.createdAtMs ?? nowMs,
      cleanClose: false,
      durability: o.durability,
      maxUnflushedPerStream: o.maxUnflushedPerStream,
    };
    const raised: Record<string, { from: number; to: number }> = {};
    const store = new LedgerStore(o, env, dbs, meta, prepared, {
      created: old === undefined,
      freshAfterDamage: prepared?.damagedMovedTo !== undefined,
      ...(prepared?.damagedMovedTo !== undefined ? { damagedMovedTo: prepared.damagedMovedTo } : {}),
      ...(prepared?.damageReason !== undefined ? { damageReason: prepared.damageReason } : {}),
      uncleanShutdown: unclean,
      lockTakenOver: prepared?.lock.tookOver ?? false,
      raised,
      repairs: scan.kind === 'ledger' ? scan.repairs : [],
      verifyMs: prepared?.verifyMs ?? 0,
      scanMs: prepared?.scanMs ?? 0,
      scanInWorker: prepared?.scanInWorker ?? false,
    });
    env.transactionSync(() => {
      for (const s of scan.kind === 'ledger' ? scan.streams : []) {
        const highSeq = s.highSeq + skip;
        if (highSeq !== s.storedHighSeq) {
          raised[s.subject] = { from: s.storedHighSeq, to: highSeq };
          dbs.streams.putSync(s.subject, highSeq);
        }
        store.streams.set(s.subject, {
          highSeq,
          lowSeq: s.messages > 0 ? s.lowSeq : highSeq + 1,
          messages: s.messages,
          bytes: s.bytes,
          oldestSentAtMs: s.oldestSentAtMs,
          flushedSeq: highSeq,
          flushWatched: false,
        });
      }
      dbs.meta.putSync(META_KEY, meta);
    });
    return store;
  }

  /** This open's incarnation (persisted; 1 for a new ledger, then +1 per open, u32 wrapping to 1). */
  get incarnation(): number {
    return this.meta.incarnation;
  }

  /**
   * Every stream resumes above `max(highSeqs()[subject] ?? 0, seqFloor)`; a subject not in
   * `highSeqs()` starts at `seqFloor + 1`. 0 for a ledger that never lost anything.
   */
  get seqFloor(): number {
    return this.meta.seqFloor;
  }

  /** True when this ledger replaced a damaged one: its sequences start a new epoch above `seqFloor`. */
  get freshAfterDamage(): boolean {
    return this.recovery.freshAfterDamage;
  }

  /**
   * Stores sent messages of `subject`, in strictly increasing `seq` order, each above the
   * stream's `highSeq` (or above `seqFloor` for a new stream). Resolves, per durability:
   * `'sync'` once committed and flushed to disk; `'async'` at once, unless the stream is more
   * than `maxUnflushedPerStream` sequences ahead of the disk (then once flushed); `'none'` at
   * once. Trims the stream to its count and byte bounds. Throws `LedgerError` synchronously on
   * bad input (nothing is stored then); rejects with `LedgerError` if a commit failed.
   *
   * Contract for the restart rules to hold: call it before the messages go on the wire, and
   * put them on the wire only once the promise resolved (in `'async'` mode that is at once,
   * except when the unflushed bound is reached).
   */
  appendSent(subject: string, messages: readonly LedgerMessage[]): Promise<void> {
    this.checkUsable();
    this.checkName('subject', subject);
    if (messages.length === 0) return Promise.resolve();
    const st = this.streams.get(subject);
    let prev = Math.max(st?.highSeq ?? 0, this.meta.seqFloor);
    for (const m of messages) {
      if (!Number.isSafeInteger(m.seq) || m.seq <= prev) {
        throw new LedgerError(
          `appendSent(${JSON.stringify(subject)}): seq ${m.seq} must be a safe integer above ${prev} ` +
            `(sequence numbers only grow and are never reused)`,
        );
      }
      if (!Number.isInteger(m.flags) || m.flags < 0 || m.flags > 255) throw new LedgerError(`appendSent: flags ${m.flags} is not a byte`);
      if (!Number.isFinite(m.sentAtMs)) throw new LedgerError(`appendSent: sentAtMs ${m.sentAtMs} is not a finite number`);
      if (!(m.payload instanceof Uint8Array)) throw new LedgerError('appendSent: payload must be a Uint8Array');
      if (m.replyTo !== undefined && (typeof m.replyTo !== 'string' || Buffer.byteLength(m.replyTo, 'utf8') > 0xffff)) {
        throw new LedgerError('appendSent: replyTo must be a string of at most 65535 UTF-8 bytes');
      }
      prev = m.seq;
    }
    const s: StreamState = st ?? {
      highSeq: this.meta.seqFloor,
      lowSeq: messages[0].seq,
      messages: 0,
      bytes: 0,
      oldestSentAtMs: Number.NaN,
      flushedSeq: this.meta.seqFloor,
      flushWatched: false,
    };
    if (st === undefined) this.streams.set(subject, s);
    if (s.messages === 0) {
      s.lowSeq = messages[0].seq;
      s.oldestSentAtMs = messages[0].sentAtMs;
    }
    let committed: Promise<boolean> | undefined;
    for (const m of messages) {
      const value = encodeSentRecord(m);
      committed = this.dbs.sent.put([subject, m.seq], value);
      this.writes.watch(committed); // once per batch promise: the settler skips the one it watches
      s.messages++;
      s.bytes += value.byteLength;
      this.counters.bytesAppended += value.byteLength;
    }
    s.highSeq = prev;
    committed = this.dbs.streams.put(subject, prev);
    this.counters.appendCalls++;
    this.counters.messagesAppended += messages.length;
    trimStream(this.dbs.sent, subject, s, this.o.retention, undefined, this.counters, this.watch);
    return this.writes.settle(committed, s);
  }

  /**
   * Held messages of `subject` with `from <= seq <= to`, oldest first, at most `maxMessages`
   * (range and count may come from the wire: both are clamped, the count to 1e6). Sees committed writes only:
   * an append is visible once its batch commits (the next event turn, typically).
   */
  getSent(subject: string, from: number, to: number, maxMessages: number): LedgerMessage[] {
    this.checkUsable();
    const st = this.streams.get(subject);
    const limit = Math.min(Math.max(0, Math.floor(maxMessages)) || 0, 1_000_000);
    if (st === undefined || st.messages === 0 || limit === 0 || !(from <= to)) return [];
    const start = Math.max(st.lowSeq, Math.ceil(from));
    const end = Math.min(st.highSeq, Math.floor(to));
    if (start > end) return [];
    const out: LedgerMessage[] = [];
    for (const { key, value } of this.dbs.sent.getRange({ start: [subject, start], end: [subject, end], inclusiveEnd: true, limit })) {
      const m = decodeSentRecord(key[1], value);
      if (m !== undefined) out.push(m);
    }
    return out;
  }

  /** Newest sequence ever used per stream (what the sequence generator resumes from). */
  highSeqs(): Record<string, number> {
    return Object.fromEntries([...this.streams].map(([subject, s]) => [subject, s.highSeq]));
  }

  /** No message of `subject` below this is held (`highSeq + 1` when none is held; `seqFloor + 1` for an unknown stream). */
  lowSeq(subject: string): number {
    const st = this.streams.get(subject);
    if (st === undefined) return this.meta.seqFloor + 1;
    return st.messages > 0 ? st.lowSeq : st.highSeq + 1;
  }

  /** Wall-clock `sentAtMs` of the oldest message of `subject` held; NaN when none is held or it is unknown. */
  oldestSentAtMs(subject: string): number {
    const st = this.streams.get(subject);
    return st !== undefined && st.messages > 0 ? st.oldestSentAtMs : Number.NaN;
  }

  /**
   * Records the last delivered (or confirmed) `seq` of stream (`senderName`, `subject`) for
   * durable subscription `durableName`; with `incarnation`, the sender incarnation whose
   * numbering `seq` counts in (written only when it changed).
   */
  setDelivered(durableName: string, senderName: string, subject: string, seq: number, incarnation?: number): Promise<void> {
    const put = this.putDurableSeq('setDelivered', this.dbs.delivered, durableName, senderName, subject, seq, 0);
    if (incarnation !== undefined) this.putNumbering(durableName, senderName, subject, incarnation);
    return put;
  }

  /**
   * The sender restarted without its ledger and numbers stream (`senderName`, `subject`) again
   * under `incarnation`: durable subscription `durableName` has confirmed and been handed
   * nothing of the new numbering.
   */
  renumberDurable(durableName: string, senderName: string, subject: string, incarnation: number): Promise<void> {
    const put = this.putDurableSeq('renumberDurable', this.dbs.delivered, durableName, senderName, subject, 0, 0);
    this.writes.watch(this.dbs.handed.remove([durableName, senderName, subject]));
    this.putNumbering(durableName, senderName, subject, incarnation);
    return put;
  }

  /** The incarnation whose numbering each position of `durableName` counts in, keyed by `streamKey(senderName, subject)` (positions written before it was kept have none). */
  getNumbering(durableName: string): Map<string, number> {
    this.checkUsable();
    return this.durableRange(this.dbs.numbering, durableName);
  }

  private putNumbering(durableName: string, senderName: string, subject: string, incarnation: number): void {
    if (!Number.isInteger(incarnation) || incarnation < 0 || incarnation > U32_MAX) throw new LedgerError(`incarnation ${incarnation} must be a u32`);
    const key = `${durableName}\u0000${senderName}\u0000${subject}`;
    if (this.numberingWritten.get(key) === incarnation) return;
    if (this.numberingWritten.size >= MAX_NUMBERING_CACHE) this.numberingWritten.clear();
    this.numberingWritten.set(key, incarnation);
    this.writes.watch(this.dbs.numbering.put([durableName, senderName, subject], incarnation));
  }

  /** Positions of durable subscription `durableName`, keyed by `streamKey(senderName, subject)`. */
  getDelivered(durableName: string): Map<string, number> {
    this.checkUsable();
    return this.durableRange(this.dbs.delivered, durableName);
  }

  /**
   * Records that durable subscription `durableName` handed messages of stream (`senderName`,
   * `subject`) up to `seq` to the application (delivered, perhaps not confirmed): after a restart,
   * those above the confirmed position come again marked `redelivered`.
   */
  setHanded(durableName: string, senderName: string, subject: string, seq: number): Promise<void> {
    return this.putDurableSeq('setHanded', this.dbs.handed, durableName, senderName, subject, seq, 1);
  }

  /**
   * {@link setHanded} for a mark written before the messages it covers are handed: resolves once
   * committed (and flushed, with `'sync'`), in every durability mode.
   */
  markHanded(durableName: string, senderName: string, subject: string, seq: number): Promise<void> {
    return this.putDurableSeq('markHanded', this.dbs.handed, durableName, senderName, subject, seq, 1, true);
  }

  /** Validates and writes one (durable, stream) → seq entry of `db`. */
  private putDurableSeq(
    what: string,
    db: Database<number, [string, string, string]>,
    durableName: string,
    senderName: string,
    subject: string,
    seq: number,
    minSeq: number,
    committed = false,
  ): Promise<void> {
    this.checkUsable();
    this.checkName('durableName', durableName);
    this.checkName('senderName', senderName);
    this.checkName('subject', subject);
    if (!Number.isSafeInteger(seq) || seq < minSeq) throw new LedgerError(`${what}: seq ${seq} must be a safe integer >= ${minSeq}`);
    const put = db.put([durableName, senderName, subject], seq);
    return committed ? this.writes.settleCommitted(put) : this.writes.settle(put, undefined);
  }

  /** The highest seqs durable subscription `durableName` handed to the application, keyed by `streamKey(senderName, subject)`. */
  getHanded(durableName: string): Map<string, number> {
    this.checkUsable();
    return this.durableRange(this.dbs.handed, durableName);
  }

  /**
   * Records that durable subscription `durableName` exists (from its first opening, before it
   * holds any position): opened again, it has been subscribed since then, not since this start.
   * Kept in `ledgecast.handed` under `[durableName, '', '']` (no stream has an empty sender
   * name), so a ledger written by an earlier build needs no new version; `removeDurable` drops it.
   */
  markDurable(durableName: string): Promise<void> {
    this.checkUsable();
    this.checkName('durableName', durableName);
    return this.writes.settle(this.dbs.handed.put([durableName, '', ''], 0), undefined);
  }

  /** Whether durable subscription `durableName` was opened before (see {@link markDurable}). */
  isDurableMarked(durableName: string): boolean {
    this.checkUsable();
    return this.dbs.handed.get([durableName, '', '']) !== undefined;
  }

  private durableRange(db: Database<number, [string, string, string]>, durableName: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const { key, value } of db.getRange({ start: [durableName] as unknown as [string, string, string] })) {
      if (key[0] !== durableName) break;
      if (key[1] === '') continue; // the mark of markDurable, not a stream
      out.set(streamKey(key[1], key[2]), value);
    }
    return out;
  }

  /** Forgets every position of `durableName` (an abandoned durable subscription); returns how many. */
  async removeDurable(durableName: string): Promise<number> {
    this.checkUsable();
    let n = 0;
    let last: Promise<boolean> | undefined;
    for (const key of this.dbs.delivered.getKeys({ start: [durableName] as unknown as [string, string, string] })) {
      if (key[0] !== durableName) break;
      last = this.dbs.delivered.remove(key);
      this.writes.watch(last);
      n++;
    }
    for (const key of this.dbs.handed.getKeys({ start: [durableName] as unknown as [string, string, string] })) {
      if (key[0] !== durableName) break;
      last = this.dbs.handed.remove(key);
      this.writes.watch(last);
    }
    for (const key of this.dbs.numbering.getKeys({ start: [durableName] as unknown as [string, string, string] })) {
      if (key[0] !== durableName) break;
      last = this.dbs.numbering.remove(key);
      this.writes.watch(last);
    }
    for (const k of this.numberingWritten.keys()) if (k.startsWith(`${durableName}\u0000`)) this.numberingWritten.delete(k);
    if (last !== undefined) await this.writes.settle(last, undefined);
    return n;
  }

  /**
   * Bumps and persists the incarnation (committed before returning; flushed with the next
   * flush). `open` already did this once; call it only for a new incarnation without reopening.
   */
  nextIncarnation(): number {
    this.checkUsable();
    this.meta = { ...this.meta, incarnation: nextU32(this.meta.incarnation) };
    this.dbs.meta.putSync(META_KEY, this.meta);
    return this.meta.incarnation;
  }

  /**
   * Deletes, per stream, the oldest messages beyond `maxMessagesPerStream` and
   * `maxBytesPerStream` and those sent before `nowMs - maxAgeMs` (wall clock, as `sentAtMs`).
   * A stream idle for `maxAgeMs` thus ends up holding nothing but its `highSeq` record.
   */
  applyRetention(nowMs: number): RetentionResult {
    this.checkUsable();
    const before = { m: this.counters.messagesDeleted, b: this.counters.bytesDeleted };
    let streamsTrimmed = 0;
    for (const [subject, s] of this.streams) if (trimStream(this.dbs.sent, subject, s, this.o.retention, nowMs, this.counters, this.watch) > 0) streamsTrimmed++;
    return {
      messagesDeleted: this.counters.messagesDeleted - before.m,
      bytesDeleted: this.counters.bytesDeleted - before.b,
      streamsTrimmed,
    };
  }

  /** Deletes the held messages of `subject` up to `seq` (every receiver confirmed them); `highSeq` stays. */
  discardThrough(subject: string, seq: number): RetentionResult {
    this.checkUsable();
    const s = this.streams.get(subject);
    if (s === undefined || s.messages === 0 || seq < s.lowSeq) return { messagesDeleted: 0, bytesDeleted: 0, streamsTrimmed: 0 };
    const before = { m: this.counters.messagesDeleted, b: this.counters.bytesDeleted };
    deleteOldest(this.dbs.sent, subject, s, (msgSeq) => msgSeq <= seq, this.counters, this.watch);
    const messagesDeleted = this.counters.messagesDeleted - before.m;
    return { messagesDeleted, bytesDeleted: this.counters.bytesDeleted - before.b, streamsTrimmed: messagesDeleted > 0 ? 1 : 0 };
  }

  stats(): LedgerStats {
    let messages = 0;
    let bytes = 0;
    for (const s of this.streams.values()) {
      messages += s.messages;
      bytes += s.bytes;
    }
    return {
      streams: this.streams.size,
      messages,
      bytes,
      fileBytes: this.fileBytes(),
      durablePositions: this.closing === undefined ? this.dbs.delivered.getKeysCount() : 0,
      counters: { ...this.counters },
    };
  }

  /** Resolves once every write queued so far is flushed to disk (at once in `'none'` mode). */
  flushed(): Promise<void> {
    this.checkUsable();
    return this.writes.flushed();
  }

  /** Flushes, marks the ledger cleanly closed, closes it and releases the lock. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    try {
      // After a failed commit lmdb resolves neither `flushed` nor `close()`: not waited for then.
      await Promise.race([this.env.flushed, this.writes.failed]);
      if (this.writes.failure === undefined) {
        this.dbs.meta.putSync(META_KEY, { ...this.meta, cleanClose: true });
        await Promise.race([this.env.flushed, this.writes.failed]);
      }
      if (this.writes.failure === undefined) await this.env.close();
      removeTempLedger(this.tempPath);
    } finally {
      this.prepared?.release();
    }
  }

  private checkUsable(): void {
    if (this.closing !== undefined) throw new LedgerError(`ledger ${this.shownPath()} is closed`);
    if (this.writes.failure !== undefined) throw this.writes.failure;
  }

  private checkName(what: string, value: unknown): void {
    const problem = ledgerNameProblem(value);
    if (problem !== undefined) throw new LedgerError(`${what} ${problem}`);
  }

  private fileBytes(): number {
    if (this.prepared !== undefined) {
      try {
        return statSync(join(this.prepared.dir, 'data.mdb')).size;
      } catch {
        return 0;
      }
    }
    if (this.closing !== undefined) return 0;
    const st = this.env.getStats() as { pageSize: number; lastPageNumber: number };
    return (st.lastPageNumber + 1) * st.pageSize;
  }

  private shownPath(): string {
    return this.o.path ?? '(temporary)';
  }
}

function nextU32(n: number): number {
  return n >= U32_MAX || !Number.isSafeInteger(n) || n < 1 ? 1 : n + 1;
}
