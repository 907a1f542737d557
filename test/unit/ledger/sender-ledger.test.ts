import { describe, it, expect } from 'vitest';
import { createActor } from '../../../actors/sender/sender-actor.js';
import type { PublishItem, SenderInbox } from '../../../actors/sender/messages.js';
import type { LedgerInbox } from '../../../actors/ledger/messages.js';
import { resolveLedgerOptions, type LedgerOptions } from '../../../actors/ledger/options.js';
import { serializeError, LedgerError } from '../../../errors.js';
import { dataOutsOf, startActor, testConfig } from '../actors/send-path-harness.js';

type Sequenced = Extract<LedgerInbox, { kind: 'sequenced' }>;

async function setup(ledger: LedgerOptions) {
  const config = { ...testConfig(), ledger: resolveLedgerOptions({ path: '/unused', ...ledger }, 'me') };
  const { actor, ctx } = await startActor(createActor, 'sender', config);
  const send = (msg: SenderInbox) => actor.receive(msg);
  return {
    ctx,
    send,
    publish: (batchId: number, ...items: PublishItem[]) => send({ kind: 'published', batchId, items }),
    wire: () => dataOutsOf(ctx).flatMap((d) => d.messages.map((m) => [m.subject, m.seq])),
    starts: () => dataOutsOf(ctx).flatMap((d) => d.streams),
    sequenced: () => ctx.to<Sequenced>('ledger', 'sequenced').flatMap((d) => d.messages.map((m) => [m.subject, m.seq])),
    accepted: () => ctx.events.filter((e) => e.kind === 'accepted').map((e) => (e as { batchId: number }).batchId),
    refused: () => ctx.events.filter((e) => e.kind === 'error').map((e) => (e as unknown as { error: { code: string; details: { batchId: number } } }).error),
  };
}

const item = (subject: string): PublishItem => ({ subject, flags: 0, payload: new Uint8Array(8) });

describe('sender with a ledger', () => {
  it('holds publishes until the ledger resumed, then numbers every stream above its resumed sequence or the floor', async () => {
    const s = await setup({ durability: 'none' });
    s.publish(1, item('a'), item('b'));
    expect(s.sequenced()).toEqual([]);
    expect(s.wire()).toEqual([]);
    s.send({ kind: 'resumed', streams: [{ subject: 'a', seq: 41 }], seqFloor: 7 });
    expect(s.sequenced()).toEqual([
      ['a', 42],
      ['b', 8],
    ]);
    expect(s.wire()).toEqual(s.sequenced());
    expect(s.starts()).toEqual([
      { subject: 'a', startSeq: 42, ageMs: 0 },
      { subject: 'b', startSeq: 8, ageMs: 0 },
    ]);
    expect(s.accepted()).toEqual([1]);
  });

  it('states in each DATA entry of a resumed stream the oldest message its ledger holds of the earlier numbering, and its age', async () => {
    const s = await setup({ durability: 'none' });
    const t0 = s.ctx.nowMs;
    // 'a' holds 30..41 (seq 30 published 5 s ago); 'b' holds nothing; 'c' holds 3..9, age unknown.
    s.send({
      kind: 'resumed',
      streams: [{ subject: 'a', seq: 41, held: { seq: 30, ageMs: 5000 } }, { subject: 'b', seq: 12 }, { subject: 'c', seq: 9, held: { seq: 3 } }],
      seqFloor: 0,
    });
    s.ctx.advanceTo(t0 + 250);
    s.publish(1, item('a'), item('b'), item('c'), item('d'));
    expect(s.starts()).toEqual([
      { subject: 'a', startSeq: 42, ageMs: 0, resumed: { seq: 30, ageMs: 5250 } },
      { subject: 'b', startSeq: 13, ageMs: 0 },
      { subject: 'c', startSeq: 10, ageMs: 0, resumed: { seq: 3 } },
      { subject: 'd', startSeq: 1, ageMs: 0 },
    ]);
  });

  it('hands the ledger a large message whole under its one seq, with the size of its fragments', async () => {
    const s = await setup({ durability: 'none' });
    s.send({ kind: 'resumed', streams: [], seqFloor: 0 });
    const payload = new Uint8Array(30_000).map((_, i) => i & 0xff);
    s.publish(1, { subject: 'big', flags: 0, payload }, item('big'));
    const seq = s.ctx.to<Sequenced>('ledger', 'sequenced').flatMap((d) => d.messages);
    expect(seq.map((m) => [m.seq, m.payload.byteLength, m.flags, m.fragIndex])).toEqual([
      [1, 30_000, 0, undefined],
      [2, 8, 0, undefined],
    ]);
    const onWire = dataOutsOf(s.ctx).flatMap((d) => d.messages).filter((m) => m.seq === 1);
    expect(onWire.length).toBeGreaterThan(1);
    expect(seq[0].fragmentBytes).toBe(onWire[0].payload.byteLength);
  });

  it("'sync': hands each batch to the ledger first and puts it on the wire (and accepts it) only once committed", async () => {
    const s = await setup({ durability: 'sync' });
    s.send({ kind: 'resumed', streams: [], seqFloor: 0 });
    s.publish(1, item('a'), item('a'));
    s.publish(2, item('a'));
    expect(s.sequenced()).toEqual([
      ['a', 1],
      ['a', 2],
      ['a', 3],
    ]);
    expect(s.wire()).toEqual([]);
    expect(s.accepted()).toEqual([]);
    s.send({ kind: 'committed', streams: [{ subject: 'a', seq: 2 }] });
    expect(s.wire()).toEqual([
      ['a', 1],
      ['a', 2],
    ]);
    expect(s.accepted()).toEqual([1]);
    s.send({ kind: 'committed', streams: [{ subject: 'a', seq: 3 }] });
    expect(s.wire()).toHaveLength(3);
    expect(s.accepted()).toEqual([1, 2]);
  });

  it("'sync': a stream waiting for its commit holds back the streams behind it (messages leave in publish order)", async () => {
    const s = await setup({ durability: 'sync' });
    s.send({ kind: 'resumed', streams: [], seqFloor: 0 });
    s.publish(1, item('a'), item('b'));
    s.send({ kind: 'committed', streams: [{ subject: 'b', seq: 1 }] });
    expect(s.wire()).toEqual([]);
    s.send({ kind: 'committed', streams: [{ subject: 'a', seq: 1 }] });
    expect(s.wire()).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
  });

  it("'async': sends at once up to maxUnflushedPerStream ahead of the last reported flush, then waits for the next", async () => {
    const s = await setup({ durability: 'async', maxUnflushedPerStream: 2 });
    s.send({ kind: 'resumed', streams: [{ subject: 'a', seq: 10 }], seqFloor: 0 });
    s.publish(1, item('a'), item('a'));
    s.publish(2, item('a'));
    expect(s.wire()).toEqual([
      ['a', 11],
      ['a', 12],
    ]);
    expect(s.accepted()).toEqual([1]);
    s.send({ kind: 'committed', streams: [{ subject: 'a', seq: 11 }] });
    expect(s.wire()).toContainEqual(['a', 13]);
    expect(s.accepted()).toEqual([1, 2]);
  });

  it('refuses what waits, and every later publish, once the ledger failed', async () => {
    const s = await setup({ durability: 'sync' });
    s.send({ kind: 'resumed', streams: [], seqFloor: 0 });
    s.publish(1, item('a'));
    s.publish(2, item('a'));
    s.send({ kind: 'ledgerFailed', error: serializeError(new LedgerError('disk full')) });
    s.publish(3, item('a'));
    expect(s.refused().map((e) => [e.code, e.details.batchId])).toEqual([
      ['ERR_LEDGER', 1],
      ['ERR_LEDGER', 2],
      ['ERR_LEDGER', 3],
    ]);
    expect(s.wire()).toEqual([]);
  });
});
