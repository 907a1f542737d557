// fast-check arbitraries for every frame type: valid frames only (the encoder must accept them).

import fc from 'fast-check';
import type {
  AckFrame,
  AdvertFrame,
  PatternsRequestFrame,
  PatternsDeltaFrame,
  PatternsDeltaRequestFrame,
  ByeFrame,
  DataFrame,
  FragmentRange,
  Frame,
  HeartbeatFrame,
  NakFrame,
  PeerId,
  RetransmitFrame,
  SeqRange,
  StreamInfo,
  WireMessage,
} from '../../../codecs/frame.js';
import { MAX_FRAGMENT_COUNT, MAX_STREAM_AGE_MS } from '../../../codecs/frame.js';
import { utf8Length } from '../../../codecs/wire-primitives.js';

const MAX = Number.MAX_SAFE_INTEGER;

export const tokenArb = fc.stringMatching(/^[A-Za-z0-9_\-:]{1,6}$/);

export const subjectArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.array(tokenArb, { minLength: 1, maxLength: 4 }).map((t) => t.join('.')) },
  { weight: 1, arbitrary: fc.integer({ min: 240, max: 255 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom('a', 'Z', '0', '_', '-', ':', 'a.b.c.d.e.f.g.h') },
);

export const patternArb: fc.Arbitrary<string> = fc
  .tuple(fc.array(fc.oneof(tokenArb, fc.constant('*')), { minLength: 0, maxLength: 4 }), fc.boolean())
  .map(([tokens, tail]) => (tail || tokens.length === 0 ? [...tokens, '>'] : tokens).join('.'));

export const nameArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/) },
  {
    weight: 2,
    arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).filter((s) => {
      const n = utf8Length(s);
      return n >= 1 && n <= 255;
    }),
  },
  { weight: 1, arbitrary: fc.integer({ min: 250, max: 255 }).map((n) => 'n'.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom('\uFEFFbom', 'é', '😀', '\u0000', 'a\u0000b') },
);

export const incarnationArb = fc.integer({ min: 0, max: 0xffff_ffff });

export const peerArb: fc.Arbitrary<PeerId> = fc.record({ name: nameArb, incarnation: incarnationArb });

/** Sequence numbers biased to the edges: small, around 2^32, and near 2^53 - 1. */
export const seqArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 1, max: 1000 }),
  fc.integer({ min: 0xffff_ff00, max: 0x1_0000_0100 }),
  fc.integer({ min: MAX - 1000, max: MAX }),
  fc.integer({ min: 1, max: MAX }),
);

export const messageFlagsArb: fc.Arbitrary<number> = fc
  .tuple(fc.boolean(), fc.constantFrom(0, 0x02, 0x06, 0x0a, 0x0e))
  .map(([msgpack, fragment]) => (msgpack ? 0x01 : 0) | fragment);

export const payloadArb = fc.uint8Array({ maxLength: 48 });

const replyToArb = fc.option(subjectArb, { nil: undefined, freq: 4 });

/** A fragment count biased to the edges, and an index in it (for the fragment flags). */
const fragAddressArb = fc
  .tuple(fc.oneof(fc.integer({ min: 2, max: 10 }), fc.constant(MAX_FRAGMENT_COUNT), fc.integer({ min: 2, max: MAX_FRAGMENT_COUNT })), fc.nat())
  .map(([count, pick]) => ({ count, index: pick % count }));

/**
 * A message; with the `fragment` flag the record gets a fragment address that agrees with the
 * edge bits (first/last as the flags say, else a middle index) and a non-empty payload.
 */
function message(
  subject: string,
  seq: number,
  flags: number,
  replyTo: string | undefined,
  payload: Uint8Array,
  addr: { count: number; index: number } = { count: 2, index: 0 },
): WireMessage {
  const base: WireMessage = replyTo === undefined ? { subject, seq, flags, payload } : { subject, seq, flags, replyTo, payload };
  if ((flags & 0x02) === 0) return base;
  const first = (flags & 0x04) !== 0;
  const last = (flags & 0x08) !== 0;
  let count = addr.count;
  let fragIndex: number;
  if (first && last) {
    flags &= ~0x08; // one fragment cannot be first and last (a message has at least 2)
    fragIndex = 0;
  } else if (first) fragIndex = 0;
  else if (last) fragIndex = count - 1;
  else {
    if (count < 3) count = 3;
    fragIndex = 1 + (addr.index % (count - 2));
  }
  return { ...base, flags, payload: payload.length === 0 ? Uint8Array.of(7) : payload, fragIndex, fragCount: count };
}

const messagePartsArb = fc.tuple(fc.nat(), fc.nat({ max: 50 }), messageFlagsArb, replyToArb, payloadArb, fragAddressArb);

/** Stream ages: absent (unknown), at the edges, or any wire value. */
const ageMsArb: fc.Arbitrary<number | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(0, MAX_STREAM_AGE_MS),
  fc.integer({ min: 0, max: MAX_STREAM_AGE_MS }),
);

/** A resumed part as a fraction (0..1) of the room below startSeq, with an age; or none. */
const resumedArb: fc.Arbitrary<[number, number | undefined] | undefined> = fc.option(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), ageMsArb), { nil: undefined });

/** `entry` with a resumed part below its startSeq, when `r` gives one and there is room. */
function withResumed<T extends { readonly startSeq: number }>(entry: T, r: [number, number | undefined] | undefined): T {
  if (r === undefined || entry.startSeq < 2) return entry;
  const seq = 1 + Math.min(entry.startSeq - 2, Math.floor(r[0] * (entry.startSeq - 1)));
  return { ...entry, resumed: r[1] === undefined ? { seq } : { seq, ageMs: r[1] } };
}

export const dataFrameArb: fc.Arbitrary<DataFrame> = fc
  .record({
    sender: peerArb,
    subjects: fc.uniqueArray(subjectArb, { minLength: 1, maxLength: 4 }),
    startSeqs: fc.array(seqArb, { minLength: 4, maxLength: 4 }),
    resumes: fc.array(resumedArb, { minLength: 4, maxLength: 4 }),
    parts: fc.array(messagePartsArb, { minLength: 1, maxLength: 8 }),
  })
  .map(({ sender, subjects, startSeqs, resumes, parts }) => {
    const messages = parts.map(([pick, delta, flags, replyTo, payload, addr]) => {
      const i = pick % subjects.length;
      return message(subjects[i], Math.min(MAX, startSeqs[i] + delta), flags, replyTo, payload, addr);
    });
    const used = new Set(messages.map((m) => m.subject));
    const streams = subjects
      .map((subject, i) => withResumed({ subject, startSeq: startSeqs[i] }, resumes[i]))
      .filter((s) => used.has(s.subject));
    return { kind: 'data', sender, streams, messages } satisfies DataFrame;
  });


/** HEARTBEAT (and BYE) stream entries: unique subjects, consistent start/low/high seqs, maybe an age. */
export const streamInfosArb: fc.Arbitrary<StreamInfo[]> = fc
  .record({
    subjects: fc.uniqueArray(subjectArb, { maxLength: 5 }),
    seqs: fc.array(fc.tuple(seqArb, fc.nat({ max: 100 }), fc.nat({ max: 200 }), ageMsArb, resumedArb), { minLength: 5, maxLength: 5 }),
  })
  .map(({ subjects, seqs }) =>
    subjects.map((subject, i) => {
      const [startSeq, sent, lowBack, ageMs, resumed] = seqs[i];
      const highSeq = Math.min(MAX, startSeq - 1 + sent);
      const lowSeq = Math.min(MAX, Math.max(1, highSeq + 1 - lowBack));
      const entry: StreamInfo = ageMs === undefined ? { subject, startSeq, lowSeq, highSeq } : { subject, startSeq, lowSeq, highSeq, ageMs };
      return withResumed(entry, resumed);
    }),
  );

export const heartbeatFrameArb: fc.Arbitrary<HeartbeatFrame> = fc
  .record({ sender: peerArb, streams: streamInfosArb })
  .map(({ sender, streams }) => ({ kind: 'heartbeat', sender, streams }) satisfies HeartbeatFrame);

/** Ascending, disjoint ranges `1 <= from <= to <= 2^53 - 1`, at least `minLength`. */
export function rangesArb(minLength: number, maxLength: number): fc.Arbitrary<SeqRange[]> {
  return fc
    .tuple(seqArb, fc.array(fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.nat({ max: 1000 })), { minLength, maxLength }))
    .map(([first, steps]) => {
      const ranges: SeqRange[] = [];
      let next = Math.min(first, MAX - 1_000_000);
      for (const [gap, length] of steps) {
        const from = next;
        const to = from + length;
        ranges.push({ from, to });
        next = to + gap;
      }
      return ranges;
    });
}

/**
 * Fragment ranges above `after` (and so outside ranges ending there): ascending by (seq,
 * fromFrag), disjoint, indexes biased to the edges of MAX_FRAGMENT_COUNT.
 */
function fragmentRangesArb(maxLength: number): fc.Arbitrary<(after: number) => FragmentRange[]> {
  const step = fc.tuple(fc.nat({ max: 3 }), fc.nat({ max: 5 }), fc.nat({ max: 4 }), fc.boolean());
  return fc.array(step, { maxLength }).map((steps) => (after: number) => {
    const out: FragmentRange[] = [];
    let seq = Math.min(after + 1, MAX - 100);
    let nextFrag = 0;
    for (const [seqStep, gap, width, high] of steps) {
      if (seqStep > 0 || nextFrag > MAX_FRAGMENT_COUNT - 10) {
        seq += Math.max(1, seqStep);
        nextFrag = 0;
      }
      const fromFrag = high && nextFrag === 0 ? MAX_FRAGMENT_COUNT - 1 - width : nextFrag + gap;
      const toFrag = Math.min(MAX_FRAGMENT_COUNT - 1, fromFrag + width);
      out.push({ seq, fromFrag, toFrag });
      nextFrag = toFrag + 1;
      if (nextFrag >= MAX_FRAGMENT_COUNT) nextFrag = MAX_FRAGMENT_COUNT; // forces the next step to a new seq
    }
    return out;
  });
}

export const nakFrameArb: fc.Arbitrary<NakFrame> = fc
  .record({
    sender: peerArb,
    channelSeq: seqArb,
    target: peerArb,
    subject: subjectArb,
    ranges: rangesArb(0, 6),
    fragments: fragmentRangesArb(6),
  })
  .map(({ sender, channelSeq, target, subject, ranges, fragments }) => {
    const frags = fragments(ranges.length === 0 ? 0 : ranges[ranges.length - 1].to);
    const base = { kind: 'nak' as const, sender, channelSeq, target, subject };
    if (frags.length === 0) return { ...base, ranges: ranges.length === 0 ? [{ from: 1, to: 1 }] : ranges } satisfies NakFrame;
    return { ...base, ranges, fragments: frags } satisfies NakFrame;
  });

export const retransmitFrameArb: fc.Arbitrary<RetransmitFrame> = fc
  .record({
    sender: peerArb,
    channelSeq: fc.oneof(fc.constant(0), seqArb),
    pool: fc.uniqueArray(subjectArb, { minLength: 1, maxLength: 4 }),
    parts: fc.array(fc.tuple(fc.nat(), seqArb, messageFlagsArb, replyToArb, payloadArb, fragAddressArb), { maxLength: 6 }),
    gaps: fc.array(fc.tuple(fc.nat(), seqArb, fc.nat({ max: 100 })), { maxLength: 3 }),
  })
  .map(({ sender, channelSeq, pool, parts, gaps }) => {
    const messages = parts.map(([pick, seq, flags, replyTo, payload, addr]) =>
      message(pool[pick % pool.length], seq, flags, replyTo, payload, addr),
    );
    const unavailable = gaps.map(([pick, from, length]) => ({
      subject: pool[pick % pool.length],
      from,
      to: Math.min(MAX, from + length),
    }));
    return { kind: 'retransmit', sender, channelSeq, messages, unavailable } satisfies RetransmitFrame;
  });

export const ackFrameArb: fc.Arbitrary<AckFrame> = fc
  .record({
    sender: peerArb,
    target: peerArb,
    cumulativeSeq: fc.oneof(fc.constant(0), seqArb),
    steps: fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 8 }),
    positions: fc.uniqueArray(fc.record({ subject: subjectArb, seq: fc.oneof(fc.constant(0), seqArb) }), {
      maxLength: 4,
      selector: (p) => p.subject,
    }),
  })
  .map(({ sender, target, cumulativeSeq, steps, positions }) => {
    const base = Math.min(cumulativeSeq, MAX - 100);
    const selective: number[] = [];
    let s = base;
    for (const step of steps) selective.push((s += step));
    return { kind: 'ack', sender, target, cumulativeSeq: base, selective, positions } satisfies AckFrame;
  });

/** An ADVERT as it decodes: unversioned (no set fields), or a page of a versioned set. */
export const advertFrameArb: fc.Arbitrary<AdvertFrame> = fc
  .record({
    sender: peerArb,
    host: fc.ipV4(),
    port: fc.integer({ min: 1, max: 0xffff }),
    flags: fc.integer({ min: 0, max: 7 }),
    patterns: fc.uniqueArray(fc.oneof(patternArb, subjectArb), { maxLength: 5 }),
    versioned: fc.boolean(),
    setVersion: fc.integer({ min: 1, max: 0xffffffff }),
    extra: fc.integer({ min: 0, max: 100_000 }),
    fromIndex: fc.integer({ min: 0, max: 100_000 }),
    setDigest: fc.integer({ min: 0, max: 0xffffffff }),
  })
  .map(({ sender, host, port, flags, patterns, versioned, setVersion, extra, fromIndex, setDigest }) =>
    versioned
      ? ({ kind: 'advert', sender, host, port, flags, patterns, setVersion, setSize: fromIndex + patterns.length + extra, setDigest, fromIndex } satisfies AdvertFrame)
      : ({ kind: 'advert', sender, host, port, flags, patterns } satisfies AdvertFrame),
  );

export const patternsRequestFrameArb: fc.Arbitrary<PatternsRequestFrame> = fc.record({
  kind: fc.constant('patternsRequest' as const),
  sender: peerArb,
  targetIncarnation: fc.integer({ min: 0, max: 0xffffffff }),
  setVersion: fc.integer({ min: 1, max: 0xffffffff }),
  fromIndex: fc.integer({ min: 0, max: 0xffffffff }),
});

/** A PATTERNS_DELTA: distinct patterns, split between added and removed; the set fields consistent. */
export const patternsDeltaFrameArb: fc.Arbitrary<PatternsDeltaFrame> = fc
  .record({
    sender: peerArb,
    patterns: fc.uniqueArray(fc.oneof(patternArb, subjectArb), { maxLength: 6 }),
    split: fc.nat(),
    fromVersion: fc.integer({ min: 1, max: 0xfffffffe }),
    step: fc.integer({ min: 1, max: 1000 }),
    extra: fc.integer({ min: 0, max: 100_000 }),
    setDigest: fc.integer({ min: 1, max: 0xffffffff }),
  })
  .map(({ sender, patterns, split, fromVersion, step, extra, setDigest }) => {
    const cut = patterns.length === 0 ? 0 : split % (patterns.length + 1);
    const setSize = cut + extra;
    return {
      kind: 'patternsDelta',
      sender,
      fromVersion,
      toVersion: Math.min(0xffffffff, fromVersion + step),
      setSize,
      setDigest: setSize === 0 ? 0 : setDigest,
      added: patterns.slice(0, cut),
      removed: patterns.slice(cut),
    } satisfies PatternsDeltaFrame;
  });

export const patternsDeltaRequestFrameArb: fc.Arbitrary<PatternsDeltaRequestFrame> = fc
  .record({
    sender: peerArb,
    targetIncarnation: fc.integer({ min: 0, max: 0xffffffff }),
    fromVersion: fc.integer({ min: 1, max: 0xfffffffe }),
    step: fc.integer({ min: 1, max: 1000 }),
  })
  .map(({ sender, targetIncarnation, fromVersion, step }) => ({ kind: 'patternsDeltaRequest', sender, targetIncarnation, fromVersion, toVersion: Math.min(0xffffffff, fromVersion + step) }) satisfies PatternsDeltaRequestFrame);

/** A BYE with each stream's final entry; none is written as no `streams` (how it decodes). */
export const byeFrameArb: fc.Arbitrary<ByeFrame> = fc
  .record({ sender: peerArb, streams: streamInfosArb })
  .map(({ sender, streams }) => (streams.length === 0 ? { kind: 'bye', sender } : { kind: 'bye', sender, streams }) satisfies ByeFrame);

export const frameArbs = {
  data: dataFrameArb,
  heartbeat: heartbeatFrameArb,
  nak: nakFrameArb,
  retransmit: retransmitFrameArb,
  ack: ackFrameArb,
  advert: advertFrameArb,
  bye: byeFrameArb,
  patternsRequest: patternsRequestFrameArb,
  patternsDelta: patternsDeltaFrameArb,
  patternsDeltaRequest: patternsDeltaRequestFrameArb,
} as const;

export const anyFrameArb: fc.Arbitrary<Frame> = fc.oneof(
  dataFrameArb,
  heartbeatFrameArb,
  nakFrameArb,
  retransmitFrameArb,
  ackFrameArb,
  advertFrameArb,
  byeFrameArb,
  patternsRequestFrameArb,
  patternsDeltaFrameArb,
  patternsDeltaRequestFrameArb,
);
