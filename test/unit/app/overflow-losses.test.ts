/**
 * Messages dropped for full subscriptions are said as one `dataLoss` per run of consecutive seqs
 * of a stream in one event-loop turn (actors/app/overflow-losses.ts), not one per message.
 */
import { expect, it } from 'vitest';
import { OverflowLosses } from '../../../actors/app/overflow-losses.js';
import type { DataLossEvent } from '../../../actors/app/peer-events.js';

const feed = { name: 'feed', incarnation: 7 };
const rec = (subject: string, seq: number) => ({ subject, seq, flags: 0, payload: new Uint8Array() });

it('says each run of consecutive drops of a stream once, after the turn, and counts every drop', async () => {
  const said: DataLossEvent[] = [];
  const o = new OverflowLosses((e) => void said.push(e));
  for (let seq = 10; seq <= 5000; seq++) o.dropped(feed, rec('a.b', seq));
  o.dropped(feed, rec('a.b', 20)); // dropped for a second subscription: said once
  o.dropped(feed, rec('a.c', 3));
  o.dropped(feed, rec('a.b', 6000)); // not consecutive: the run before is said at once
  expect(said.map((e) => `${e.subject} ${e.fromSeq}..${e.toSeq}`)).toEqual(['a.b 10..5000']);
  await Promise.resolve();
  expect(said.map((e) => `${e.subject} ${e.fromSeq}..${e.toSeq}`)).toEqual(['a.b 10..5000', 'a.b 6000..6000', 'a.c 3..3']);
  expect(said[0]).toEqual({ sender: 'feed', senderIncarnation: 7, subject: 'a.b', fromSeq: 10, toSeq: 5000, reason: 'subscriberOverflow' });
  expect(o.count).toBe(4994);
  o.dropped({ name: 'feed', incarnation: 8 }, rec('a.b', 1)); // another incarnation: another stream
  await Promise.resolve();
  expect(said.at(-1)).toMatchObject({ senderIncarnation: 8, fromSeq: 1, toSeq: 1 });
});
