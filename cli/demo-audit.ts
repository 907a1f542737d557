/**
 * The demo's bookkeeping, pure. Each subscriber keeps a {@link StreamAudit}: per stream
 * (sender, subject) it checks that every sequence was either delivered once, in order, or
 * reported lost by a 'dataLoss' event. The parent then compares those audits with what the
 * publisher's ledger says it sent ({@link summarizeDemo}).
 *
 * The publisher keeps a ledger (durability 'sync'): restarted after a SIGKILL under the same
 * name, it continues every stream above the last sequence it used, so a stream runs 1..N
 * across both runs, and a subscriber sees a new incarnation 'continue' the stream. A
 * 'streamReset' (numbering starting again) is kept apart in its own segment and counted as a
 * problem: with a ledger it must not happen.
 *
 * Because a 'sync' ledger commits every message before it goes on the wire, the ledger's
 * newest sequence per stream is exactly what was sent (and can still be served): whatever a
 * subscriber neither got nor was told about is silent loss, even around the kill.
 */

/** One incarnation's part of a stream, as one subscriber saw it. Plain data. */
export interface StreamSegment {
  readonly sender: string;
  readonly subject: string;
  /** The sender incarnation (undefined while only losses were seen). */
  incarnation: number | undefined;
  /** How the segment began: the first sight of the stream, a streamReset, or a new incarnation continuing the numbering. */
  readonly startedBy: 'first' | 'reset' | 'continued';
  /** The sequence the segment was expected to start at. */
  readonly firstSeq: number;
  /** The next sequence expected. */
  nextSeq: number;
  /** Sequences delivered (each once). */
  delivered: number;
  /** Sequences reported lost. */
  lost: number;
  /** Sequences skipped without a report: silent loss. */
  gaps: number;
  /** Deliveries of a sequence already passed (duplicates or out of order). */
  duplicates: number;
}

/** Segments kept per audit; the demo has a handful (subjects × incarnations). */
export const MAX_SEGMENTS = 10_000;

/** A subscriber's audit of everything it was delivered or told. */
export class StreamAudit {
  private readonly open = new Map<string, StreamSegment>();
  private readonly closed: StreamSegment[] = [];
  private readonly resetFrom = new Map<string, number>();
  /** streamReset events seen. */
  resets = 0;
  /** Segments not kept because of {@link MAX_SEGMENTS}. */
  segmentsDropped = 0;

  /** A message was delivered. */
  onMessage(sender: string, subject: string, incarnation: number, seq: number): void {
    const key = keyOf(sender, subject);
    let seg = this.open.get(key);
    if (seg === undefined) seg = this.begin(key, sender, subject, incarnation, 'first', 1);
    else if (seg.incarnation === undefined) seg.incarnation = incarnation;
    else if (seg.incarnation !== incarnation) {
      // A new incarnation that did not reset the stream: its numbering continues ours.
      this.end(key, seg);
      seg = this.begin(key, sender, subject, incarnation, 'continued', seg.nextSeq);
    }
    if (seq === seg.nextSeq) {
      seg.delivered++;
      seg.nextSeq++;
    } else if (seq > seg.nextSeq) {
      seg.gaps += seq - seg.nextSeq;
      seg.delivered++;
      seg.nextSeq = seq + 1;
    } else {
      seg.duplicates++;
    }
  }

  /** A 'dataLoss' event reported `fromSeq..toSeq` lost. */
  onLoss(sender: string, subject: string, fromSeq: number, toSeq: number): void {
    const key = keyOf(sender, subject);
    const seg = this.open.get(key) ?? this.begin(key, sender, subject, undefined, 'first', 1);
    if (toSeq < seg.nextSeq) return; // about sequences already settled: nothing new
    const from = Math.max(fromSeq, seg.nextSeq);
    seg.gaps += from - seg.nextSeq;
    seg.lost += toSeq - from + 1;
    seg.nextSeq = toSeq + 1;
  }

  /** A 'streamReset' event: the stream's numbering starts again at `fromSeq`. */
  onReset(sender: string, subject: string, fromSeq: number): void {
    this.resets++;
    const key = keyOf(sender, subject);
    const seg = this.open.get(key);
    if (seg !== undefined) this.end(key, seg);
    this.resetFrom.set(key, fromSeq);
  }

  /** Every segment, oldest first (copies). */
  segments(): StreamSegment[] {
    return [...this.closed, ...this.open.values()].map((s) => ({ ...s }));
  }

  /** Sums over every segment. */
  totals(): { delivered: number; lost: number; gaps: number; duplicates: number } {
    const t = { delivered: 0, lost: 0, gaps: 0, duplicates: 0 };
    for (const s of [...this.closed, ...this.open.values()]) {
      t.delivered += s.delivered;
      t.lost += s.lost;
      t.gaps += s.gaps;
      t.duplicates += s.duplicates;
    }
    return t;
  }

  private begin(key: string, sender: string, subject: string, incarnation: number | undefined, startedBy: StreamSegment['startedBy'], seq: number): StreamSegment {
    const reset = this.resetFrom.get(key);
    this.resetFrom.delete(key);
    const firstSeq = reset ?? seq;
    const seg: StreamSegment = { sender, subject, incarnation, startedBy: reset !== undefined ? 'reset' : startedBy, firstSeq, nextSeq: firstSeq, delivered: 0, lost: 0, gaps: 0, duplicates: 0 };
    this.open.set(key, seg);
    return seg;
  }

  private end(key: string, seg: StreamSegment): void {
    this.open.delete(key);
    if (this.closed.length >= MAX_SEGMENTS) {
      this.closed.shift();
      this.segmentsDropped++;
    }
    this.closed.push(seg);
  }
}

function keyOf(sender: string, subject: string): string {
  return `${sender}\u0000${subject}`;
}

/** One start of the publisher, as the parent knows it. */
export interface PublisherRun {
  readonly incarnation: number;
  /** True when it was SIGKILLed: `sentBySubject` is then its last report, a lower bound. */
  readonly killed: boolean;
  /** Messages published per subject during this run. */
  readonly sentBySubject: Readonly<Record<string, number>>;
  /** NAKed messages this run served from its ledger (when known). */
  readonly servedFromLedger?: number;
}

/** A subscriber's final state. */
export interface SubscriberFinal {
  readonly name: string;
  readonly pattern: string;
  readonly segments: readonly StreamSegment[];
  readonly resets: number;
}

/** The summary row of one subscriber. */
export interface SubscriberSummary {
  readonly name: string;
  readonly pattern: string;
  /** Messages the publisher's ledger holds as sent on subjects it subscribed to. */
  readonly expected: number;
  readonly delivered: number;
  /** Reported lost by a 'dataLoss' event. */
  readonly lost: number;
  /** Neither delivered nor reported: what must be 0. */
  readonly silent: number;
  readonly duplicates: number;
  /** streamReset events: what must be 0 with a ledger. */
  readonly resets: number;
}

/**
 * Compares every subscriber's audit with `sentHighs`, the newest sequence per subject in the
 * publisher's ledger once it closed: each stream it matches must account for 1..high.
 */
export function summarizeDemo(
  publisher: string,
  sentHighs: Readonly<Record<string, number>>,
  subscribers: readonly SubscriberFinal[],
  matches: (pattern: string, subject: string) => boolean,
): SubscriberSummary[] {
  return subscribers.map((sub) => {
    let expected = 0;
    let silent = 0;
    for (const [subject, high] of Object.entries(sentHighs)) {
      if (!matches(sub.pattern, subject)) continue;
      expected += high;
      // The tail nobody delivered or reported (the newest segment holds the newest sequence).
      let reached = 0;
      for (const s of sub.segments) if (s.sender === publisher && s.subject === subject) reached = Math.max(reached, s.nextSeq - 1);
      silent += Math.max(0, high - reached);
    }
    let delivered = 0;
    let lost = 0;
    let duplicates = 0;
    for (const s of sub.segments) {
      if (s.sender !== publisher) continue;
      delivered += s.delivered;
      lost += s.lost;
      duplicates += s.duplicates;
      silent += s.gaps;
      // A stream that began above its first sequence skipped the ones below without a report.
      if (s.startedBy !== 'continued') silent += s.firstSeq - 1;
    }
    return { name: sub.name, pattern: sub.pattern, expected, delivered, lost, silent, duplicates, resets: sub.resets };
  });
}

/** How the restarted publisher continued its streams (see {@link ledgerResume}). */
export interface LedgerResume {
  /** The first sequence of the restarted run, per subject it published on. */
  readonly resumedAt: Readonly<Record<string, number>>;
  /** Subjects where that sequence is not above what the killed run is known to have sent: a sequence was reused. */
  readonly reused: readonly string[];
}

/**
 * Where the last run (restarted from the ledger) began each stream: the ledger's newest
 * sequence minus what the last run published, plus 1 (a 'sync' ledger skips no number).
 * A stream is `reused` when that is at or below what an earlier run reported sending on it.
 * Undefined with fewer than two runs.
 */
export function ledgerResume(runs: readonly PublisherRun[], sentHighs: Readonly<Record<string, number>>): LedgerResume | undefined {
  if (runs.length < 2) return undefined;
  const last = runs[runs.length - 1];
  const resumedAt: Record<string, number> = {};
  const reused: string[] = [];
  for (const [subject, sent] of Object.entries(last.sentBySubject)) {
    if (sent === 0) continue;
    const first = (sentHighs[subject] ?? 0) - sent + 1;
    resumedAt[subject] = first;
    let before = 0;
    for (const run of runs.slice(0, -1)) before += run.sentBySubject[subject] ?? 0;
    if (first <= before) reused.push(subject);
  }
  return { resumedAt, reused };
}
