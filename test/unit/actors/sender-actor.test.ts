import { describe, it, expect } from 'vitest';
import { createActor } from '../../../actors/sender/sender-actor.js';
import type { PublishItem, SenderInbox } from '../../../actors/sender/messages.js';
import type { FlowInbox } from '../../../actors/flow/messages.js';
import type { RetransmitInbox } from '../../../actors/retransmit/messages.js';
import { GroupMap } from '../../../actors/subjects/group-map.js';
import { MESSAGE_FLAGS, type PeerId } from '../../../codecs/frame.js';
import { encodedSize } from '../../../codecs/frame-codec.js';
import { maxPayloadPerDatagram } from '../../../codecs/data-batch.js';
import { packPublishItems } from '../../../actors/sender/publish-batch.js';
import { SELF, dataOutsOf, messagesOfDatagrams, startActor, testConfig, type ConfigOverrides } from './send-path-harness.js';

type Sent = Extract<RetransmitInbox, { kind: 'sent' }>;

const A: PeerId = { name: 'a', incarnation: 7 };

async function setup(o: ConfigOverrides = {}) {
  const config = testConfig(o);
  const { actor, ctx } = await startActor(createActor, 'sender', config);
  const group = (subject: string) => new GroupMap(config.groupMap).groupForSubject(subject);
  const send = (msg: SenderInbox) => actor.receive(msg);
  const publish = (batchId: number, ...items: PublishItem[]) => send({ kind: 'published', batchId, items });
  return {
    config,
    actor,
    ctx,
    group,
    send,
    publish,
    dataOuts: () => dataOutsOf(ctx),
    sent: () => ctx.to<Sent>('retransmit', 'sent').map((m) => ({ ...m, messages: messagesOfDatagrams(m.datagrams) })),
    flow: () => ctx.to<FlowInbox>('flow'),
    accepted: () => ctx.events.filter((e) => e.kind === 'accepted').map((e) => (e as { batchId: number }).batchId),
  };
}

function item(subject: string, bytes = 10, extra: Partial<PublishItem> = {}): PublishItem {
  return { subject, flags: 0, payload: new Uint8Array(bytes).fill(subject.length), ...extra };
}

describe('sender actor', () => {
  it('sends a whole published batch as one dataOut, the same messages as sent, one sentUpTo per subject, then accepted', async () => {
    const s = await setup();
    s.publish(1, item('orders.a'), item('orders.b'), item('orders.a'));
    const outs = s.dataOuts();
    expect(outs).toHaveLength(1);
    expect(outs[0].destinations).toEqual([{ kind: 'group', group: s.group('orders.a') }]);
    expect(outs[0].messages.map((m) => [m.subject, m.seq])).toEqual([
      ['orders.a', 1],
      ['orders.b', 1],
      ['orders.a', 2],
    ]);
    expect(outs[0].streams).toEqual([
      { subject: 'orders.a', startSeq: 1, ageMs: 0 },
      { subject: 'orders.b', startSeq: 1, ageMs: 0 },
    ]);
    const sent = s.sent();
    expect(sent).toHaveLength(1);
    expect(sent[0].messages).toEqual(outs[0].messages);
    expect(s.flow()).toEqual([
      { kind: 'sentUpTo', subject: 'orders.a', fromSeq: 1, seq: 2, bytes: 20 },
      { kind: 'sentUpTo', subject: 'orders.b', fromSeq: 1, seq: 1, bytes: 10 },
    ]);
    expect(s.ctx.events).toEqual([{ kind: 'accepted', batchId: 1 }]);
    expect(s.actor.stats!()).toMatchObject({ published: 3, fragments: 3, dataOuts: 1, queued: 0 });
  });

  it('numbers runs of one subject consecutively, across a reply subject change and a fragmented message in the run', async () => {
    const s = await setup();
    const big = maxPayloadPerDatagram(s.config.maxDatagramBytes, SELF.name, 'r.a', undefined) + 1;
    s.publish(1, item('r.a'), item('r.a', 10, { replyTo: 'x.y' }), item('r.a', big), item('r.a'), item('r.b'), item('r.b'), item('r.a'));
    s.publish(2, item('r.b'), item('r.a'));
    const bySeq = s
      .dataOuts()
      .flatMap((o) => o.messages)
      .filter((m) => m.fragIndex === undefined || m.fragIndex === 0)
      .map((m) => [m.subject, m.seq]);
    expect(bySeq).toEqual([
      ['r.a', 1],
      ['r.a', 2],
      ['r.a', 3],
      ['r.a', 4],
      ['r.b', 1],
      ['r.b', 2],
      ['r.a', 5],
      ['r.b', 3],
      ['r.a', 6],
    ]);
  });

  it('emits one accepted per batch, in order, empty batches included', async () => {
    const s = await setup();
    s.publish(1, item('a.b'));
    s.publish(2);
    s.publish(3, item('a.b'), item('c.d'));
    expect(s.accepted()).toEqual([1, 2, 3]);
    expect(s.dataOuts()).toHaveLength(2);
  });

  it('a batch published with echo gets the seq of each of its messages in its accepted; others get none', async () => {
    const s = await setup();
    s.publish(1, item('a.b'));
    s.send({ kind: 'published', batchId: 2, items: [item('a.b'), item('c.d'), item('a.b')], echo: true });
    s.send({ kind: 'publishedPacked', batchId: 3, bytes: packPublishItems([item('c.d')]), echo: true });
    s.publish(4, item('a.b'));
    expect(s.ctx.events.filter((e) => e.kind === 'accepted')).toEqual([
      { kind: 'accepted', batchId: 1 },
      { kind: 'accepted', batchId: 2, seqs: [2, 1, 3] },
      { kind: 'accepted', batchId: 3, seqs: [2] },
      { kind: 'accepted', batchId: 4 },
    ]);
  });

  it('fragments a payload larger than a datagram under the message one seq, each fragment fitting one DATA datagram', async () => {
    const s = await setup({ maxDatagramBytes: 600 });
    const payload = new Uint8Array(2000).map((_, i) => i % 251);
    s.publish(1, item('big.one', 0, { payload, flags: MESSAGE_FLAGS.msgpack }));
    s.publish(2, item('big.one', 0, { payload: new Uint8Array(10) }));
    const out = { messages: s.dataOuts().flatMap((o) => o.messages) };
    const room = maxPayloadPerDatagram(600, SELF.name, 'big.one') - 8; // less the fragment extension
    const count = Math.ceil(2000 / room);
    expect(out.messages.length).toBe(count + 1);
    expect(out.messages.map((m) => m.seq)).toEqual([...Array<number>(count).fill(1), 2]);
    expect(out.messages.slice(0, count).map((m) => [m.fragIndex, m.fragCount])).toEqual(out.messages.slice(0, count).map((_, i) => [i, count]));
    expect(out.messages[count].fragIndex).toBeUndefined();
    out.messages.pop();
    const f = MESSAGE_FLAGS;
    expect(out.messages[0].flags).toBe(f.msgpack | f.fragment | f.firstFragment);
    expect(out.messages.at(-1)!.flags).toBe(f.msgpack | f.fragment | f.lastFragment);
    for (const m of out.messages) {
      const one = { kind: 'data' as const, sender: SELF, streams: [{ subject: 'big.one', startSeq: 1 }], messages: [m] };
      expect(encodedSize(one)).toBeLessThanOrEqual(600);
    }
    // The datagrams the sender built for the socket: every one within maxDatagramBytes.
    const datagrams = s.dataOuts().flatMap((o) => o.datagrams);
    expect(datagrams.length).toBeGreaterThanOrEqual(count);
    expect(datagrams.every((d) => d.byteLength <= 600)).toBe(true);
    expect(Buffer.concat(out.messages.map((m) => m.payload))).toEqual(Buffer.from(payload));
    expect(s.flow()).toEqual([
      { kind: 'sentUpTo', subject: 'big.one', fromSeq: 1, seq: 1, bytes: 2000 },
      { kind: 'sentUpTo', subject: 'big.one', fromSeq: 2, seq: 2, bytes: 10 },
    ]);
  });

  it('sends a payload of exactly one datagram whole, and one byte more as two fragments of one seq', async () => {
    const s = await setup({ maxDatagramBytes: 600 });
    const room = maxPayloadPerDatagram(600, SELF.name, 'edge.x');
    s.publish(1, item('edge.x', 0, { payload: new Uint8Array(room) }));
    s.publish(2, item('edge.x', 0, { payload: new Uint8Array(room + 1) }));
    const messages = s.dataOuts().flatMap((o) => o.messages);
    expect(messages.map((m) => [m.seq, m.fragIndex, m.fragCount, m.payload.byteLength])).toEqual([
      [1, undefined, undefined, room],
      [2, 0, 2, room - 8],
      [2, 1, 2, 9],
    ]);
    for (const m of messages) {
      const one = { kind: 'data' as const, sender: SELF, streams: [{ subject: 'edge.x', startSeq: 1, ageMs: 0 }], messages: [m] };
      expect(encodedSize(one)).toBeLessThanOrEqual(600);
    }
  });

  it('holds messages beyond the credit, reports the block once, and sends the rest in one dataOut when credit grows', async () => {
    const s = await setup();
    s.send({ kind: 'credit', subject: 'x.y', maxSeq: 2 });
    s.publish(1, item('x.y'), item('x.y'));
    s.publish(2, item('x.y'), item('x.y'));
    expect(s.dataOuts().flatMap((o) => o.messages.map((m) => m.seq))).toEqual([1, 2]);
    expect(s.accepted()).toEqual([1]);
    expect(s.flow().filter((m) => m.kind === 'blocked')).toEqual([{ kind: 'blocked', subject: 'x.y', seq: 3 }]);
    s.publish(3, item('x.y'));
    expect(s.flow().filter((m) => m.kind === 'blocked')).toHaveLength(1);
    expect(s.actor.stats!()).toMatchObject({ blockedByCredit: 1, queued: 3 });

    s.ctx.clear();
    s.send({ kind: 'credit', subject: 'x.y', maxSeq: 100 });
    expect(s.dataOuts()).toHaveLength(1);
    expect(s.dataOuts()[0].messages.map((m) => m.seq)).toEqual([3, 4, 5]);
    expect(s.accepted()).toEqual([2, 3]);
    expect(s.actor.stats!()).toMatchObject({ queued: 0, queuedBytes: 0 });
  });

  it('sends no new data while the flow actor holds it (too much unconfirmed for the window), whatever the credit, and the rest in order once let go', async () => {
    const s = await setup();
    s.send({ kind: 'credit', subject: 'x.y', maxSeq: 100 });
    s.publish(1, item('x.y'));
    s.send({ kind: 'hold', on: true });
    s.publish(2, item('x.y'), item('free.z'));
    expect(s.dataOuts().flatMap((o) => o.messages.map((m) => m.seq))).toEqual([1]);
    expect(s.actor.stats!()).toMatchObject({ blockedByWindow: 1, queued: 2 });
    s.ctx.clear();
    s.send({ kind: 'hold', on: false });
    expect(s.dataOuts().flatMap((o) => o.messages.map((m) => `${m.subject}:${m.seq}`))).toEqual(['x.y:2', 'free.z:1']);
    expect(s.accepted()).toEqual([2]);
  });

  it('keeps publish order across subjects: a subject behind a blocked one waits too', async () => {
    const s = await setup();
    s.send({ kind: 'credit', subject: 'x.y', maxSeq: 0 });
    s.publish(1, item('x.y'));
    s.publish(2, item('free.z'));
    expect(s.dataOuts()).toEqual([]);
    expect(s.accepted()).toEqual([]);
    s.send({ kind: 'credit', subject: 'x.y', maxSeq: Number.MAX_SAFE_INTEGER });
    expect(s.dataOuts()[0].messages.map((m) => m.subject)).toEqual(['x.y', 'free.z']);
    expect(s.accepted()).toEqual([1, 2]);
  });

  it('paces by the rate limit and retries at the deadline the timer was armed for', async () => {
    const s = await setup({ sender: { rateBytesPerSec: 1000, burstBytes: 1000 } });
    s.publish(1, item('r.s', 600), item('r.s', 600));
    expect(s.dataOuts().flatMap((o) => o.messages.map((m) => m.seq))).toEqual([1]);
    expect(s.accepted()).toEqual([]);
    const at = s.ctx.timer!.atMs;
    expect(at).toBeGreaterThan(0);
    s.ctx.advanceTo(at - 1);
    expect(s.dataOuts()).toHaveLength(1);
    s.ctx.advanceTo(at);
    expect(s.dataOuts().flatMap((o) => o.messages.map((m) => m.seq))).toEqual([1, 2]);
    expect(s.accepted()).toEqual([1]);
    expect(s.ctx.timer).toBeUndefined();
    expect(s.actor.stats!()).toMatchObject({ blockedByRate: 1 });
  });

  it('takes a packed batch (from an application on another thread) exactly as the same batch unpacked', async () => {
    const a = await setup();
    const b = await setup();
    const items = [item('orders.a'), item('orders.a', 3, { replyTo: '_INBOX.1' }), item('prices.b', 0, { flags: MESSAGE_FLAGS.msgpack })];
    a.publish(1, ...items);
    b.send({ kind: 'publishedPacked', batchId: 1, bytes: packPublishItems(items) });
    const view = (o: ReturnType<typeof a.dataOuts>) => o.map((d) => d.messages.map((m) => [m.subject, m.seq, m.flags, m.replyTo, [...m.payload]]));
    expect(view(b.dataOuts())).toEqual(view(a.dataOuts()));
    expect(b.accepted()).toEqual([1]);
    b.send({ kind: 'publishedPacked', batchId: 2, bytes: new Uint8Array([1, 2, 3]) });
    expect(b.ctx.events.at(-1)).toEqual({ kind: 'error', error: expect.objectContaining({ details: { batchId: 2 } }) });
  });

  it('adds unicast targets whose patterns match, one dataOut per destination set', async () => {
    const s = await setup();
    s.send({ kind: 'unicastTargets', targets: [{ peer: A, patterns: ['orders.>'] }] });
    s.publish(1, item('orders.a'), item('prices.b'), item('orders.c'));
    const outs = s.dataOuts();
    expect(outs).toHaveLength(2);
    const toA = outs.find((o) => o.destinations.length === 2)!;
    expect(toA.destinations).toEqual([
      { kind: 'group', group: s.group('orders.a') },
      { kind: 'peer', peer: A },
    ]);
    expect(toA.messages.map((m) => m.subject)).toEqual(['orders.a', 'orders.c']);
    expect(toA.streams.map((st) => st.subject)).toEqual(['orders.a', 'orders.c']);
    const groupOnly = outs.find((o) => o.destinations.length === 1)!;
    expect(groupOnly.messages.map((m) => m.subject)).toEqual(['prices.b']);
    expect(s.sent()[0].messages).toHaveLength(3);
  });

  it('with multicast off sends to unicast targets only, and keeps unrouted messages in the window', async () => {
    const s = await setup({ socket: { multicast: false } });
    s.send({ kind: 'unicastTargets', targets: [{ peer: A, patterns: ['orders.*'] }] });
    s.publish(1, item('orders.a'), item('nobody.b'));
    expect(s.dataOuts()).toEqual([
      expect.objectContaining({ destinations: [{ kind: 'peer', peer: A }], streams: [{ subject: 'orders.a', startSeq: 1, ageMs: 0 }] }),
    ]);
    expect(s.sent()[0].messages.map((m) => m.subject)).toEqual(['orders.a', 'nobody.b']);
    expect(s.actor.stats!()).toMatchObject({ unrouted: 1 });
  });

  it('refuses a batch with an oversized item whole: an error event names the batch and no seq is used', async () => {
    const s = await setup({ sender: { maxMessageBytes: 1000, maxFragmentBytes: 100 } });
    s.publish(1, item('a.b'), item('a.b', 1001));
    expect(s.ctx.events).toEqual([
      { kind: 'error', error: expect.objectContaining({ code: 'ERR_PAYLOAD_TOO_LARGE', details: { batchId: 1 } }) },
    ]);
    expect(s.dataOuts()).toEqual([]);
    s.publish(2, item('a.b'));
    expect(s.dataOuts()[0].messages[0].seq).toBe(1);
    expect(s.accepted()).toEqual([2]);
  });

  it('holds a batch that would overfill the queue while blocked, in order, and sequences it once room frees (nothing refused, nothing lost)', async () => {
    const s = await setup({ sender: { windowMaxMessages: 3, maxMessageBytes: 100, maxFragmentBytes: 100, flowWindowMessages: 3 } });
    s.send({ kind: 'credit', subject: 'q.q', maxSeq: 0 });
    s.publish(1, item('q.q'), item('q.q'));
    s.publish(2, item('q.q'), item('q.q'));
    s.publish(3, item('q.q'));
    expect(s.ctx.events).toEqual([]);
    expect(s.actor.stats!()).toMatchObject({ queued: 2, batchesRefused: 0, batchesHeld: 1, heldBatches: 2 });
    // Credit for 2: batch 1 goes, batches 2 and 3 join the queue in order.
    s.send({ kind: 'credit', subject: 'q.q', maxSeq: 2 });
    expect(s.accepted()).toEqual([1]);
    expect(s.actor.stats!()).toMatchObject({ queued: 3, heldBatches: 0 });
    s.send({ kind: 'credit', subject: 'q.q', maxSeq: 5 });
    expect(s.accepted()).toEqual([1, 2, 3]);
    expect(s.sent().flatMap((d) => d.messages?.map((m: { seq: number }) => m.seq) ?? [])).toEqual([1, 2, 3, 4, 5]);
  });

  it('takes a batch larger than windowMaxMessages when its queue is empty (it would never fit)', async () => {
    const s = await setup({ sender: { windowMaxMessages: 3, maxMessageBytes: 100, maxFragmentBytes: 100, flowWindowMessages: 3 } });
    s.publish(1, item('q.q'), item('q.q'), item('q.q'), item('q.q'), item('q.q'));
    expect(s.actor.stats!()).toMatchObject({ batchesRefused: 0, heldBatches: 0 });
  });

  it('refuses batches published after draining', async () => {
    const s = await setup();
    s.send({ kind: 'draining' });
    s.publish(9, item('a.b'));
    expect(s.ctx.events).toEqual([{ kind: 'error', error: expect.objectContaining({ code: 'ERR_PEER_CLOSED', details: { batchId: 9 } }) }]);
  });

  it('counts a send refused by a full mailbox instead of throwing', async () => {
    const s = await setup();
    s.ctx.full.add('socket');
    s.publish(1, item('a.b'));
    expect(s.accepted()).toEqual([1]);
    expect(s.sent()).toHaveLength(1);
    expect(s.actor.stats!()).toMatchObject({ mailboxFull: 1 });
  });
});
