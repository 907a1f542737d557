import { afterAll, describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActor } from '../../../actors/ledger/ledger-actor.js';
import type { LedgerInbox } from '../../../actors/ledger/messages.js';
import { resolveLedgerOptions, type LedgerOptions } from '../../../actors/ledger/options.js';
import type { SenderInbox } from '../../../actors/sender/messages.js';
import type { RetransmitInbox } from '../../../actors/retransmit/messages.js';
import type { ReceiverInbox } from '../../../actors/receiver/messages.js';
import type { PeerId, WireMessage } from '../../../codecs/frame.js';
import type { Actor } from '../../../runtime/actor.js';
import { ShellContext, startActor, testConfig } from '../actors/send-path-harness.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function ledgerDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ledgecast-ledger-actor-'));
  dirs.push(d);
  return join(d, 'ledger');
}

const A: PeerId = { name: 'a', incarnation: 3 };
const msg = (subject: string, seq: number): WireMessage => ({ subject, seq, flags: 1, payload: new Uint8Array([seq & 255]) });
const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};

async function open(o: LedgerOptions): Promise<{ actor: Actor<LedgerInbox>; ctx: ShellContext; send: (m: LedgerInbox) => void }> {
  const config = { ...testConfig(), ledger: resolveLedgerOptions({ ...o }, 'me') };
  const { actor, ctx } = await startActor(createActor, 'ledger', config);
  return { actor, ctx, send: (m) => actor.receive(m) };
}

describe('ledger actor', () => {
  it('tells the retransmit actor, then the sender, where every stream resumes after a restart', async () => {
    const path = ledgerDir();
    const first = await open({ path, durability: 'sync' });
    expect(first.ctx.to<SenderInbox>('sender')).toEqual([{ kind: 'resumed', streams: [], seqFloor: 0 }]);
    first.send({ kind: 'sequenced', messages: [msg('o.a', 1), msg('o.b', 1), msg('o.a', 2)] });
    await until(() => first.ctx.to('sender', 'committed').length > 0, 'committed');
    expect(first.ctx.to('sender', 'committed')).toEqual([
      {
        kind: 'committed',
        streams: [
          { subject: 'o.a', seq: 2 },
          { subject: 'o.b', seq: 1 },
        ],
      },
    ]);
    await first.actor.stop?.();

    const again = await open({ path, durability: 'sync' });
    expect(again.ctx.to<RetransmitInbox>('retransmit')).toEqual([
      {
        kind: 'ledgerResumed',
        seqFloor: 0,
        // lowAgeMs: how long ago the oldest message held was published (wall clock)
        streams: [
          { subject: 'o.a', lowSeq: 1, highSeq: 2, lowAgeMs: expect.any(Number) },
          { subject: 'o.b', lowSeq: 1, highSeq: 1, lowAgeMs: expect.any(Number) },
        ],
      },
    ]);
    const [resumed] = again.ctx.to<Extract<RetransmitInbox, { kind: 'ledgerResumed' }>>('retransmit');
    for (const s of resumed.streams) expect(s.lowAgeMs).toBeGreaterThanOrEqual(0);
    for (const s of resumed.streams) expect(s.lowAgeMs).toBeLessThan(60_000);
    const age = (subject: string) => resumed.streams.find((s) => s.subject === subject)?.lowAgeMs;
    expect(again.ctx.to<SenderInbox>('sender')).toEqual([
      {
        kind: 'resumed',
        seqFloor: 0,
        // held: the oldest message held of the earlier numbering, for DATA's `resumed` part
        streams: [
          { subject: 'o.a', seq: 2, held: { seq: 1, ageMs: age('o.a') } },
          { subject: 'o.b', seq: 1, held: { seq: 1, ageMs: age('o.b') } },
        ],
      },
    ]);
    await again.actor.stop?.();
  });

  it("reports 'async' appends as committed once they are flushed", async () => {
    const l = await open({ path: ledgerDir(), durability: 'async' });
    l.send({ kind: 'sequenced', messages: [msg('o.a', 1), msg('o.a', 2)] });
    l.send({ kind: 'sequenced', messages: [msg('o.a', 3)] });
    await until(() => l.ctx.to<Extract<SenderInbox, { kind: 'committed' }>>('sender', 'committed').some((c) => c.streams.some((s) => s.seq === 3)), 'flush of 3');
    await l.actor.stop?.();
  });

  it('answers NAK ranges from the ledger: held messages, and unavailable for the rest', async () => {
    const l = await open({ path: ledgerDir(), durability: 'sync' });
    l.send({ kind: 'sequenced', messages: [msg('o.a', 1), msg('o.a', 2), msg('o.a', 5)] });
    await until(() => l.ctx.to('sender', 'committed').length > 0, 'committed');
    l.send({ kind: 'serveRequested', peer: A, subject: 'o.a', ranges: [{ from: 2, to: 6 }] });
    const [served] = l.ctx.to<Extract<RetransmitInbox, { kind: 'served' }>>('retransmit', 'served');
    expect(served.peer).toEqual(A);
    expect(served.messages.map((m) => [m.subject, m.seq, m.flags, [...m.payload]])).toEqual([
      ['o.a', 2, 1, [2]],
      ['o.a', 5, 1, [5]],
    ]);
    expect(served.unavailable).toEqual([
      { from: 3, to: 4 },
      { from: 6, to: 6 },
    ]);
    await l.actor.stop?.();
  });

  it('stores a message sent as fragments under its one seq and serves it as the same fragments', async () => {
    const l = await open({ path: ledgerDir(), durability: 'sync' });
    const payload = Uint8Array.from({ length: 10 }, (_, i) => i);
    l.send({ kind: 'sequenced', messages: [msg('o.f', 1), { subject: 'o.f', seq: 2, flags: 1, payload, fragmentBytes: 4 }, msg('o.f', 3)] });
    await until(() => l.ctx.to('sender', 'committed').length > 0, 'committed');
    l.send({ kind: 'serveRequested', peer: A, subject: 'o.f', ranges: [{ from: 2, to: 3 }] });
    const [served] = l.ctx.to<Extract<RetransmitInbox, { kind: 'served' }>>('retransmit', 'served');
    expect(served.messages.map((m) => [m.seq, m.fragIndex, m.fragCount, [...m.payload]])).toEqual([
      [2, 0, 3, [0, 1, 2, 3]],
      [2, 1, 3, [4, 5, 6, 7]],
      [2, 2, 3, [8, 9]],
      [3, undefined, undefined, [3]],
    ]);
    expect(served.unavailable).toEqual([]);
    await l.actor.stop?.();
  });

  it('keeps durable positions across a restart and hands the receiver those matching the pattern', async () => {
    const path = ledgerDir();
    const first = await open({ path, durability: 'sync' });
    first.send({
      kind: 'confirmed',
      positions: [
        { durable: 'd', sender: 'p1', subject: 'o.a', seq: 10 },
        { durable: 'd', sender: 'p2', subject: 'x.y', seq: 4 },
        { durable: 'other', sender: 'p1', subject: 'o.a', seq: 99 },
      ],
      // Handed to the application above the confirmed position: o.a up to 14, o.b (none confirmed) up to 3.
      handed: [
        { durable: 'd', sender: 'p1', subject: 'o.a', seq: 14 },
        { durable: 'd', sender: 'p1', subject: 'o.b', seq: 3 },
        { durable: 'd', sender: 'p2', subject: 'x.y', seq: 6 },
      ],
    });
    // Confirmed later up to what was handed on x.y: nothing of it comes again marked.
    first.send({ kind: 'confirmed', positions: [{ durable: 'd', sender: 'p2', subject: 'x.y', seq: 6 }] });
    first.send({ kind: 'flushRequested', token: 7 });
    await until(() => first.ctx.events.some((e) => e.kind === 'ledgerFlushed'), 'ledgerFlushed');
    expect(first.ctx.events).toContainEqual({ kind: 'ledgerFlushed', token: 7 });
    await first.actor.stop?.();

    const again = await open({ path, durability: 'sync' });
    again.send({ kind: 'durableOpened', id: 3, durable: 'd', pattern: 'o.>' });
    expect(again.ctx.to<ReceiverInbox>('receiver')).toEqual([
      {
        kind: 'durableResumed',
        id: 3,
        positions: [{ sender: 'p1', subject: 'o.a', seq: 10 }],
        handed: [
          { sender: 'p1', subject: 'o.a', seq: 14 },
          { sender: 'p1', subject: 'o.b', seq: 3 },
        ],
        pattern: 'o.>',
        resumed: true,
      },
    ]);
    await again.actor.stop?.();
  });

  it('answers a handed mark (markToken) once it is committed, and the mark is there after a restart', async () => {
    const path = ledgerDir();
    const first = await open({ path, durability: 'async' });
    first.send({ kind: 'confirmed', positions: [], handed: [{ durable: 'd', sender: 'p1', subject: 'o.a', seq: 9 }] });
    first.send({ kind: 'confirmed', positions: [], handed: [{ durable: 'd', sender: 'p1', subject: 'o.a', seq: 12 }], markToken: 5 });
    await until(() => first.ctx.events.some((e) => e.kind === 'durableMarked'), 'durableMarked');
    expect(first.ctx.events.filter((e) => e.kind === 'durableMarked')).toEqual([{ kind: 'durableMarked', token: 5 }]);
    await first.actor.stop?.();
    const again = await open({ path, durability: 'async' });
    again.send({ kind: 'durableOpened', id: 1, durable: 'd', pattern: 'o.>' });
    expect(again.ctx.to<ReceiverInbox>('receiver')).toMatchObject([{ kind: 'durableResumed', handed: [{ sender: 'p1', subject: 'o.a', seq: 12 }] }]);
    await again.actor.stop?.();
  });

  it('merges positions given by the application (resumeFrom) with its own: the later of each, matching the pattern; given, unlisted streams are wanted from their start', async () => {
    const path = ledgerDir();
    const l = await open({ path, durability: 'sync' });
    l.send({ kind: 'confirmed', positions: [{ durable: 'd', sender: 'p1', subject: 'o.a', seq: 10 }, { durable: 'd', sender: 'p1', subject: 'o.b', seq: 8 }] });
    l.send({ kind: 'flushRequested', token: 1 });
    await until(() => l.ctx.events.some((e) => e.kind === 'ledgerFlushed'), 'ledgerFlushed');
    l.send({
      kind: 'durableOpened',
      id: 4,
      durable: 'd',
      pattern: 'o.>',
      given: [
        { sender: 'p1', subject: 'o.a', seq: 7 }, // older than the ledger's 10
        { sender: 'p1', subject: 'o.b', seq: 12 }, // later than the ledger's 8
        { sender: 'p2', subject: 'o.c', seq: 5 }, // the ledger has none
        { sender: 'p2', subject: 'x.y', seq: 3 }, // outside the pattern
      ],
    });
    // A durable name never opened before, with an empty list: resumed all the same.
    l.send({ kind: 'durableOpened', id: 5, durable: 'fresh', pattern: 'o.>', given: [] });
    expect(l.ctx.to<ReceiverInbox>('receiver')).toEqual([
      {
        kind: 'durableResumed',
        id: 4,
        positions: [
          { sender: 'p1', subject: 'o.a', seq: 10 },
          { sender: 'p1', subject: 'o.b', seq: 12 },
          { sender: 'p2', subject: 'o.c', seq: 5 },
        ],
        handed: [],
        pattern: 'o.>',
        resumed: true,
      },
      { kind: 'durableResumed', id: 5, positions: [], handed: [], pattern: 'o.>', resumed: true },
    ]);
    await l.actor.stop?.();
  });

  it('runs age retention on its timer and tells the retransmit actor what the ledger no longer holds', async () => {
    const l = await open({ path: ledgerDir(), durability: 'sync', retention: { maxAgeMs: 1 }, retentionIntervalMs: 50 });
    l.send({ kind: 'sequenced', messages: [msg('o.a', 1), msg('o.a', 2)] });
    await until(() => l.ctx.to('sender', 'committed').length > 0, 'committed');
    await new Promise((r) => setTimeout(r, 10));
    l.ctx.advanceTo(50);
    expect(l.ctx.to<Extract<RetransmitInbox, { kind: 'ledgerStreams' }>>('retransmit', 'ledgerStreams').at(-1)?.streams).toEqual([
      { subject: 'o.a', lowSeq: 3, highSeq: 2 },
    ]);
    expect(l.actor.stats?.()).toMatchObject({ retentionRuns: 1, retentionDeleted: 2, messages: 0 });
    expect(l.ctx.timer?.atMs).toBe(100); // and again
    await l.actor.stop?.();
  });

  it('refuses to start on a ledger already open (createPeer then rejects with LedgerError)', async () => {
    const path = ledgerDir();
    const first = await open({ path, durability: 'sync' });
    await expect(open({ path, durability: 'sync' })).rejects.toMatchObject({ code: 'ERR_LEDGER', message: expect.stringMatching(/already open/) });
    await first.actor.stop?.();
  });
});
