/** Shared fakes for the receiver tests: message builders and recording sinks. */
import { MESSAGE_FLAGS, type FragmentRange, type PeerId, type SeqRange, type WireMessage } from '../../../codecs/frame.js';
import type { DataLoss, DeliveredMessage, ReceiverSink } from '../../../actors/receiver/receiver-sink.js';
import type { DataLossReason } from '../../../actors/receiver/receiver-sink.js';
import type { StreamReceiverOutput } from '../../../actors/receiver/stream-receiver.js';

const F = MESSAGE_FLAGS;

/** A message of `subject` with a payload naming its seq (or the given bytes). */
export function msg(seq: number, opts: { subject?: string; flags?: number; payload?: Uint8Array; replyTo?: string } = {}): WireMessage {
  const m: { subject: string; seq: number; flags: number; payload: Uint8Array; replyTo?: string } = {
    subject: opts.subject ?? 's',
    seq,
    flags: opts.flags ?? 0,
    payload: opts.payload ?? new TextEncoder().encode(`m${seq}`),
  };
  if (opts.replyTo !== undefined) m.replyTo = opts.replyTo;
  return m;
}

/** Fragment `index` of `count` of message `seq`, with the edge flags that index implies. */
export function fragment(seq: number, index: number, count: number, opts: { subject?: string; flags?: number; payload?: Uint8Array; replyTo?: string } = {}): WireMessage {
  const kind = index === 0 ? 'first' : index === count - 1 ? 'last' : 'middle';
  return { ...msg(seq, { ...opts, flags: (opts.flags ?? 0) | frag(kind) }), fragIndex: index, fragCount: count };
}

/** Fragment flags: 'first' | 'middle' | 'last' | 'only'. */
export function frag(kind: 'first' | 'middle' | 'last' | 'only'): number {
  switch (kind) {
    case 'first':
      return F.fragment | F.firstFragment;
    case 'middle':
      return F.fragment;
    case 'last':
      return F.fragment | F.lastFragment;
    case 'only':
      return F.fragment | F.firstFragment | F.lastFragment;
  }
}

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** A StreamReceiver output that records everything in one ordered log. */
export function recordingOutput() {
  const log: (['msg', number] | ['lost', number, number, DataLossReason])[] = [];
  const naks: SeqRange[][] = [];
  const out: StreamReceiverOutput = {
    message: (m) => log.push(['msg', m.seq]),
    lost: (from, to, reason) => log.push(['lost', from, to, reason]),
    nak: (ranges) => naks.push(ranges.map((r) => ({ from: r.from, to: r.to }))),
  };
  /** Delivered seqs, in order. */
  const seqs = () => log.filter((e) => e[0] === 'msg').map((e) => e[1]);
  return { out, log, naks, seqs };
}

export type SinkEvent =
  | { kind: 'deliver'; msg: DeliveredMessage }
  | { kind: 'nak'; target: PeerId; subject: string; ranges: SeqRange[]; fragments?: FragmentRange[] }
  | { kind: 'loss'; loss: DataLoss }
  | { kind: 'reset'; sender: PeerId; subject: string; fromSeq: number }
  | { kind: 'limit'; limit: string; sender: PeerId; subject: string };

/** A ReceiverSink recording every call in order. */
export class RecordingSink implements ReceiverSink {
  readonly events: SinkEvent[] = [];
  deliver(sender: PeerId, m: WireMessage): void {
    this.events.push({ kind: 'deliver', msg: { sender, subject: m.subject, seq: m.seq, lastSeq: m.seq, flags: m.flags, replyTo: m.replyTo, payload: m.payload } });
  }
  requestNak(target: PeerId, subject: string, ranges: SeqRange[], fragments?: FragmentRange[]): void {
    const e: Extract<SinkEvent, { kind: 'nak' }> = { kind: 'nak', target, subject, ranges: ranges.map((r) => ({ from: r.from, to: r.to })) };
    if (fragments !== undefined) e.fragments = fragments.map((f) => ({ ...f }));
    this.events.push(e);
  }
  dataLoss(loss: DataLoss): void {
    this.events.push({ kind: 'loss', loss });
  }
  streamReset(sender: PeerId, subject: string, fromSeq: number): void {
    this.events.push({ kind: 'reset', sender, subject, fromSeq });
  }
  limitMet(limit: string, sender: PeerId, subject: string): void {
    this.events.push({ kind: 'limit', limit, sender, subject });
  }
  /** Delivered seqs of `subject`, in order. */
  delivered(subject = 's'): number[] {
    return this.events.flatMap((e) => (e.kind === 'deliver' && e.msg.subject === subject ? [e.msg.seq] : []));
  }
  naks(subject?: string): Extract<SinkEvent, { kind: 'nak' }>[] {
    return this.events.filter((e): e is Extract<SinkEvent, { kind: 'nak' }> => e.kind === 'nak' && (subject === undefined || e.subject === subject));
  }
  losses(): DataLoss[] {
    return this.events.flatMap((e) => (e.kind === 'loss' ? [e.loss] : []));
  }
  /** The ordered log of one stream as compact tuples. */
  log(subject = 's'): (string | number)[][] {
    const out: (string | number)[][] = [];
    for (const e of this.events) {
      if (e.kind === 'deliver' && e.msg.subject === subject) out.push(['msg', e.msg.seq]);
      else if (e.kind === 'loss' && e.loss.subject === subject) out.push(['lost', e.loss.from, e.loss.to, e.loss.reason]);
      else if (e.kind === 'reset' && e.subject === subject) out.push(['reset', e.fromSeq]);
    }
    return out;
  }
  clear(): void {
    this.events.length = 0;
  }
}
