import { describe, expect, it } from 'vitest';
import { DeliveryBacklog, WAITING_DELIVERIES_ID } from '../../../actors/app/delivery-backlog.js';
import type { DeliveredBatch } from '../../../actors/app/events.js';
import type { PeerId } from '../../../codecs/frame.js';

const A: PeerId = { name: 'a', incarnation: 1 };
const B: PeerId = { name: 'b', incarnation: 1 };

function batch(...recs: [PeerId, string, number][]): DeliveredBatch {
  return { senders: recs.map((r) => r[0]), messages: recs.map(([, subject, seq]) => ({ subject, seq, flags: 0, payload: new Uint8Array(0) })) };
}

describe('DeliveryBacklog (deliveries waiting for a later turn pace their senders)', () => {
  it('tells the pacer, per run of one stream, how many wait and the oldest, as they wait and as they are taken', () => {
    const calls: unknown[][] = [];
    const backlog = new DeliveryBacklog(() => ({ paceQueue: (...args: unknown[]) => void calls.push(args), forgetQueue: () => undefined }));
    const first = batch([A, 'x', 1], [A, 'x', 2], [A, 'x', 3], [B, 'x', 7], [A, 'y', 1]);
    const second = batch([A, 'x', 4], [A, 'x', 5]);
    backlog.queued(first);
    backlog.queued(second);
    expect(backlog.size).toBe(3);
    expect(calls.map((c) => [c[0], c[2], c[3], c[4], c[5]])).toEqual([
      [WAITING_DELIVERIES_ID, 'a', 'x', 3, 1],
      [WAITING_DELIVERIES_ID, 'b', 'x', 1, 7],
      [WAITING_DELIVERIES_ID, 'a', 'y', 1, 1],
      [WAITING_DELIVERIES_ID, 'a', 'x', 5, 1],
    ]);
    calls.length = 0;
    backlog.taken(first);
    expect(calls.map((c) => [c[2], c[3], c[4], c[5]])).toEqual([
      ['a', 'x', 2, 4],
      ['b', 'x', 0, 8],
      ['a', 'y', 0, 2],
    ]);
    expect(backlog.size).toBe(1);
    backlog.taken(second);
    expect(calls.at(-1)?.slice(2)).toEqual(['a', 'x', 0, 6]);
    expect(backlog.size).toBe(0);
  });

  it('counts without a pacer (before the peer started) and tells nothing', () => {
    const backlog = new DeliveryBacklog(() => undefined);
    backlog.queued(batch([A, 'x', 1]));
    expect(backlog.size).toBe(1);
    backlog.taken(batch([A, 'x', 1]));
    expect(backlog.size).toBe(0);
  });
});
