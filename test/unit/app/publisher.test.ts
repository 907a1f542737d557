import { describe, expect, it } from 'vitest';
import { Publisher } from '../../../actors/app/publisher.js';
import type { SenderInbox } from '../../../actors/sender/messages.js';
import type { ActorRef } from '../../../runtime/actor-ref.js';
import { MAIN_THREAD } from '../../../runtime/topology.js';

/** A sender on this thread that records what it is handed. */
function fakeSender() {
  const sent: Extract<SenderInbox, { kind: 'published' }>[] = [];
  const ref = {
    name: 'sender',
    thread: MAIN_THREAD,
    trySend: (msg: SenderInbox) => {
      sent.push(msg as Extract<SenderInbox, { kind: 'published' }>);
      return true;
    },
    whenWritable: () => Promise.resolve(),
  } as unknown as ActorRef<SenderInbox>;
  return { ref, sent };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('Publisher', () => {
  it('publishes that settle when queued go to the sender once, at the end of the event-loop turn, however many were awaited', async () => {
    const { ref, sent } = fakeSender();
    const p = new Publisher(ref, 2048, 1 << 20);
    for (let i = 0; i < 100; i++) {
      p.publishQueued(p.prepare('a.b', new Uint8Array([i]), undefined));
      await Promise.resolve(); // an awaited publish that resolved at once
    }
    expect(sent).toEqual([]);
    expect(p.pending).toBe(100);
    await turn();
    expect(sent.map((m) => m.items.length)).toEqual([100]);
    p.settle(sent[0].batchId);
    expect(p.pending).toBe(0);
  });

  it('lets the event loop turn after 4 MiB of payload in one turn (a larger message goes alone): the socket is read between', async () => {
    const { ref } = fakeSender();
    const p = new Publisher(ref, 2048, 8 << 20);
    const mb = () => p.prepare('a.b', new Uint8Array(1 << 20), undefined);
    for (let i = 0; i < 4; i++) expect(p.tryPublish(mb())).toBe(true);
    expect(p.tryPublish(p.prepare('a.b', new Uint8Array(1), undefined))).toBe(false);
    expect(p.mustWait(1)).toBe(true);
    await turn();
    expect(p.mustWait(1)).toBe(false);
    // Alone in its turn, a message larger than the bound goes; nothing after it in the same turn.
    expect(p.tryPublish(p.prepare('a.b', new Uint8Array(6 << 20), undefined))).toBe(true);
    expect(p.tryPublish(p.prepare('a.b', new Uint8Array(1), undefined))).toBe(false);
  });

  it('says false and waits while 64 MiB of payload is pending, as at maxPendingPublishes, until the sender accepts', async () => {
    const { ref, sent } = fakeSender();
    const p = new Publisher(ref, 2048, 8 << 20);
    for (let i = 0; i < 16; i++) {
      expect(p.tryPublish(p.prepare('a.b', new Uint8Array(4 << 20), undefined))).toBe(true);
      await turn();
    }
    expect(p.pending).toBe(16);
    expect(p.tryPublish(p.prepare('a.b', new Uint8Array(1), undefined))).toBe(false);
    expect(p.mustWait(1)).toBe(true);
    const later = p.publishWhenRoom(p.prepare('a.b', new Uint8Array(1), undefined), false, true);
    p.settle(sent.at(-1)!.batchId);
    await later;
    expect(p.tryPublish(p.prepare('a.b', new Uint8Array(1), undefined))).toBe(true);
  });

  it('hands queued publishes over at once when maxPendingPublishes is reached (room comes only from the sender)', async () => {
    const { ref, sent } = fakeSender();
    const p = new Publisher(ref, 10, 1 << 20);
    for (let i = 0; i < 10; i++) p.publishQueued(p.prepare('a.b', new Uint8Array([i]), undefined));
    expect(p.mustWait()).toBe(true);
    const later = p.publishWhenRoom(p.prepare('a.b', new Uint8Array([10]), undefined), false, true);
    expect(sent.map((m) => m.items.length)).toEqual([10]);
    p.settle(sent[0].batchId);
    await later;
    expect(p.mustWait()).toBe(false);
  });

  it('publishes that wait for room go in call order, moved in by the publisher as room comes; tryPublish does not pass them', async () => {
    // Before: each waiting publish was woken on every settle to ask again, and queued again at
    // the back when there was still no room: 100,000 un-awaited publish() calls right after
    // createPeer froze the event loop for 12-18 s.
    const { ref, sent } = fakeSender();
    const p = new Publisher(ref, 10, 1 << 20);
    const item = (i: number) => p.prepare('a.b', new Uint8Array([i & 0xff, i >> 8]), undefined);
    const settled: number[] = [];
    for (let i = 0; i < 10; i++) p.publishQueued(item(i));
    const waiting = Array.from({ length: 990 }, (_, k) => p.publishWhenRoom(item(10 + k), false, k % 2 === 0).then(() => settled.push(10 + k)));
    expect(p.tryPublish(item(9999))).toBe(false);
    for (let rounds = 0; rounds < 200 && sent.reduce((n, m) => n + m.items.length, 0) < 1000; rounds++) {
      await turn();
      for (const m of sent.slice()) p.settle(m.batchId);
    }
    await Promise.all(waiting);
    const order = sent.flatMap((m) => m.items.map((it) => it.payload[0] | (it.payload[1] << 8)));
    expect(order).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(settled).toHaveLength(990);
    expect(p.mustWait()).toBe(false);
  });

  it('rejects the publishes still waiting for room when the peer closes: never handed over', async () => {
    const { ref, sent } = fakeSender();
    const p = new Publisher(ref, 2, 1 << 20);
    p.publishQueued(p.prepare('a.b', new Uint8Array([1]), undefined));
    p.publishQueued(p.prepare('a.b', new Uint8Array([2]), undefined));
    const late = [p.publishWhenRoom(p.prepare('a.b', new Uint8Array([3]), undefined), false, true), p.publishWhenRoom(p.prepare('a.b', new Uint8Array([4]), undefined), true, false)];
    p.rejectWaiting();
    for (const l of late) await expect(l).rejects.toMatchObject({ code: 'ERR_PEER_CLOSED' });
    p.settle(sent[0].batchId);
    await turn();
    expect(sent.flatMap((m) => m.items.map((it) => it.payload[0]))).toEqual([1, 2]);
  });

  it('a queued publish is not handed to the echo sink (only publishes awaited to the end are delivered to own subscriptions)', async () => {
    const { ref, sent } = fakeSender();
    const echoed: number[] = [];
    const p = new Publisher(ref, 2048, 1 << 20, (items) => echoed.push(...items.map((it) => it.payload[0])));
    p.publishQueued(p.prepare('a.b', new Uint8Array([1]), undefined));
    const done = p.publish(p.prepare('a.b', new Uint8Array([2]), undefined), true);
    await Promise.resolve();
    expect(sent.map((m) => m.echo)).toEqual([true]);
    p.settle(sent[0].batchId, undefined, [1, 2]);
    await done;
    expect(echoed).toEqual([2]);
  });

  it('says how many queued publishes failed after they settled (no promise to reject)', async () => {
    const { ref, sent } = fakeSender();
    const refused: [string, number][] = [];
    const p = new Publisher(ref, 2048, 1 << 20, undefined, (err, count) => refused.push([err.message, count]));
    for (let i = 0; i < 3; i++) p.publishQueued(p.prepare('a.b', new Uint8Array([i]), undefined));
    await turn();
    p.settle(sent[0].batchId, new Error('too many streams'));
    expect(refused).toEqual([['too many streams', 3]]);
  });

  it('at close, says how many tryPublish and queued publishes were never sent (no promise to reject), and rejects the awaited ones', async () => {
    const { ref } = fakeSender();
    const refused: [string, number][] = [];
    const p = new Publisher(ref, 2048, 1 << 20, undefined, (err, count) => refused.push([err.name, count]));
    expect(p.tryPublish(p.prepare('a.b', new Uint8Array([1]), undefined))).toBe(true);
    p.publishQueued(p.prepare('a.b', new Uint8Array([2]), undefined));
    await turn(); // both handed to the sender, never accepted
    const awaited = p.publish(p.prepare('a.b', new Uint8Array([3]), undefined));
    p.publishQueued(p.prepare('a.b', new Uint8Array([4]), undefined)); // not yet handed over
    p.close();
    await expect(awaited).rejects.toMatchObject({ code: 'ERR_PEER_CLOSED' });
    expect(refused).toEqual([['PeerClosedError', 3]]);
  });

  it('a publish awaited to the end still goes in the microtask, with the queued ones before it, in order', async () => {
    const { ref, sent } = fakeSender();
    const p = new Publisher(ref, 2048, 1 << 20);
    p.publishQueued(p.prepare('a.b', new Uint8Array([1]), undefined));
    const done = p.publish(p.prepare('a.b', new Uint8Array([2]), undefined));
    await Promise.resolve();
    expect(sent.map((m) => m.items.map((it) => it.payload[0]))).toEqual([[1, 2]]);
    p.settle(sent[0].batchId);
    await done;
  });

  it('a bad replyTo is refused at the call, naming the option (not as if the subject were wrong)', () => {
    const { ref } = fakeSender();
    const p = new Publisher(ref, 2048, 1 << 20);
    expect(() => p.prepare('a.b', new Uint8Array(1), 7 as unknown as string)).toThrow(/^options\.replyTo: /);
    expect(() => p.prepare('a.b', new Uint8Array(1), 'r.*')).toThrow(expect.objectContaining({ name: 'InvalidSubjectError', code: 'ERR_INVALID_SUBJECT', message: expect.stringMatching(/^options\.replyTo: /) }));
    expect(() => p.prepare('a.b', new Uint8Array(1), 'r.ok')).not.toThrow();
  });
});
