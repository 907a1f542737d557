/**
 * The demo's bookkeeping, pure. Each subscriber keeps a {@link StreamAudit}: per stream
 * (sender, subject) it checks that every sequence was either delivered once, in order, or
 * reported lost by a 'dataLoss' event. The parent then compares those audits with what the
 * publisher said it published ({@link summarizeDemo}).
 *
 * A stream is cut into segments, one per sender incarnation: a restarted publisher without a
 * ledger numbers its streams from 1 again, and the receiver announces that with 'streamReset'.
 *
 * What cannot be known: messages a SIGKILLed publisher put on the wire that a subscriber never
 * heard of at all (its last datagrams were dropped, and no heartbeat announced them). The
 * receiver cannot report a loss it cannot see, and nobody can retransmit them. They are
 * counted apart, as "unknown at kill", from the silent losses that fail the demo.
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
  /** Messages published per subject (= the last sequence of each stream). */
  readonly sentBySubject: Readonly<Record<string, number>>;
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
  /** Messages published on subjects it subscribed to. */
  readonly expected: number;
  readonly delivered: number;
  /** Reported lost by a 'dataLoss' event. */
  readonly lost: number;
  /** Neither delivered nor reported: what must be 0. */
  readonly silent: number;
  /** Sent by a SIGKILLed publisher just before it died, never heard of (see the module doc). */
  readonly unknownAtKill: number;
  readonly duplicates: number;
  readonly resets: number;
}

/**
 * Compares every subscriber's audit with what the publisher published. For a publisher run
 * that ended normally, `expected` is exactly what it published; for a killed run, the most
 * that anyone (the publisher's last report, any subscriber) knows it sent.
 */
export function summarizeDemo(
  publisher: string,
  runs: readonly PublisherRun[],
  subscribers: readonly SubscriberFinal[],
  matches: (pattern: string, subject: string) => boolean,
): SubscriberSummary[] {
  const known = (sub: SubscriberFinal, incarnation: number, subject: string): number => {
    let k = 0;
    for (const s of sub.segments) if (s.sender === publisher && s.incarnation === incarnation && s.subject === subject) k = Math.max(k, s.nextSeq - 1);
    return k;
  };
  const subjectsOf = (run: PublisherRun): Set<string> => {
    const set = new Set(Object.keys(run.sentBySubject));
    for (const sub of subscribers) for (const s of sub.segments) if (s.sender === publisher && s.incarnation === run.incarnation) set.add(s.subject);
    return set;
  };
  const horizon = (run: PublisherRun, subject: string): number => {
    const reported = run.sentBySubject[subject] ?? 0;
    if (!run.killed) return reported;
    let h = reported;
    for (const sub of subscribers) if (matches(sub.pattern, subject)) h = Math.max(h, known(sub, run.incarnation, subject));
    return h;
  };

  return subscribers.map((sub) => {
    let expected = 0;
    let silent = 0;
    let unknownAtKill = 0;
    for (const run of runs) {
      for (const subject of subjectsOf(run)) {
        if (!matches(sub.pattern, subject)) continue;
        const h = horizon(run, subject);
        expected += h;
        const tail = Math.max(0, h - known(sub, run.incarnation, subject));
        if (run.killed) unknownAtKill += tail;
        else silent += tail;
      }
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
    return { name: sub.name, pattern: sub.pattern, expected, delivered, lost, silent, unknownAtKill, duplicates, resets: sub.resets };
  });
}
