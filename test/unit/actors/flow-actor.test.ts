import { describe, it, expect } from 'vitest';
import { createActor } from '../../../actors/flow/flow-actor.js';
import type { SenderInbox } from '../../../actors/sender/messages.js';
import type { FlowInbox } from '../../../actors/flow/messages.js';
import type { PeerId } from '../../../codecs/frame.js';
import { startActor, testConfig, type ConfigOverrides } from './send-path-harness.js';

const A: PeerId = { name: 'a', incarnation: 1 };
const B: PeerId = { name: 'b', incarnation: 1 };
const UNLIMITED = Number.MAX_SAFE_INTEGER;

type Credit = Extract<SenderInbox, { kind: 'credit' }>;

/** A small window so tests stay readable: whole messages of one fragment. */
const SMALL: ConfigOverrides['sender'] = { flowWindowMessages: 10, maxMessageBytes: 100, maxFragmentBytes: 100 };

async function setup(sender: ConfigOverrides['sender'] = SMALL) {
  const { actor, ctx } = await startActor(createActor, 'flow', testConfig({ sender }));
  const send = (msg: FlowInbox) => actor.receive(msg);
  const credits = () => ctx.to<Credit>('sender', 'credit');
  return { actor, ctx, send, credits };
}

describe('flow actor', () => {
  it('registers a joined receiver for subjects first sent later and gives credit from its position', async () => {
    const s = await setup();
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['orders.>'] });
    s.send({ kind: 'sentUpTo', subject: 'orders.a', fromSeq: 1, seq: 5, bytes: 50 });
    expect(s.credits()).toEqual([{ kind: 'credit', subject: 'orders.a', maxSeq: 10 }]);
    s.send({ kind: 'positions', peer: A, positions: [{ subject: 'orders.a', seq: 4 }] });
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'orders.a', maxSeq: 14 });
  });

  it('sends credit only when it changes', async () => {
    const s = await setup();
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['x.*'] });
    s.send({ kind: 'sentUpTo', subject: 'x.y', fromSeq: 1, seq: 3, bytes: 30 });
    s.send({ kind: 'positions', peer: A, positions: [{ subject: 'x.y', seq: 2 }] });
    s.send({ kind: 'positions', peer: A, positions: [{ subject: 'x.y', seq: 2 }] });
    s.send({ kind: 'sentUpTo', subject: 'x.y', fromSeq: 4, seq: 6, bytes: 30 });
    expect(s.credits().map((c) => c.maxSeq)).toEqual([10, 12]);
  });

  it('sends unlimited credit for a stream nobody limits (the sender starts with one window), and again once its last receiver left', async () => {
    const s = await setup();
    s.send({ kind: 'sentUpTo', subject: 'lonely.s', fromSeq: 1, seq: 3, bytes: 30 });
    expect(s.credits()).toEqual([{ kind: 'credit', subject: 'lonely.s', maxSeq: UNLIMITED }]);
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['lonely.s'] });
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'lonely.s', maxSeq: 13 });
    s.send({ kind: 'receiverLeft', peer: A });
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'lonely.s', maxSeq: UNLIMITED });
  });

  it('follows a receiver whose patterns change: a stream it still matches by another pattern stays limited, one it no longer matches opens, a new match limits', async () => {
    const s = await setup();
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['o.a', 'o.>'] });
    s.send({ kind: 'sentUpTo', subject: 'o.a', fromSeq: 1, seq: 3, bytes: 30 });
    s.send({ kind: 'sentUpTo', subject: 'p.b', fromSeq: 1, seq: 3, bytes: 30 });
    expect(s.credits()).toEqual([
      { kind: 'credit', subject: 'o.a', maxSeq: 10 },
      { kind: 'credit', subject: 'p.b', maxSeq: UNLIMITED },
    ]);
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['o.>'] }); // o.a still matched by o.>
    expect(s.credits().filter((c) => c.subject === 'o.a').at(-1)).toEqual({ kind: 'credit', subject: 'o.a', maxSeq: 10 });
    s.send({ kind: 'positions', peer: A, positions: [{ subject: 'o.a', seq: 2 }] });
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'o.a', maxSeq: 12 });
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['p.*'] }); // o.a no longer, p.b now
    expect(s.credits().filter((c) => c.subject === 'o.a').at(-1)).toEqual({ kind: 'credit', subject: 'o.a', maxSeq: UNLIMITED });
    expect(s.credits().filter((c) => c.subject === 'p.b').at(-1)).toEqual({ kind: 'credit', subject: 'p.b', maxSeq: 13 });
  });

  it('ignores receivers whose patterns do not match our subjects', async () => {
    const s = await setup();
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['other.>'] });
    s.send({ kind: 'sentUpTo', subject: 'orders.a', fromSeq: 1, seq: 5, bytes: 50 });
    expect(s.credits()).toEqual([{ kind: 'credit', subject: 'orders.a', maxSeq: UNLIMITED }]);
  });

  it('emits slowConsumer naming a receiver that lags more than the window (policy max)', async () => {
    const s = await setup({ ...SMALL, flowPolicy: 'max' });
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['t.>'] });
    s.send({ kind: 'receiverJoined', peer: B, patterns: ['t.>'] });
    s.send({ kind: 'sentUpTo', subject: 't.u', fromSeq: 1, seq: 10, bytes: 100 });
    s.send({ kind: 'positions', peer: A, positions: [{ subject: 't.u', seq: 10 }] });
    expect(s.ctx.events).toEqual([]);
    s.send({ kind: 'sentUpTo', subject: 't.u', fromSeq: 11, seq: 18, bytes: 80 });
    expect(s.ctx.events).toEqual([{ kind: 'slowConsumer', peer: B, subject: 't.u', lagMessages: 18 }]);
    // Policy max follows the fastest receiver.
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 't.u', maxSeq: 20 });
  });

  it('reports a receiver that stalls a blocked stream (policy min), and lifts the credit when it leaves', async () => {
    const s = await setup({ ...SMALL, flowPolicy: 'min', stallTimeoutMs: 100 });
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['m.>'] });
    s.send({ kind: 'sentUpTo', subject: 'm.n', fromSeq: 1, seq: 10, bytes: 100 });
    s.send({ kind: 'positions', peer: A, positions: [{ subject: 'm.n', seq: 0 }] }); // it reports: it hears us
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'm.n', maxSeq: 10 });
    s.ctx.nowMs = 5;
    s.send({ kind: 'blocked', subject: 'm.n', seq: 11 });
    expect(s.ctx.timer?.atMs).toBe(105);
    s.ctx.advanceTo(104);
    expect(s.ctx.events).toEqual([]);
    s.ctx.advanceTo(105);
    expect(s.ctx.events).toEqual([{ kind: 'slowConsumer', peer: A, subject: 'm.n', lagMessages: 10 }]);
    expect(s.actor.stats!()).toMatchObject({ blockedReports: 1, core: { stalledReceivers: 1 } });
    // The only receiver stalled: nobody limits the stream any more (no stall beyond the bound).
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'm.n', maxSeq: UNLIMITED });
  });

  it('waits multicastProbeMs longer for a receiver that never reported a position (it may not hear multicast: its unicast fallback comes after the probe time)', async () => {
    // Multicast blocked (6 December): both subscribers were left out at the stall bound (2 s), a
    // second before the fallback (3 s), and got messages the window had dropped as 'unavailable'.
    const s = await setup({ ...SMALL, flowPolicy: 'min', stallTimeoutMs: 2000 });
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['m.>'] });
    s.send({ kind: 'sentUpTo', subject: 'm.n', fromSeq: 1, seq: 10, bytes: 100 });
    s.send({ kind: 'blocked', subject: 'm.n', seq: 11 });
    s.ctx.advanceTo(4999);
    expect(s.ctx.events).toEqual([]);
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'm.n', maxSeq: 10 });
    s.ctx.advanceTo(5000); // registered at 0: the probe time (3 s), then the stall bound
    expect(s.ctx.events).toEqual([{ kind: 'slowConsumer', peer: A, subject: 'm.n', lagMessages: 10 }]);
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'm.n', maxSeq: UNLIMITED });
  });

  it('gives each stream in flight at most its share of half the sender window (by messages), so that their sum never passes it', async () => {
    // Window of 40 messages: 4 streams in flight share 20, 5 each; each alone could have 10.
    const s = await setup({ ...SMALL, windowMaxMessages: 40 });
    const last = (subject: string) => s.credits().filter((c) => c.subject === subject).at(-1)?.maxSeq;
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['s.>'] });
    s.send({ kind: 'sentUpTo', subject: 's.0', fromSeq: 1, seq: 1, bytes: 10 });
    expect(last('s.0')).toBe(10);
    for (const i of [1, 2, 3]) s.send({ kind: 'sentUpTo', subject: `s.${i}`, fromSeq: 1, seq: 1, bytes: 10 });
    expect([0, 1, 2, 3].map((i) => last(`s.${i}`))).toEqual([5, 5, 5, 5]);
    // A fifth stream in flight: shared by 8 (the count goes up in powers of two), 2 each.
    s.send({ kind: 'sentUpTo', subject: 's.4', fromSeq: 1, seq: 1, bytes: 10 });
    expect([0, 1, 2, 3, 4].map((i) => last(`s.${i}`))).toEqual([2, 2, 2, 2, 2]);
    // Everything confirmed: nothing in flight, each stream has its whole window again.
    s.send({ kind: 'positions', peer: A, positions: [0, 1, 2, 3, 4].map((i) => ({ subject: `s.${i}`, seq: 1 })) });
    expect([0, 1, 2, 3, 4].map((i) => last(`s.${i}`))).toEqual([11, 11, 11, 11, 11]);
  });

  it('tells the retransmit actor what receivers confirmed of each stream, when it changes, so that its window evicts confirmed messages first', async () => {
    const s = await setup();
    const confirmed = () => s.ctx.to<{ kind: 'confirmed'; subjects: string[]; seqs: number[] }>('retransmit', 'confirmed').map((m) => m.subjects.map((x, i) => `${x}:${m.seqs[i]}`));
    // Nobody limits the stream: nobody is waited for.
    s.send({ kind: 'sentUpTo', subject: 'c.a', fromSeq: 1, seq: 3, bytes: 30 });
    expect(confirmed()).toEqual([[`c.a:${UNLIMITED}`]]);
    // A receiver joins: it is waited for from where it joined; then from what it reports.
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['c.>'] });
    s.send({ kind: 'sentUpTo', subject: 'c.b', fromSeq: 1, seq: 2, bytes: 20 });
    s.send({ kind: 'positions', peer: A, positions: [{ subject: 'c.a', seq: 3 }, { subject: 'c.b', seq: 1 }] });
    s.send({ kind: 'sentUpTo', subject: 'c.a', fromSeq: 4, seq: 5, bytes: 20 }); // no change: nothing told
    expect(confirmed()).toEqual([[`c.a:${UNLIMITED}`], ['c.a:3'], ['c.b:0'], ['c.b:1']]);
    // It leaves: nobody is waited for again.
    s.send({ kind: 'receiverLeft', peer: A });
    expect(confirmed().at(-1)).toEqual([`c.a:${UNLIMITED}`, `c.b:${UNLIMITED}`]);
  });

  it('holds the sender while all streams together have more unconfirmed than 3/4 of the window (streams whose windows grew back while few were in flight), until back under 1/2', async () => {
    // Window of 40 messages: held at 30 unconfirmed, let go at 20.
    const s = await setup({ ...SMALL, windowMaxMessages: 40, stallTimeoutMs: 1000 });
    const holds = () => s.ctx.to<{ kind: 'hold'; on: boolean }>('sender', 'hold').map((m) => m.on);
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['h.>'] });
    // Each stream got its whole window (10) while alone in flight; then 4 send 8 each at once: 32.
    for (const i of [0, 1, 2, 3]) s.send({ kind: 'sentUpTo', subject: `h.${i}`, fromSeq: 1, seq: 8, bytes: 80 });
    expect(holds()).toEqual([true]);
    s.send({ kind: 'positions', peer: A, positions: [{ subject: 'h.0', seq: 8 }] }); // 24 left: still held
    expect(holds()).toEqual([true]);
    s.send({ kind: 'positions', peer: A, positions: [{ subject: 'h.1', seq: 8 }] }); // 16: let go
    expect(holds()).toEqual([true, false]);
    expect(s.actor.stats?.()).toMatchObject({ holds: 1, unconfirmedMessages: 16, held: false });
  });

  it('while held, leaves out a receiver that made no progress for the stall bound and names it (a stuck receiver cannot hold the sender for longer)', async () => {
    const s = await setup({ ...SMALL, windowMaxMessages: 40, stallTimeoutMs: 1000 });
    const holds = () => s.ctx.to<{ kind: 'hold'; on: boolean }>('sender', 'hold').map((m) => m.on);
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['h.>'] });
    s.send({ kind: 'receiverJoined', peer: B, patterns: ['h.>'] });
    for (const i of [0, 1, 2, 3]) s.send({ kind: 'sentUpTo', subject: `h.${i}`, fromSeq: 1, seq: 8, bytes: 80 });
    // A confirms everything; B nothing (it reports, so it hears us).
    s.send({ kind: 'positions', peer: B, positions: [0, 1, 2, 3].map((i) => ({ subject: `h.${i}`, seq: 0 })) });
    s.send({ kind: 'positions', peer: A, positions: [0, 1, 2, 3].map((i) => ({ subject: `h.${i}`, seq: 8 })) });
    expect(holds()).toEqual([true]);
    expect(s.ctx.timer?.atMs).toBe(1000);
    s.ctx.advanceTo(1000);
    expect(s.ctx.events.filter((e) => e.kind === 'slowConsumer').map((e) => (e as { peer: PeerId }).peer.name)).toEqual(['b', 'b', 'b', 'b']);
    expect(holds()).toEqual([true, false]);
    expect(s.actor.stats?.()).toMatchObject({ stalledWhileHeld: 4 });
  });

  it('gives each stream in flight at most its share of a quarter of the sender window by bytes (large messages on many streams)', async () => {
    // 1 KiB messages, window 64 KiB: 16 KiB shared by the 4 streams in flight = 4 messages each
    // (alone, a stream could have flowWindowBytes / 1 KiB = 32).
    const s = await setup({ flowWindowMessages: 100, flowWindowBytes: 32 * 1024, windowMaxBytes: 64 * 1024, maxMessageBytes: 1024, maxFragmentBytes: 1024 });
    const last = (subject: string) => s.credits().filter((c) => c.subject === subject).at(-1)?.maxSeq;
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['b.>'] });
    for (const i of [0, 1, 2, 3]) s.send({ kind: 'sentUpTo', subject: `b.${i}`, fromSeq: 1, seq: 1, bytes: 1024 });
    expect([0, 1, 2, 3].map((i) => last(`b.${i}`))).toEqual([4, 4, 4, 4]);
  });

  it('leaves out a silent receiver after the stall bound when large messages make the window by bytes the smaller one', async () => {
    // 1 KiB messages: the window is flowWindowBytes / 1 KiB = 4 messages, not flowWindowMessages.
    const s = await setup({ flowWindowMessages: 100, flowWindowBytes: 4096, maxMessageBytes: 1024, maxFragmentBytes: 1024, flowPolicy: 'min', stallTimeoutMs: 100 });
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['big.>'] });
    s.send({ kind: 'sentUpTo', subject: 'big.one', fromSeq: 1, seq: 4, bytes: 4096 });
    s.send({ kind: 'positions', peer: A, positions: [{ subject: 'big.one', seq: 0 }] });
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'big.one', maxSeq: 4 });
    s.ctx.nowMs = 5;
    s.send({ kind: 'blocked', subject: 'big.one', seq: 5 });
    expect(s.ctx.timer?.atMs).toBe(105);
    s.ctx.advanceTo(105);
    expect(s.ctx.events).toEqual([{ kind: 'slowConsumer', peer: A, subject: 'big.one', lagMessages: 4 }]);
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'big.one', maxSeq: UNLIMITED });
  });

  it('during start-up discovery gives a stream nobody limits 1/16 of a window, counts receivers learnt then from its start, and opens at the end', async () => {
    const { actor, ctx } = await startActor(createActor, 'flow', testConfig({ sender: { ...SMALL, flowWindowMessages: 160 }, discoveryMs: 300 }));
    const credits = () => ctx.to<Credit>('sender', 'credit');
    actor.receive({ kind: 'sentUpTo', subject: 'd.s', fromSeq: 1, seq: 5, bytes: 50 });
    expect(credits().at(-1)).toEqual({ kind: 'credit', subject: 'd.s', maxSeq: 10 });
    ctx.nowMs = 100;
    actor.receive({ kind: 'receiverJoined', peer: A, patterns: ['d.>'] });
    // Learnt during discovery: it was there before the stream began, so it counts from seq 0.
    expect(credits().at(-1)).toEqual({ kind: 'credit', subject: 'd.s', maxSeq: 160 });
    actor.receive({ kind: 'receiverLeft', peer: A });
    expect(credits().at(-1)).toEqual({ kind: 'credit', subject: 'd.s', maxSeq: 10 });
    expect(ctx.timer?.atMs).toBe(300);
    ctx.advanceTo(300);
    expect(credits().at(-1)).toEqual({ kind: 'credit', subject: 'd.s', maxSeq: UNLIMITED });
  });

  it('resends a credit the sender reports blocked on while it already allows that seq', async () => {
    const s = await setup();
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['k.>'] });
    s.send({ kind: 'sentUpTo', subject: 'k.l', fromSeq: 1, seq: 2, bytes: 20 });
    s.send({ kind: 'blocked', subject: 'k.l', seq: 5 });
    expect(s.credits().map((c) => c.maxSeq)).toEqual([10, 10]);
  });

  it("ignores a departed receiver's late position report (it would track it again: a receiver that never confirms), until it joins again", async () => {
    const s = await setup();
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['d.>'] });
    s.send({ kind: 'sentUpTo', subject: 'd.e', fromSeq: 1, seq: 5, bytes: 50 });
    s.send({ kind: 'positions', peer: A, positions: [{ subject: 'd.e', seq: 5 }] });
    s.send({ kind: 'receiverLeft', peer: A });
    expect(s.credits().at(-1)?.maxSeq).toBe(UNLIMITED);
    // Its last ACK, behind the BYE: no receiver again, the stream stays open.
    s.send({ kind: 'positions', peer: A, positions: [{ subject: 'd.e', seq: 5 }] });
    s.send({ kind: 'sentUpTo', subject: 'd.e', fromSeq: 6, seq: 30, bytes: 250 });
    expect(s.credits().at(-1)?.maxSeq).toBe(UNLIMITED);
    s.send({ kind: 'streamsIdle', subjects: ['d.e'] });
    expect(s.ctx.to('retransmit', 'streamsChecked').at(-1)).toEqual({ kind: 'streamsChecked', unconfirmed: [], confirmed: ['d.e'] });
    expect(s.actor.stats?.()).toMatchObject({ positionsAfterLeave: 1 });
    // Another receiver's reports still count while A is gone.
    s.send({ kind: 'receiverJoined', peer: B, patterns: ['d.>'] });
    s.send({ kind: 'positions', peer: B, positions: [{ subject: 'd.e', seq: 30 }] });
    expect(s.credits().at(-1)?.maxSeq).toBe(40);
    s.send({ kind: 'receiverLeft', peer: B });
    // Back (it outlived an expiry): tracked again, from its reports.
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['d.>'] });
    s.send({ kind: 'positions', peer: A, positions: [{ subject: 'd.e', seq: 28 }] });
    expect(s.credits().at(-1)?.maxSeq).toBe(38);
  });

  it('names our streams a joining receiver wants to the retransmit actor (it wakes those that left the heartbeats), active and parked', async () => {
    const s = await setup();
    s.send({ kind: 'sentUpTo', subject: 'w.a', fromSeq: 1, seq: 3, bytes: 30 });
    s.send({ kind: 'sentUpTo', subject: 'v.b', fromSeq: 1, seq: 3, bytes: 30 });
    s.send({ kind: 'receiverJoined', peer: B, patterns: ['w.>'] });
    expect(s.ctx.to('retransmit', 'streamsWake')).toEqual([{ kind: 'streamsWake', subjects: ['w.a'] }]);
    // Nothing new wanted (the same patterns again): nothing named.
    s.send({ kind: 'receiverJoined', peer: B, patterns: ['w.>'] });
    expect(s.ctx.to('retransmit', 'streamsWake')).toHaveLength(1);
  });

  it('names many streams in slices of at most 1,024 (a message to another thread fits one ring record)', async () => {
    const s = await setup();
    for (let i = 0; i < 2500; i++) s.send({ kind: 'sentUpTo', subject: `m.${i}`, fromSeq: 1, seq: 1, bytes: 10 });
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['>'] });
    const sizes = s.ctx.to<{ kind: 'streamsWake'; subjects: string[] }>('retransmit', 'streamsWake').map((m) => m.subjects.length);
    expect(sizes).toEqual([1024, 1024, 452]);
    expect(s.actor.stats?.()).toMatchObject({ streamsWakeSent: 2500 });
  });

  it('remembers the newest 4,096 departures: the oldest one past that is tracked again by its reports', async () => {
    const s = await setup();
    s.send({ kind: 'sentUpTo', subject: 'f.g', fromSeq: 1, seq: 5, bytes: 50 });
    for (let i = 0; i <= 4096; i++) s.send({ kind: 'receiverLeft', peer: { name: `gone-${i}`, incarnation: 1 } });
    s.send({ kind: 'positions', peer: { name: 'gone-1', incarnation: 1 }, positions: [{ subject: 'f.g', seq: 1 }] });
    expect(s.actor.stats?.()).toMatchObject({ positionsAfterLeave: 1 });
    s.send({ kind: 'positions', peer: { name: 'gone-0', incarnation: 1 }, positions: [{ subject: 'f.g', seq: 1 }] });
    expect(s.actor.stats?.()).toMatchObject({ positionsAfterLeave: 1 });
    expect(s.credits().at(-1)?.maxSeq).toBe(11);
  });
});

describe('flow actor: a receiver that restarts', () => {
  const A2: PeerId = { name: 'a', incarnation: 2 };

  it('waits for the earlier incarnation\'s positions until the new one reports its own, or for the stall bound', async () => {
    // A durable subscriber SIGKILLed during a burst and back within 1.5 s (6 December) lost
    // 22,528 messages ('unavailable') in 2 of 5 runs: its old incarnation left ('restarted') and
    // was no longer waited for, its new one counted from the newest message, and the window slid
    // past where the durable subscription resumes before its first NAK.
    const s = await setup({ ...SMALL, stallTimeoutMs: 1000 });
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['r.>'] });
    s.send({ kind: 'sentUpTo', subject: 'r.a', fromSeq: 1, seq: 5, bytes: 50 });
    s.send({ kind: 'positions', peer: A, positions: [{ subject: 'r.a', seq: 3 }] });
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'r.a', maxSeq: 13 });
    s.send({ kind: 'receiverLeft', peer: A, restarted: true });
    s.send({ kind: 'receiverJoined', peer: A2, patterns: ['r.>'] });
    s.send({ kind: 'sentUpTo', subject: 'r.a', fromSeq: 6, seq: 9, bytes: 40 });
    // Still limited by where the old incarnation was.
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'r.a', maxSeq: 13 });
    s.send({ kind: 'positions', peer: A2, positions: [{ subject: 'r.a', seq: 4 }] });
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'r.a', maxSeq: 14 });
    expect((s.actor.stats() as { restartsHeld: number }).restartsHeld).toBe(1);

    // Without a report from the new incarnation, the old one counts for the stall bound only.
    const B2: PeerId = { name: 'b', incarnation: 2 };
    s.send({ kind: 'receiverJoined', peer: B, patterns: ['q.>'] });
    s.send({ kind: 'sentUpTo', subject: 'q.a', fromSeq: 1, seq: 5, bytes: 50 });
    s.send({ kind: 'positions', peer: B, positions: [{ subject: 'q.a', seq: 2 }] });
    s.send({ kind: 'receiverLeft', peer: B, restarted: true });
    s.send({ kind: 'receiverJoined', peer: B2, patterns: [] });
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'q.a', maxSeq: 12 });
    s.ctx.advanceTo(s.ctx.nowMs + 1000);
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'q.a', maxSeq: UNLIMITED });
  });

  it('gives the new incarnation the whole stall bound from its first report, even inside a block episode its old one began', async () => {
    // A durable subscriber SIGKILLed and back 200 ms later (6 December): its new incarnation was
    // named slow 200 ms after it was listed and no longer waited for, as the old incarnation's
    // block episode had begun before the kill. The publisher ran 150,000 messages ahead, and the
    // durable subscription, catching up, dropped 70,560 ('subscriberOverflow').
    const s = await setup({ ...SMALL, flowPolicy: 'min', stallTimeoutMs: 1000 });
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['r.>'] });
    s.send({ kind: 'sentUpTo', subject: 'r.a', fromSeq: 1, seq: 12, bytes: 120 });
    s.send({ kind: 'positions', peer: A, positions: [{ subject: 'r.a', seq: 2 }] });
    s.send({ kind: 'blocked', subject: 'r.a', seq: 13 });
    s.ctx.advanceTo(900);
    s.send({ kind: 'receiverLeft', peer: A, restarted: true });
    s.send({ kind: 'receiverJoined', peer: A2, patterns: ['r.>'] });
    s.ctx.advanceTo(950);
    s.send({ kind: 'positions', peer: A2, positions: [{ subject: 'r.a', seq: 2 }] });
    s.send({ kind: 'blocked', subject: 'r.a', seq: 13 }); // the sender still waits: the same episode
    s.ctx.advanceTo(1900);
    expect(s.ctx.events.filter((e) => e.kind === 'slowConsumer')).toEqual([]);
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'r.a', maxSeq: 12 });
    // The bound still holds for it: no progress for the stall bound from its first report.
    s.ctx.advanceTo(1950);
    expect(s.ctx.events.filter((e) => e.kind === 'slowConsumer')).toEqual([{ kind: 'slowConsumer', peer: A2, subject: 'r.a', lagMessages: 10 }]);
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'r.a', maxSeq: UNLIMITED });
  });

  it('lets the earlier incarnation go quietly at the end of its hold: no slowConsumer for a process that no longer runs', async () => {
    const s = await setup({ ...SMALL, flowPolicy: 'min', stallTimeoutMs: 1000 });
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['r.>'] });
    s.send({ kind: 'sentUpTo', subject: 'r.a', fromSeq: 1, seq: 12, bytes: 120 });
    s.send({ kind: 'positions', peer: A, positions: [{ subject: 'r.a', seq: 2 }] });
    s.send({ kind: 'blocked', subject: 'r.a', seq: 13 });
    s.ctx.advanceTo(500);
    s.send({ kind: 'receiverLeft', peer: A, restarted: true });
    s.ctx.advanceTo(1500); // the hold ends as the old incarnation's renewed stall bound passes
    expect(s.ctx.events.filter((e) => e.kind === 'slowConsumer')).toEqual([]);
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'r.a', maxSeq: UNLIMITED });
  });

  it('does not wait for a receiver that left otherwise (BYE, expiry)', async () => {
    const s = await setup();
    s.send({ kind: 'receiverJoined', peer: A, patterns: ['r.>'] });
    s.send({ kind: 'sentUpTo', subject: 'r.a', fromSeq: 1, seq: 5, bytes: 50 });
    s.send({ kind: 'positions', peer: A, positions: [{ subject: 'r.a', seq: 3 }] });
    s.send({ kind: 'receiverLeft', peer: A, restarted: false });
    expect(s.credits().at(-1)).toEqual({ kind: 'credit', subject: 'r.a', maxSeq: UNLIMITED });
  });
});
