/**
 * The shell of the export checkpoint (bridge/export-checkpoint.ts): reads it from the JetStream
 * key-value bucket `lc_bridges` (key `export.<zone>`) and the tail of `LC_<zone>` stored after
 * it when the bridge starts, and writes it back every `checkpoint.intervalMs` while it changes
 * (and at close), merged with what the zone's other bridge wrote, by compare-and-set.
 *
 * Only the engine holds this state: a bridge on another host, with an empty ledger, resumes
 * from it (docs/ZONES.md, "Export checkpoint").
 */
import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { withEngineRetry } from './engine-retry.js';
import { ExportCheckpoint, lowestScanFrom, parseCheckpoint, type CheckpointValue } from './export-checkpoint.js';
import { isWrongRevision, LEASE_BUCKET, openLeaseBucket } from './lease-keeper.js';
import { HEADERS, ledgecastSubject, parseLossRange, streamName } from './naming.js';
import type { ResolvedBridgeOptions } from './options.js';

/** The checkpoint key of zone `zone` in the bucket `lc_bridges`. */
export function checkpointKey(zone: string): string {
  return `export.${zone}`;
}

/** Room kept under the server's `max_payload` for the key-value message's headers. */
const VALUE_ROOM_BYTES = 4096;
/** Messages read from the stream's tail at start at most; past it the rest is not known stored (said, counted). */
export const MAX_SCAN_MESSAGES = 1_000_000;
/** Reading the tail stops when no message came for this long, ms. */
const SCAN_STALL_MS = 10_000;

/** Counters of the checkpoint (`stats().export.checkpoint`). */
export interface CheckpointCounters {
  /** Whether a checkpoint was found at start (the export subscriptions resumed from it). */
  resumed: boolean;
  /** Streams it gave positions for at start. */
  resumedStreams: number;
  /** Messages of `LC_<zone>` read at start (stored after the checkpoint's positions). */
  scanned: number;
  /** Messages past {@link MAX_SCAN_MESSAGES} not read at start. */
  scanCut: number;
  /** Checkpoints written. */
  writes: number;
  /** Writes that failed (retried at the next interval). */
  failures: number;
  /** Writes refused because another bridge wrote first (merged and written again). */
  conflicts: number;
  /** Messages and loss ranges not exported again: the checkpoint or the tail showed them stored. */
  skipped: number;
}

export class CheckpointKeeper {
  readonly counters: CheckpointCounters = { resumed: false, resumedStreams: 0, scanned: 0, scanCut: 0, writes: 0, failures: 0, conflicts: 0, skipped: 0 };
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private idleTicks = 0;
  private failing = false;
  private dropSaid = 0;
  private closed = false;

  private constructor(
    private readonly o: ResolvedBridgeOptions,
    private readonly kv: KV,
    readonly ckpt: ExportCheckpoint,
    private readonly report: (err: Error) => void,
  ) {}

  /**
   * Reads the checkpoint and the stream's tail after it.
   * @returns the keeper, and the positions to resume from (undefined: no checkpoint yet, the
   *   export subscriptions start as a new durable subscription does).
   */
  static async open(
    o: ResolvedBridgeOptions,
    nc: NatsConnection,
    js: JetStreamClient,
    jsm: JetStreamManager,
    id: string,
    report: (err: Error) => void,
  ): Promise<CheckpointKeeper> {
    // A JetStream cluster just started (or electing leaders: the bucket's stream created by two
    // bridges at once) can time out: tried again within connectTimeoutMs, said once.
    return withEngineRetry(o, `reading the export checkpoint ${LEASE_BUCKET}/${checkpointKey(o.zone)}`, () => CheckpointKeeper.openOnce(o, nc, js, jsm, id, report), report, () => true);
  }

  private static async openOnce(
    o: ResolvedBridgeOptions,
    nc: NatsConnection,
    js: JetStreamClient,
    jsm: JetStreamManager,
    id: string,
    report: (err: Error) => void,
  ): Promise<CheckpointKeeper> {
    const kv = await openLeaseBucket(nc, o.stream.replicas);
    const maxBytes = Math.max(VALUE_ROOM_BYTES, (nc.info?.max_payload ?? 1024 * 1024) - VALUE_ROOM_BYTES);
    const keeper = new CheckpointKeeper(o, kv, new ExportCheckpoint(id, o.checkpoint.maxStreams, maxBytes), report);
    const entry = await kv.get(checkpointKey(o.zone));
    let value: CheckpointValue | undefined;
    if (entry !== null && entry.operation === 'PUT') {
      value = parseCheckpoint(entry.string());
      if (value === undefined) report(new Error(`export checkpoint ${LEASE_BUCKET}/${checkpointKey(o.zone)} is not one (written over at the next write): exports start as without a checkpoint`));
    }
    const state = (await jsm.streams.info(streamName(o.zone))).state;
    keeper.ckpt.restore(value, state.last_seq);
    if (value !== undefined) {
      keeper.counters.resumed = true;
      keeper.counters.resumedStreams = value.streams.length;
      const from = Math.max((lowestScanFrom(value) ?? state.last_seq) + 1, state.first_seq);
      if (from <= state.last_seq && state.messages > 0) await keeper.scan(js, from, state.last_seq);
      keeper.ckpt.scanDone();
    }
    return keeper;
  }

  /** Positions for the export subscriptions' `resumeFrom`, or undefined without a checkpoint at start. */
  resumeFrom(): { sender: string; subject: string; seq: number; incarnation: number }[] | undefined {
    return this.counters.resumed ? this.ckpt.resumePositions() : undefined;
  }

  /** Writes every `intervalMs` while the positions change (and every few intervals regardless, so the zone's other bridge sees this one is alive). */
  start(): void {
    this.timer = setInterval(() => {
      if (this.ckpt.dirty || ++this.idleTicks >= 5) this.write();
    }, this.o.checkpoint.intervalMs);
    this.timer.unref?.();
  }

  /** Stops the timer and writes the last positions (what the exporter counted by now). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.writing;
    this.write(true);
    await this.writing;
  }

  private write(last = false): void {
    if (this.closed && !last) return;
    this.idleTicks = 0;
    this.writing = this.writing.then(async () => {
      try {
        await this.writeOnce();
      } catch (err) {
        if (!isWrongRevision(err)) throw err;
        this.counters.conflicts++;
        await this.writeOnce(); // the other bridge wrote in between: merged with it, once more
      }
    }).then(
      () => {
        this.failing = false;
        this.sayDropped();
      },
      (err: unknown) => {
        this.counters.failures++;
        this.ckpt.dirty = true;
        if (this.failing) return; // said once per episode
        this.failing = true;
        this.report(new Error(`export checkpoint ${LEASE_BUCKET}/${checkpointKey(this.o.zone)} not written (${err instanceof Error ? err.message : String(err)}); retrying every ${this.o.checkpoint.intervalMs} ms`, { cause: err }));
      },
    );
  }

  private async writeOnce(): Promise<void> {
    const key = checkpointKey(this.o.zone);
    const entry = await this.kv.get(key);
    const current = entry !== null && entry.operation === 'PUT' ? parseCheckpoint(entry.string()) : undefined;
    const data = JSON.stringify(this.ckpt.value(current));
    if (entry === null) await this.kv.create(key, data);
    else await this.kv.update(key, data, entry.revision);
    this.counters.writes++;
  }

  /** Streams left out of the checkpoint (past its bounds): said each time their number grows. */
  private sayDropped(): void {
    const n = this.ckpt.droppedStreams + this.ckpt.evictedStreams;
    if (n <= this.dropSaid) {
      if (n === 0) this.dropSaid = 0;
      return;
    }
    this.dropSaid = n;
    this.report(
      new Error(
        `export checkpoint: ${n} streams left out or forgotten (over checkpoint.maxStreams ${this.o.checkpoint.maxStreams} or the NATS server's max_payload), the least recently exported: a bridge starting from it exports what their senders still hold again (stored twice after the stream's duplicate window)`,
      ),
    );
  }

  /** Reads `LC_<zone>` from `from` to `to` (headers only): what is stored above the positions. */
  private async scan(js: JetStreamClient, from: number, to: number): Promise<void> {
    const consumer = await js.consumers.get(streamName(this.o.zone), { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from, headers_only: true });
    const messages = await consumer.consume({ max_messages: 1024 });
    let n = 0;
    let seen = 0;
    // Messages deleted meanwhile (max_age) can leave nothing to end on: stop when nothing comes.
    const watchdog = setInterval(() => {
      if (n > seen) {
        seen = n;
        return;
      }
      this.report(new Error(`export checkpoint: reading ${streamName(this.o.zone)} from ${from} to ${to} stalled after ${n} messages; going on with what was read`));
      messages.close().catch(() => undefined);
    }, SCAN_STALL_MS);
    try {
      for await (const m of messages) {
        const subject = ledgecastSubject(this.o.zone, m.subject);
        const h = m.headers;
        if (subject !== undefined && h !== undefined) {
          const sender = h.get(HEADERS.sender);
          const incarnation = Number(h.get(HEADERS.incarnation));
          const loss = h.get(HEADERS.loss);
          const range = loss === '' ? undefined : parseLossRange(loss, h.get(HEADERS.reason));
          const seq = Number(h.get(HEADERS.seq));
          if (sender !== '' && Number.isSafeInteger(incarnation)) {
            if (range !== undefined) this.ckpt.noteStored(sender, incarnation, subject, range.fromSeq, range.toSeq);
            else if (Number.isSafeInteger(seq) && seq > 0) this.ckpt.noteStored(sender, incarnation, subject, seq, seq);
          }
        }
        if (++n >= MAX_SCAN_MESSAGES && m.seq < to) {
          this.counters.scanCut = to - m.seq;
          this.report(new Error(`export checkpoint: ${to - m.seq} messages of ${streamName(this.o.zone)} stored after it not read (over ${MAX_SCAN_MESSAGES}): those still held by their senders may be stored again`));
          break;
        }
        if (m.seq >= to || m.info.pending === 0) break;
      }
    } finally {
      clearInterval(watchdog);
      await messages.close().catch(() => undefined);
      this.counters.scanned = n;
    }
    if (this.ckpt.droppedRanges > 0) {
      this.report(new Error(`export checkpoint: ${this.ckpt.droppedRanges} stored ranges read at start not kept (over checkpoint.maxStreams streams or 64 ranges per stream): those messages may be stored again`));
    }
  }
}
