/**
 * Messages dropped for full subscriptions are said as one `dataLoss` per run of consecutive seqs
 * of a stream (actors/app/overflow-losses.ts), not one per message nor one per delivery batch:
 * once the run has not grown for QUIET_MS, once it is MAX_AGE_MS old, when a drop does not
 * follow it, and at flush (the peer's close).
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { MAX_AGE_MS, OverflowLosses, QUIET_MS } from '../../../actors/app/overflow-losses.js';
import type { DataLossEvent } from '../../../actors/app/peer-events.js';

const feed = { name: 'feed', incarnation: 7 };
const rec = (subject: string, seq: number) => ({ subject, seq, flags: 0, payload: new Uint8Array() });
const shown = (said: DataLossEvent[]) => said.map((e) => `${e.subject} ${e.fromSeq}..${e.toSeq}`);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

it('says each run of consecutive drops of a stream once, when it stops growing, and counts every drop', () => {
  const said: DataLossEvent[] = [];
  const o = new OverflowLosses((e) => void said.push(e), () => Date.now());
  for (let seq = 10; seq <= 5000; seq++) o.dropped(feed, rec('a.b', seq));
  o.dropped(feed, rec('a.b', 20)); // dropped for a second subscription: said once
  o.dropped(feed, rec('a.c', 3));
  o.dropped(feed, rec('a.b', 6000)); // not consecutive: the run before is said at once
  expect(shown(said)).toEqual(['a.b 10..5000']);
  vi.advanceTimersByTime(QUIET_MS);
  expect(shown(said)).toEqual(['a.b 10..5000', 'a.c 3..3', 'a.b 6000..6000']);
  expect(said[0]).toEqual({ sender: 'feed', senderIncarnation: 7, subject: 'a.b', fromSeq: 10, toSeq: 5000, reason: 'subscriberOverflow' });
  expect(o.count).toBe(4994);
  o.dropped({ name: 'feed', incarnation: 8 }, rec('a.b', 1)); // another incarnation: another stream
  vi.advanceTimersByTime(QUIET_MS);
  expect(said.at(-1)).toMatchObject({ senderIncarnation: 8, fromSeq: 1, toSeq: 1 });
});

it('one overflow spread over many delivery batches is one event (it was one per batch: 212 for 49,999 seqs), and a long one is said every MAX_AGE_MS', () => {
  const said: DataLossEvent[] = [];
  const o = new OverflowLosses((e) => void said.push(e), () => Date.now());
  // Batches of 250 drops every 20 ms for 800 ms.
  let seq = 100_002;
  for (let batch = 0; batch < 40; batch++) {
    for (let i = 0; i < 250; i++) o.dropped(feed, rec('a.b', seq++));
    vi.advanceTimersByTime(20);
  }
  expect(said).toEqual([]);
  vi.advanceTimersByTime(QUIET_MS);
  expect(shown(said)).toEqual([`a.b 100002..${seq - 1}`]);
  // An overflow that goes on: said every MAX_AGE_MS, the ranges adjacent.
  said.length = 0;
  const from = seq;
  for (let t = 0; t < 2.5 * MAX_AGE_MS; t += 20) {
    for (let i = 0; i < 10; i++) o.dropped(feed, rec('a.b', seq++));
    vi.advanceTimersByTime(20);
  }
  expect(said.length).toBe(2);
  o.flush(); // the peer closes: what is held is said
  expect(said.length).toBe(3);
  expect(said[0].fromSeq).toBe(from);
  for (let i = 1; i < said.length; i++) expect(said[i].fromSeq).toBe(said[i - 1].toSeq + 1);
  expect(said.at(-1)?.toSeq).toBe(seq - 1);
  vi.advanceTimersByTime(10 * QUIET_MS);
  expect(said.length).toBe(3);
});
