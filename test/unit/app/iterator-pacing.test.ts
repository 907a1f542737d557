import { describe, expect, it } from 'vitest';
import { IteratorPacing, type QueuePacer } from '../../../actors/app/iterator-pacing.js';
import type { Message } from '../../../actors/app/message.js';

const msg = (sender: string, subject: string, seq: number): Message => ({ sender, subject, seq }) as unknown as Message;

function recorder(): QueuePacer & { notes: [number, string, number, number][]; forgotten: number[] } {
  const notes: [number, string, number, number][] = [];
  const forgotten: number[] = [];
  return {
    notes,
    forgotten,
    paceQueue: (id, _key, sender, subject, backlog, oldestSeq) => void notes.push([id, `${sender}|${subject}`, backlog, oldestSeq]),
    forgetQueue: (id) => void forgotten.push(id),
  };
}

describe('IteratorPacing: what waits in an iterated subscription, per stream', () => {
  it('counts the messages waiting per stream and the oldest of them (the next after the last taken)', () => {
    const r = recorder();
    const p = new IteratorPacing(7, r);
    p.queued(msg('pub', 't.a', 10));
    p.queued(msg('pub', 't.b', 3));
    p.queued(msg('pub', 't.a', 11));
    p.taken(msg('pub', 't.a', 10));
    p.taken(msg('pub', 't.a', 11));
    p.queued(msg('pub', 't.a', 12));
    expect(r.notes).toEqual([
      [7, 'pub|t.a', 1, 10],
      [7, 'pub|t.b', 1, 3],
      [7, 'pub|t.a', 2, 10],
      [7, 'pub|t.a', 1, 11],
      [7, 'pub|t.a', 0, 12],
      [7, 'pub|t.a', 1, 12],
    ]);
  });

  it('a message handed straight to a waiting consumer (never queued) changes nothing; the end lifts the caps', () => {
    const r = recorder();
    const p = new IteratorPacing(3, r);
    p.taken(msg('pub', 't.a', 1));
    expect(r.notes).toEqual([]);
    p.ended();
    expect(r.forgotten).toEqual([3]);
  });

  it('a stream emptied then queued again after a loss starts from its new oldest message', () => {
    const r = recorder();
    const p = new IteratorPacing(1, r);
    p.queued(msg('pub', 't.a', 1));
    p.taken(msg('pub', 't.a', 1));
    p.queued(msg('pub', 't.a', 40)); // 2..39 were lost (told as dataLoss)
    expect(r.notes.at(-1)).toEqual([1, 'pub|t.a', 1, 40]);
  });
});
