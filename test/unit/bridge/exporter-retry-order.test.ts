/**
 * The exporter's publishes around a failure, with a fake peer and a fake NATS connection: what
 * it sends again, in which order. The shell's retry timer runs on vitest's fake timers.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { Exporter } from '../../../bridge/exporter.js';
import { resolveBridgeSettings, type ResolvedBridgeOptions } from '../../../bridge/options.js';
import type { Message } from '../../../actors/app/message.js';
import type { Peer } from '../../../actors/app/peer.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A connection that records each publish (its payload and reply subject) and lets the test answer it. */
function fakeConnection() {
  let callback: ((err: Error | null, m: { subject: string; data: Uint8Array; headers?: unknown }) => void) | undefined;
  const sent: { payload: string; reply: string }[] = [];
  const nc = {
    info: { max_payload: 1024 * 1024 },
    subscribe: (_subject: string, o: { callback: typeof callback }) => {
      callback = o.callback;
      return { unsubscribe: () => undefined };
    },
    publish: (_subject: string, data: Uint8Array, o: { reply: string }) => void sent.push({ payload: text(data), reply: o.reply }),
  } as unknown as NatsConnection;
  let status: ((s: { type: string }) => void) | undefined;
  (nc as unknown as { status: () => AsyncIterable<{ type: string }> }).status = () => ({
    [Symbol.asyncIterator]: () => ({
      next: () => new Promise((resolve) => (status = (s) => resolve({ value: s, done: false }))),
    }),
  });
  let seq = 0;
  const answer = (payload: string, how: 'stored' | 'noResponders') => {
    const s = [...sent].reverse().find((x) => x.payload === payload)!;
    if (how === 'stored') callback!(null, { subject: s.reply, data: bytes(`{"stream":"LC_A", "seq":${++seq}}`) });
    else callback!(null, { subject: s.reply, data: new Uint8Array(0), headers: { hasError: true, code: 503, description: '' } });
  };
  const emitStatus = (type: string) => status!({ type });
  return { nc, sent, answer, emitStatus };
}

/** A peer with one export subscription the test feeds. */
function fakePeer() {
  let deliver: ((m: Message) => void) | undefined;
  let dropWatch: ((subject: string, sender: string, seq: number) => void) | undefined;
  const acked: string[] = [];
  const peer = {
    on: () => undefined,
    off: () => undefined,
    peers: () => [],
    subscribe: (_pattern: string, _o: unknown, cb: (m: Message) => void) => {
      deliver = cb;
      return { unsubscribe: () => undefined, watchDrops: (f: typeof dropWatch) => (dropWatch = f) };
    },
  } as unknown as Peer;
  let seq = 0;
  const publish = (payload: string) =>
    deliver!({ subject: 'k.a', seq: ++seq, sender: 'pubA', senderIncarnation: 1, raw: bytes(payload), isValue: false, origin: undefined, replyTo: undefined, ack: () => acked.push(payload) } as unknown as Message);
  /** The next message is dropped for the export subscription (full), as the peer tells it. */
  const drop = () => dropWatch!('k.a', 'pubA', ++seq);
  return { peer, publish, drop, acked };
}

describe('Exporter: a failed publish and those in flight with it', () => {
  afterEach(() => void vi.useRealTimers());

  it('sends again every unanswered publish, oldest first, before anything newer (a stream leader killed: some publishes never answered, later ones refused)', async () => {
    vi.useFakeTimers();
    const { nc, sent, answer } = fakeConnection();
    const { peer, publish, acked } = fakePeer();
    const o: ResolvedBridgeOptions = { ...resolveBridgeSettings({ zone: 'A', export: ['k.>'], publishTimeoutMs: 5000, retryDelayMs: 500 }), peer, nats: nc };
    const blocked: string[] = [];
    const exporter = new Exporter(o, nc, { blocked: (r) => blocked.push(r), resumed: () => blocked.push('resumed'), refused: () => undefined });
    exporter.start();
    for (const p of ['m1', 'm2', 'm3', 'm4', 'm5']) publish(p);
    expect(sent.map((s) => s.payload)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    answer('m1', 'stored');
    // m2 and m3 went to the leader that died (never answered); m4 reached a node with no leader.
    answer('m4', 'noResponders');
    expect(blocked).toEqual(['nats']);
    publish('m6');
    vi.advanceTimersByTime(500);
    // The probe is the oldest not stored, m2, not the refused m4: nothing newer is stored before it.
    expect(sent.map((s) => s.payload).slice(5)).toEqual(['m2']);
    answer('m2', 'stored');
    await Promise.resolve(); // the probe's promise settles
    expect(sent.map((s) => s.payload).slice(5)).toEqual(['m2', 'm3', 'm4', 'm5', 'm6']);
    for (const p of ['m3', 'm4', 'm5', 'm6']) answer(p, 'stored');
    expect(acked).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    expect(exporter.queue.pending).toBe(0);
    // A late answer to a publish already sent again changes nothing.
    callbackLate(sent, answer);
    expect(acked).toHaveLength(6);
    void exporter.close();
  });
});

describe('Exporter: the connection to NATS broke', () => {
  afterEach(() => void vi.useRealTimers());

  it('sends again, in order and before anything newer, every publish not answered when it broke (written to the dead socket: lost)', async () => {
    vi.useFakeTimers();
    const { nc, sent, answer, emitStatus } = fakeConnection();
    const { peer, publish, acked } = fakePeer();
    const o: ResolvedBridgeOptions = { ...resolveBridgeSettings({ zone: 'A', export: ['k.>'], publishTimeoutMs: 5000, retryDelayMs: 500 }), peer, nats: nc };
    const exporter = new Exporter(o, nc, { blocked: () => undefined, resumed: () => undefined, refused: () => undefined });
    exporter.start();
    for (const p of ['m1', 'm2', 'm3']) publish(p);
    answer('m1', 'stored');
    emitStatus('disconnect');
    await Promise.resolve(); // the status loop runs
    publish('m4'); // after the reconnect: would be stored before m2 and m3 if sent now
    expect(sent.map((s) => s.payload)).toEqual(['m1', 'm2', 'm3']);
    vi.advanceTimersByTime(500);
    expect(sent.map((s) => s.payload).slice(3)).toEqual(['m2']);
    answer('m2', 'stored');
    await Promise.resolve();
    expect(sent.map((s) => s.payload).slice(3)).toEqual(['m2', 'm3', 'm4']);
    answer('m3', 'stored');
    answer('m4', 'stored');
    expect(acked).toEqual(['m1', 'm2', 'm3', 'm4']);
    void exporter.close();
  });

  it('with nothing in flight when it broke, sends nothing new until a probe is stored after the reconnect (a burst into a JetStream not serving yet was stored out of order)', async () => {
    vi.useFakeTimers();
    const { nc, sent, answer, emitStatus } = fakeConnection();
    const { peer, publish, acked } = fakePeer();
    const o: ResolvedBridgeOptions = { ...resolveBridgeSettings({ zone: 'A', export: ['k.>'], publishTimeoutMs: 5000, retryDelayMs: 500 }), peer, nats: nc };
    const said: string[] = [];
    const exporter = new Exporter(o, nc, { blocked: (r) => said.push(r), resumed: () => said.push('resumed'), refused: () => undefined });
    exporter.start();
    publish('m1');
    answer('m1', 'stored');
    emitStatus('disconnect');
    await Promise.resolve();
    expect(said).toEqual(['nats']);
    for (const p of ['m2', 'm3', 'm4']) publish(p);
    expect(sent.map((s) => s.payload)).toEqual(['m1']); // held while down
    vi.advanceTimersByTime(500);
    expect(sent.map((s) => s.payload)).toEqual(['m1', 'm2']); // one probe
    emitStatus('reconnect'); // the probe sent while down was dropped by the client: probed again
    await vi.advanceTimersByTimeAsync(500);
    expect(sent.map((s) => s.payload)).toEqual(['m1', 'm2', 'm2']);
    answer('m2', 'stored');
    await Promise.resolve();
    expect(sent.map((s) => s.payload)).toEqual(['m1', 'm2', 'm2', 'm3', 'm4']);
    expect(said).toEqual(['nats', 'resumed']);
    answer('m3', 'stored');
    answer('m4', 'stored');
    expect(acked).toEqual(['m1', 'm2', 'm3', 'm4']);
    // Broken and back with nothing waiting: resumed once the next probe finds nothing to send.
    emitStatus('disconnect');
    await vi.advanceTimersByTimeAsync(0);
    emitStatus('reconnect');
    await vi.advanceTimersByTimeAsync(500);
    expect(said).toEqual(['nats', 'resumed', 'nats', 'resumed']);
    publish('m5');
    expect(sent.map((s) => s.payload).at(-1)).toBe('m5');
    void exporter.close();
  });

  it('closing with publishes unanswered reports no failure: they come again after a restart (a SIGTERM printed a false blocked event)', async () => {
    const { nc, sent } = fakeConnection();
    const { peer, publish, acked } = fakePeer();
    const o: ResolvedBridgeOptions = { ...resolveBridgeSettings({ zone: 'A', export: ['k.>'], publishTimeoutMs: 5000, retryDelayMs: 500 }), peer, nats: nc };
    const blocked: string[] = [];
    const exporter = new Exporter(o, nc, { blocked: (r) => blocked.push(r), resumed: () => blocked.push('resumed'), refused: () => undefined });
    exporter.start();
    for (const p of ['m1', 'm2', 'm3']) publish(p);
    expect(sent).toHaveLength(3);
    await exporter.close();
    expect(blocked).toEqual([]);
    expect(acked).toEqual([]);
  });
});

describe('Exporter: an export subscription that dropped a message (full)', () => {
  it('takes nothing after the drop, not even what comes before the dataLoss event: what it held is stored, then it says overflowed once (later messages stored ahead of the gap moved the checkpoint past it)', async () => {
    const { nc, sent, answer } = fakeConnection();
    const { peer, publish, drop, acked } = fakePeer();
    const o: ResolvedBridgeOptions = { ...resolveBridgeSettings({ zone: 'A', export: ['k.>'], publishTimeoutMs: 5000, retryDelayMs: 500 }), peer, nats: nc };
    const overflowed: string[] = [];
    const exporter = new Exporter(o, nc, { blocked: () => undefined, resumed: () => undefined, refused: () => undefined, overflowed: (d) => overflowed.push(d) });
    exporter.start();
    publish('m1');
    publish('m2');
    drop(); // seq 3
    publish('m4'); // room freed before the dataLoss event came: not taken, not acknowledged
    expect(sent.map((s) => s.payload)).toEqual(['m1', 'm2']);
    expect(overflowed).toEqual([]);
    answer('m1', 'stored');
    answer('m2', 'stored');
    expect(overflowed).toHaveLength(1);
    expect(overflowed[0]).toContain('k.a seq 3 of pubA');
    expect(acked).toEqual(['m1', 'm2']);
    drop(); // seq 5: said once
    expect(overflowed).toHaveLength(1);
    await exporter.close();
  });
});

/** Answers the first (abandoned) send of m3 too late: its reply id is no longer waited for. */
function callbackLate(sent: { payload: string; reply: string }[], answer: (payload: string, how: 'stored' | 'noResponders') => void): void {
  const first = sent.findIndex((s) => s.payload === 'm3');
  const copy = sent.splice(first + 1); // so that `answer` finds the first send
  answer('m3', 'stored');
  sent.push(...copy);
}
