/**
 * The export checkpoint, pure: how far each origin stream of this zone is stored in `LC_<zone>`,
 * kept in the engine (a JetStream key-value entry, written by bridge/checkpoint-keeper.ts) so that
 * any bridge of the zone, on any host, resumes exactly, even after the stream's de-duplication
 * window. No I/O, no clock.
 *
 * **What a checkpoint says.** Per origin stream (sender, subject; with the incarnation of the
 * newest message counted) a position `seq`: every message of the stream up to it is stored in
 * `LC_<zone>` (or was covered by a loss record, or will never be exported: too large). Per
 * writing bridge a `scanFrom`: every message that bridge stored and the positions do not cover
 * has a stream sequence above it. So a bridge starting from a checkpoint reads `LC_<zone>`
 * after the lowest `scanFrom` (the tail stored since the checkpoint's positions were taken) and
 * knows every stored message: it resumes each stream after its position and skips what the tail
 * shows stored above it.
 *
 * **How `scanFrom` is kept.** JetStream numbers what it stores in order, and each PubAck names
 * the stream sequence (for a duplicate, the original's). A message taken in when the highest
 * sequence acknowledged so far is `h` can only be stored after that acknowledgement, so above
 * `h`: each item keeps that `h` as its bound, and `scanFrom` is the bound of the oldest item not
 * counted in a position yet. Until the stored ranges read at start are passed, it stays at the
 * checkpoint's `scanFrom` it started from (a crash before then must read that tail again).
 *
 * **Order.** A durable subscription delivers each stream in order, so positions move over
 * items in their arrival order: an item counts once it and every earlier item of its stream
 * were stored. Items of the same stream with another incarnation replace the position.
 */

/** One origin stream's position as written: [sender, incarnation, subject, seq]. */
export type CheckpointEntry = readonly [string, number, string, number];

/** What one writing bridge states. */
export interface CheckpointWriter {
  /** Every message this bridge stored that the positions do not cover has a stream sequence above it. */
  readonly scanFrom: number;
  /** Its writes so far (a writer whose count stops moving is gone). */
  readonly n: number;
}

/** The checkpoint's value in the key-value entry (JSON). */
export interface CheckpointValue {
  readonly v: 1;
  readonly writers: Readonly<Record<string, CheckpointWriter>>;
  /** Most recently exported first. */
  readonly streams: readonly CheckpointEntry[];
}

/** Where a durable export subscription resumes one stream (subscribe options `resumeFrom`). */
export interface ResumePosition {
  readonly sender: string;
  readonly subject: string;
  readonly seq: number;
  /** The origin sender's incarnation whose numbering `seq` counts in. */
  readonly incarnation: number;
}

/** One message (`from` = `to`) or loss record taken in for export. */
export interface CheckpointItem {
  readonly key: string;
  readonly sender: string;
  readonly incarnation: number;
  readonly subject: string;
  readonly to: number;
  readonly bound: number;
  done: boolean;
  counted: boolean;
}

interface Position {
  readonly sender: string;
  readonly subject: string;
  incarnation: number;
  seq: number;
  /** Items of the stream taken in, in arrival order; those before `head` are counted. */
  items: CheckpointItem[];
  head: number;
}

/** A writer gone quiet for this many of our writes is dropped from the value. */
export const STALE_WRITES = 10;

const streamKey = (sender: string, subject: string): string => `${sender}\u0000${subject}`;
const incKey = (sender: string, incarnation: number, subject: string): string => `${sender}\u0000${incarnation}\u0000${subject}`;

/** Parses a checkpoint value: undefined when it is not one (said by the caller). */
export function parseCheckpoint(text: string): CheckpointValue | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as { v?: unknown; writers?: unknown; streams?: unknown };
  if (o.v !== 1 || typeof o.writers !== 'object' || o.writers === null || !Array.isArray(o.streams)) return undefined;
  const writers: Record<string, CheckpointWriter> = {};
  for (const [id, w] of Object.entries(o.writers as Record<string, unknown>)) {
    const ww = w as { scanFrom?: unknown; n?: unknown };
    if (typeof ww !== 'object' || ww === null || !isCount(ww.scanFrom) || !isCount(ww.n)) return undefined;
    writers[id] = { scanFrom: ww.scanFrom, n: ww.n };
  }
  const streams: CheckpointEntry[] = [];
  for (const e of o.streams as unknown[]) {
    if (!Array.isArray(e) || e.length !== 4 || typeof e[0] !== 'string' || !isCount(e[1]) || typeof e[2] !== 'string' || !isCount(e[3])) return undefined;
    streams.push([e[0], e[1], e[2], e[3]]);
  }
  return { v: 1, writers, streams };
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** The lowest `scanFrom` of a checkpoint's writers (where its unread tail begins), or undefined when none. */
export function lowestScanFrom(value: CheckpointValue): number | undefined {
  let low: number | undefined;
  for (const w of Object.values(value.writers)) if (low === undefined || w.scanFrom < low) low = w.scanFrom;
  return low;
}

/** One bridge's export progress. */
export class ExportCheckpoint {
  /** Positions by stream, least recently taken in first. */
  private readonly positions = new Map<string, Position>();
  /** The stream taken in last, the newest entry of `positions` (a lookup saved per message). */
  private last: { readonly sender: string; readonly subject: string; readonly key: string; readonly p: Position } | undefined;
  /** Ranges stored above the positions (read from the stream at start), by stream and incarnation: ascending, disjoint [from, to]. */
  private readonly above = new Map<string, [number, number][]>();
  /** Items not counted yet, in arrival order (counted ones are removed from the front). */
  private readonly items: CheckpointItem[] = [];
  private itemsHead = 0;
  /** The highest stream sequence JetStream acknowledged (or the stream's last at start). */
  private storedHigh = 0;
  /** The `scanFrom` inherited from the checkpoint started from, while ranges read at start remain. */
  private inheritedScanFrom = Number.POSITIVE_INFINITY;
  /** Other writers by id: their `n` last seen, and our writes since it last moved. */
  private readonly others = new Map<string, { n: number; quiet: number }>();
  private writes = 0;
  /** Positions changed since the last {@link value}. */
  dirty = false;
  /** Streams left out of the last value (past `maxStreams` or `maxBytes`). */
  droppedStreams = 0;
  /** Streams forgotten in memory (past `maxStreams`, the least recently exported with nothing pending). */
  evictedStreams = 0;
  /** Stored ranges read at start that could not be kept (past the bounds): those messages may be stored again. */
  droppedRanges = 0;

  constructor(
    /** This bridge's id (its writer entry). */
    readonly me: string,
    /** Streams kept (in memory and in the value) at most. */
    readonly maxStreams: number,
    /** The value's size at most, bytes (JSON). */
    readonly maxBytes: number,
    /** Stored ranges above a position kept per stream at most. */
    readonly maxRangesPerStream = 64,
  ) {}

  /**
   * Starts from `value` (undefined: no checkpoint yet) and the stream's last sequence now: the
   * positions it states, and its lowest `scanFrom` until the ranges read after it are passed.
   */
  restore(value: CheckpointValue | undefined, streamLastSeq: number): void {
    this.storedHigh = streamLastSeq;
    this.last = undefined;
    if (value === undefined) return;
    // Most recent first in the value: inserted oldest first, so the map stays least recent first.
    for (let i = value.streams.length - 1; i >= 0; i--) {
      const [sender, incarnation, subject, seq] = value.streams[i];
      const k = streamKey(sender, subject);
      const p = this.positions.get(k);
      if (p === undefined) this.positions.set(k, { sender, subject, incarnation, seq, items: [], head: 0 });
      else if (p.incarnation === incarnation && p.seq < seq) p.seq = seq;
    }
    this.inheritedScanFrom = lowestScanFrom(value) ?? Number.POSITIVE_INFINITY;
    for (const [id, w] of Object.entries(value.writers)) if (id !== this.me) this.others.set(id, { n: w.n, quiet: 0 });
  }

  /** A message (or loss record covering `from`..`to`) read from the stream's tail at start: stored. */
  noteStored(sender: string, incarnation: number, subject: string, from: number, to: number): void {
    const p = this.positions.get(streamKey(sender, subject));
    if (p !== undefined && p.incarnation === incarnation && from <= p.seq + 1) {
      if (to > p.seq) {
        p.seq = to;
        this.absorb(p);
      }
      return;
    }
    const k = incKey(sender, incarnation, subject);
    let ranges = this.above.get(k);
    if (ranges === undefined) {
      if (this.above.size >= this.maxStreams) {
        this.droppedRanges++;
        return;
      }
      this.above.set(k, (ranges = []));
    }
    if (!addRange(ranges, from, to, this.maxRangesPerStream)) this.droppedRanges++;
  }

  /**
   * The tail was read: when all of it extended positions, nothing the previous writers stored
   * lies above them any more, and their `scanFrom` is no longer ours to keep.
   */
  scanDone(): void {
    if (this.above.size === 0) this.inheritedScanFrom = Number.POSITIVE_INFINITY;
  }

  /** Where the export subscriptions resume: each stream's position. */
  resumePositions(): ResumePosition[] {
    const out: ResumePosition[] = [];
    for (const p of this.positions.values()) out.push({ sender: p.sender, subject: p.subject, seq: p.seq, incarnation: p.incarnation });
    return out;
  }

  /** Whether message `seq` of the stream is stored already (at or below its position, or read stored at start). */
  covered(sender: string, incarnation: number, subject: string, seq: number): boolean {
    const l = this.last;
    const p = l !== undefined && l.sender === sender && l.subject === subject ? l.p : this.positions.get(streamKey(sender, subject));
    if (p !== undefined && p.incarnation === incarnation && seq <= p.seq) return true;
    if (this.above.size === 0) return false;
    const ranges = this.above.get(incKey(sender, incarnation, subject));
    return ranges !== undefined && ranges.some(([f, t]) => f <= seq && seq <= t);
  }

  /** The parts of `from`..`to` not stored already (for a loss: only those are lost for the other zones). */
  uncovered(sender: string, incarnation: number, subject: string, from: number, to: number): [number, number][] {
    const p = this.positions.get(streamKey(sender, subject));
    let lo = p !== undefined && p.incarnation === incarnation ? Math.max(from, p.seq + 1) : from;
    const out: [number, number][] = [];
    for (const [f, t] of this.above.get(incKey(sender, incarnation, subject)) ?? []) {
      if (t < lo) continue;
      if (f > to) break;
      if (f > lo) out.push([lo, f - 1]);
      lo = t + 1;
    }
    if (lo <= to) out.push([lo, to]);
    return out;
  }

  /** A message (`from` = `to`) or loss record taken in for export (or skipped): counted once it and the stream's earlier items are {@link done}. */
  taken(sender: string, incarnation: number, subject: string, to: number): CheckpointItem {
    let k: string;
    let p: Position | undefined;
    const l = this.last;
    if (l !== undefined && l.sender === sender && l.subject === subject) {
      // The stream taken in last is the map's newest entry already (exports come in runs of one stream).
      k = l.key;
      p = l.p;
    } else {
      k = streamKey(sender, subject);
      p = this.positions.get(k);
      if (p === undefined) {
        p = { sender, subject, incarnation, seq: 0, items: [], head: 0 };
        this.evict();
      } else this.positions.delete(k); // re-inserted last: the map stays least recently taken in first
      this.positions.set(k, p);
      this.last = { sender, subject, key: k, p };
    }
    const item: CheckpointItem = { key: k, sender, incarnation, subject, to, bound: this.storedHigh, done: false, counted: false };
    p.items.push(item);
    this.items.push(item);
    return item;
  }

  /** Item `item` is stored (`streamSeq`: JetStream's sequence for it, or its original's) or needs no storing. */
  done(item: CheckpointItem, streamSeq?: number): void {
    item.done = true;
    if (streamSeq !== undefined && streamSeq > this.storedHigh) this.storedHigh = streamSeq;
    const p = this.positions.get(item.key);
    if (p === undefined) return;
    const from = p.head;
    while (p.head < p.items.length && p.items[p.head].done) {
      const it = p.items[p.head++];
      it.counted = true;
      if (it.incarnation !== p.incarnation) {
        p.incarnation = it.incarnation;
        p.seq = it.to;
      } else if (it.to > p.seq) p.seq = it.to;
    }
    if (p.head === from) return;
    if (p.head === p.items.length) {
      p.items = [];
      p.head = 0;
    } else if (p.head > 1024 && p.head * 2 > p.items.length) {
      p.items = p.items.slice(p.head);
      p.head = 0;
    }
    this.dirty = true;
    if (this.above.size > 0) this.absorb(p);
    while (this.itemsHead < this.items.length && this.items[this.itemsHead].counted) this.itemsHead++;
    if (this.itemsHead > 1024 && this.itemsHead * 2 > this.items.length) {
      this.items.splice(0, this.itemsHead);
      this.itemsHead = 0;
    }
  }

  /** Where a bridge starting from our next value must begin reading the stream. */
  scanFrom(): number {
    const oldest = this.itemsHead < this.items.length ? this.items[this.itemsHead].bound : this.storedHigh;
    return Math.min(oldest, this.inheritedScanFrom);
  }

  /**
   * The value to write over `current` (what the key holds now, undefined: nothing): our
   * positions, most recent first, then the other writers' streams we do not have (a second bridge
   * of the zone), within `maxStreams` and `maxBytes`; the writers that still write, and us.
   * Counts this write.
   */
  value(current: CheckpointValue | undefined): CheckpointValue {
    this.writes++;
    const writers: Record<string, CheckpointWriter> = {};
    for (const [id, w] of Object.entries(current?.writers ?? {})) {
      if (id === this.me) continue;
      const seen = this.others.get(id);
      if (seen === undefined || seen.n !== w.n) this.others.set(id, { n: w.n, quiet: 0 });
      else if (++seen.quiet >= STALE_WRITES) continue; // gone: its stores are in our positions by now (or read at start)
      writers[id] = w;
    }
    for (const id of this.others.keys()) if (writers[id] === undefined) this.others.delete(id);
    writers[this.me] = { scanFrom: this.scanFrom(), n: this.writes };
    const streams: CheckpointEntry[] = [];
    const seen = new Map<string, number>();
    let bytes = JSON.stringify({ v: 1, writers, streams: [] }).length;
    let dropped = 0;
    const add = (e: CheckpointEntry): void => {
      const k = streamKey(e[0], e[2]);
      const at = seen.get(k);
      if (at !== undefined) {
        const had = streams[at];
        if (had[1] === e[1] && had[3] < e[3]) streams[at] = e; // same size class: the later position of the same incarnation
        return;
      }
      const size = JSON.stringify(e).length + 1;
      if (streams.length >= this.maxStreams || bytes + size > this.maxBytes) {
        dropped++;
        return;
      }
      bytes += size;
      seen.set(k, streams.length);
      streams.push(e);
    };
    const mine = [...this.positions.values()];
    for (let i = mine.length - 1; i >= 0; i--) if (mine[i].seq > 0) add([mine[i].sender, mine[i].incarnation, mine[i].subject, mine[i].seq]);
    for (const e of current?.streams ?? []) add(e);
    this.droppedStreams = dropped;
    this.dirty = false;
    return { v: 1, writers, streams };
  }

  /** Streams known now. */
  get streams(): number {
    return this.positions.size;
  }

  /** Stored ranges read at start not passed yet. */
  get rangesAbove(): number {
    let n = 0;
    for (const r of this.above.values()) n += r.length;
    return n;
  }

  /** Moves `p` over the stored ranges that now follow it, and drops the ranges it passed. */
  private absorb(p: Position): void {
    const k = incKey(p.sender, p.incarnation, p.subject);
    const ranges = this.above.get(k);
    if (ranges === undefined) return;
    while (ranges.length > 0 && ranges[0][0] <= p.seq + 1) {
      if (ranges[0][1] > p.seq) p.seq = ranges[0][1];
      ranges.shift();
    }
    if (ranges.length === 0) {
      this.above.delete(k);
      if (this.above.size === 0) this.inheritedScanFrom = Number.POSITIVE_INFINITY;
    }
  }

  /** At `maxStreams` positions: forgets the least recently taken in that has nothing pending. */
  private evict(): void {
    if (this.positions.size < this.maxStreams) return;
    for (const [k, p] of this.positions) {
      if (p.head < p.items.length) continue;
      this.positions.delete(k);
      this.evictedStreams++;
      return;
    }
  }
}

/** Adds [from, to] to ascending disjoint `ranges` (merging); false when that would exceed `max` ranges. */
function addRange(ranges: [number, number][], from: number, to: number, max: number): boolean {
  let i = 0;
  while (i < ranges.length && ranges[i][1] < from - 1) i++;
  let j = i;
  let f = from;
  let t = to;
  while (j < ranges.length && ranges[j][0] <= to + 1) {
    f = Math.min(f, ranges[j][0]);
    t = Math.max(t, ranges[j][1]);
    j++;
  }
  if (j === i && ranges.length >= max) return false;
  ranges.splice(i, j - i, [f, t]);
  return true;
}
