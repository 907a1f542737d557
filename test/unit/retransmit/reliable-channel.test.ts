/**
 * An OutboundChannel and an InboundChannel joined by a seeded fake link that loses, duplicates and
 * reorders frames and ACKs: every item must come out as `'new'` exactly once.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createRng, earliest, type Rng } from '../../../actors/core.js';
import { InboundChannel, type AckState } from '../../../actors/retransmit/inbound-channel.js';
import { resolveRetransmitOptions } from '../../../actors/retransmit/options.js';
import { OutboundChannel } from '../../../actors/retransmit/outbound-channel.js';

interface LinkParams {
  seed: number;
  loss: number;
  duplicate: number;
  maxDelayMs: number;
  items: number;
  maxInFlight: number;
  ackDelayMs: number;
}

type Payload = { kind: 'frame'; seq: number; item: number } | { kind: 'ack'; ack: AckState };
type Packet = Payload & { at: number };

/** A lossy, duplicating, reordering one-process network (random delay per copy). */
class FakeLink {
  readonly queue: Packet[] = [];
  constructor(
    private readonly rng: Rng,
    private readonly p: LinkParams,
  ) {}
  send(nowMs: number, packet: Payload): void {
    if (this.rng() < this.p.loss) return;
    const copies = this.rng() < this.p.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) this.queue.push({ ...packet, at: nowMs + this.rng() * this.p.maxDelayMs });
  }
  nextAt(): number | undefined {
    let best: number | undefined;
    for (const p of this.queue) if (best === undefined || p.at < best) best = p.at;
    return best;
  }
  /** Removes and returns the packets due at `nowMs`, in arrival order. */
  takeDue(nowMs: number): Packet[] {
    const due = this.queue.filter((p) => p.at <= nowMs).sort((a, b) => a.at - b.at);
    const rest = this.queue.filter((p) => p.at > nowMs);
    this.queue.length = 0;
    this.queue.push(...rest);
    return due;
  }
}

/** Far above what a correct run needs (a few thousand steps), so a livelock fails fast. */
const MAX_STEPS = 100_000;

function run(p: LinkParams) {
  const rng = createRng(p.seed);
  const link = new FakeLink(rng, p);
  let now = 0;
  const options = resolveRetransmitOptions({
    maxAttempts: 1_000_000,
    maxInFlight: p.maxInFlight,
    ackDelayMs: p.ackDelayMs,
    holeSkipMs: 0, // the sender never gives up here, so a hole must never be skipped
  });
  const delivered = new Array<number>(p.items).fill(0);
  const outbound = new OutboundChannel<number>(
    {
      sink: {
        transmit: (seq, item) => link.send(now, { kind: 'frame', seq, item }),
        gaveUp: () => {
          throw new Error('gave up');
        },
      },
    },
    options,
  );
  const inbound = new InboundChannel({ sink: { sendAck: (ack) => link.send(now, { kind: 'ack', ack }) } }, options);
  let next = 0;
  let steps = 0;
  for (; steps < MAX_STEPS; steps++) {
    while (next < p.items && outbound.inFlightCount < p.maxInFlight) outbound.send(now, next++);
    const t = earliest(link.nextAt(), outbound.nextDeadlineMs(), inbound.nextDeadlineMs());
    if (t === undefined) break;
    now = Math.max(now, t);
    for (const packet of link.takeDue(now)) {
      if (packet.kind === 'frame') {
        if (inbound.onFrame(now, packet.seq) === 'new') delivered[packet.item]++;
      } else {
        outbound.onAck(now, packet.ack.cumulativeSeq, packet.ack.selective);
      }
    }
    if ((outbound.nextDeadlineMs() ?? Infinity) <= now) outbound.onTimer(now);
    if ((inbound.nextDeadlineMs() ?? Infinity) <= now) inbound.onTimer(now);
  }
  return { delivered, outbound, inbound, sent: next, steps };
}

const params: fc.Arbitrary<LinkParams> = fc.record({
  seed: fc.integer({ min: 0, max: 0xffff_ffff }),
  loss: fc.double({ min: 0, max: 0.49, noNaN: true }),
  duplicate: fc.double({ min: 0, max: 0.3, noNaN: true }),
  maxDelayMs: fc.integer({ min: 0, max: 50 }),
  items: fc.integer({ min: 1, max: 200 }),
  maxInFlight: fc.integer({ min: 1, max: 64 }),
  ackDelayMs: fc.integer({ min: 0, max: 5 }),
});

describe('OutboundChannel + InboundChannel over a lossy link', () => {
  it('deliver every item exactly once despite loss < 50%, duplication and reordering', () => {
    fc.assert(
      fc.property(params, (p) => {
        const { delivered, outbound, sent, steps } = run(p);
        expect(steps).toBeLessThan(MAX_STEPS);
        expect(sent).toBe(p.items);
        expect(delivered.every((n) => n === 1)).toBe(true);
        expect(outbound.inFlightCount).toBe(0);
        expect(outbound.counters.acked).toBe(p.items);
      }),
      { numRuns: 150 },
    );
  });

  it('deliver every item exactly once at 45% loss each way (fixed seed)', () => {
    const { delivered, outbound } = run({
      seed: 42,
      loss: 0.45,
      duplicate: 0.2,
      maxDelayMs: 30,
      items: 500,
      maxInFlight: 32,
      ackDelayMs: 2,
    });
    expect(delivered.every((n) => n === 1)).toBe(true);
    expect(outbound.counters.retransmitted).toBeGreaterThan(0);
    expect(outbound.counters.gaveUp).toBe(0);
  });
});
