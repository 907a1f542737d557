import { describe, it, expect } from 'vitest';
import type { PeerId } from '../../../codecs/frame.js';
import { createRng } from '../../../actors/core.js';
import { Receiver } from '../../../actors/receiver/receiver.js';
import { msg, RecordingSink } from './helpers.js';

const A1: PeerId = { name: 'a', incarnation: 1 };

/** When the first NAK of a gap (seq 1 missing, seen at t = 1000) goes out, with these peers listed. */
function firstNakAt(listed: string[], seed: number): number | undefined {
  const sink = new RecordingSink();
  const rx = new Receiver({ sink, rng: createRng(seed), isInterested: () => true }, { nakDelayMinMs: 2, nakDelayMaxMs: 20 });
  for (const name of listed) rx.setListed(name, true);
  rx.onData(1000, A1, 1, msg(2));
  for (let d = rx.nextDeadlineMs(); d !== undefined && d <= 2000; d = rx.nextDeadlineMs()) {
    rx.onTimer(d);
    if (sink.naks().length > 0) return d;
  }
  return undefined;
}

describe('Receiver NAK delay and the peers it knows', () => {
  it('NAKs after nakDelayMinMs when no peer but the sender is listed (nobody shares its losses)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      expect(firstNakAt(['a'], seed)).toBe(1002);
      expect(firstNakAt([], seed)).toBe(1002);
    }
  });

  it('spreads first NAKs over [nakDelayMinMs, nakDelayMaxMs] once another peer is listed', () => {
    const at = new Set<number | undefined>();
    for (let seed = 1; seed <= 20; seed++) {
      const t = firstNakAt(['a', 'b'], seed) as number;
      expect(t).toBeGreaterThanOrEqual(1002);
      expect(t).toBeLessThanOrEqual(1020);
      at.add(t);
    }
    expect(at.size).toBeGreaterThan(3);
    for (let seed = 1; seed <= 5; seed++) expect(firstNakAt(['b'], seed)).toBeGreaterThanOrEqual(1002); // the other one only
    expect(new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => firstNakAt(['b'], seed))).size).toBeGreaterThan(1);
  });
});
