/**
 * The application-facing API as a user meets it (issue 12): own publishes delivered to own
 * subscriptions (echo), a request to oneself, no-responders fail-fast and its start-up rule,
 * AbortSignal on request, peerUpdated / peers(), closed and Symbol.asyncDispose, codecs and
 * typed data, and stats() holding the counters its type names. Peers in this process on
 * loopback, from the built package (dist/), default options unless the test is about one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortError,
  createPeer,
  InvalidOptionError,
  NoRespondersError,
  PeerClosedError,
  TimeoutError,
  type Message,
  type Peer,
  type PeerOptions,
  type PeerUpdatedEvent,
} from '../../dist/index.js';
import { freshNetwork, TOPOLOGIES, within } from './helpers.js';
import { join } from 'node:path';
import { removeTempDirs, tempDir } from '../fixtures/ledger/harness.js';

let peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.map((p) => p.close({ timeoutMs: 0 })));
  peers = [];
  removeTempDirs();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function start(options: PeerOptions): Promise<Peer> {
  const p = await createPeer(options);
  peers.push(p);
  return p;
}

const rejection = <T>(p: Promise<T>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

describe.each(['single', 'dedicated'] as (typeof TOPOLOGIES)[number][])("echo with topology '%s'", (topology) => {
  it("a peer's own publishes reach its own matching subscriptions once, in seq order, before publish resolves", async () => {
    const net = { ...freshNetwork(), topology };
    const a = await start({ ...net, name: 'a' });
    const b = await start({ ...net, name: 'b' });
    const atA: Message[] = [];
    const atB: Message[] = [];
    a.subscribe('e.>', (m) => atA.push(m));
    a.subscribe('other.>', () => {});
    b.subscribe('e.>', (m) => atB.push(m));
    await sleep(300);
    for (let i = 1; i <= 20; i++) {
      await a.publish('e.x', { i });
      expect(atA).toHaveLength(i); // delivered before publish resolved
    }
    await a.publish('nobody.listens', { i: 0 });
    await within(5000, 'b got all', (async () => { while (atB.length < 20) await sleep(20); })());
    await sleep(300); // no duplicate arrives later (from the network)
    expect(atA.map((m) => (m.data as { i: number }).i)).toEqual(Array.from({ length: 20 }, (_, k) => k + 1));
    expect(atA.map((m) => m.seq)).toEqual(atB.map((m) => m.seq));
    expect(atA.every((m) => m.sender === 'a' && m.senderIncarnation === a.incarnation && m.subject === 'e.x')).toBe(true);
    expect(atB.map((m) => m.sender)).toEqual(Array(20).fill('a'));
    const stats = await a.stats();
    expect(stats.app.echoed).toBe(20);
  });
});

describe('echo with a ledger', () => {
  it('own publishes (sequenced after the ledger opened, numbering continued) reach non-durable subscriptions, not durable ones', async () => {
    const net = freshNetwork();
    const ledger = { path: join(tempDir('api-echo'), 'ledger'), durability: 'sync' as const };
    const first = await createPeer({ ...net, name: 'l', ledger });
    await first.publish('l.x', { i: 0 }); // seq 1, before any subscription: not echoed
    await first.close({ timeoutMs: 0 });
    const a = await start({ ...net, name: 'l', ledger });
    const plain: Message[] = [];
    const durable: Message[] = [];
    a.subscribe('l.>', (m) => plain.push(m));
    a.subscribe('l.>', { durable: 'd' }, (m) => durable.push(m));
    await sleep(200);
    for (let i = 1; i <= 3; i++) await a.publish('l.x', { i });
    expect(plain.map((m) => [m.seq, (m.data as { i: number }).i])).toEqual([
      [2, 1],
      [3, 2],
      [4, 3],
    ]);
    expect(durable).toEqual([]);
  });
});

describe('echo: false', () => {
  it('keeps own publishes from own subscriptions; other peers still get them', async () => {
    const net = freshNetwork();
    const a = await start({ ...net, name: 'a', echo: false });
    const b = await start({ ...net, name: 'b' });
    const atA: Message[] = [];
    const atB: Message[] = [];
    a.subscribe('e.>', (m) => atA.push(m));
    b.subscribe('e.>', (m) => atB.push(m));
    await sleep(300);
    for (let i = 1; i <= 5; i++) await a.publish('e.x', { i });
    await within(5000, 'b got all', (async () => { while (atB.length < 5) await sleep(20); })());
    await sleep(200);
    expect(atA).toEqual([]);
    await expect(createPeer({ echo: 'no' as unknown as boolean })).rejects.toThrow(InvalidOptionError);
  });
});

describe('request', () => {
  it('a request to a subject the peer answers itself is answered by itself', async () => {
    const a = await start({ ...freshNetwork(), name: 'a' });
    a.subscribe('rates.request', (msg) => void msg.respond({ rate: 1.08 }));
    const reply = await a.request<{ rate: number }>('rates.request', { pair: 'EURUSD' }, { timeoutMs: 2000 });
    expect(reply.data.rate).toBe(1.08);
    expect(reply.sender).toBe('a');
  });

  it('fails fast with NoRespondersError once discovery is over, and times out when a responder is known but silent', async () => {
    const net = { ...freshNetwork(), discoveryMs: 0, advertIntervalMs: 100, peerExpiryMs: 1000 };
    const a = await start({ ...net, name: 'a' });
    const b = await start({ ...net, name: 'b' });
    b.subscribe('svc.silent', () => {}); // listens, never answers
    await sleep(400);
    const t0 = Date.now();
    const err = await rejection(a.request('svc.nobody', {}, { timeoutMs: 5000 }));
    expect(err).toBeInstanceOf(NoRespondersError);
    expect(err).toMatchObject({ code: 'ERR_NO_RESPONDERS', subject: 'svc.nobody' });
    expect(Date.now() - t0).toBeLessThan(200);
    const silent = await rejection(a.request('svc.silent', {}, { timeoutMs: 300 }));
    expect(silent).toBeInstanceOf(TimeoutError);
    expect((await a.stats()).app.noResponders).toBe(1);
  });

  it('right after createPeer: a responder that starts with us answers; with none, NoRespondersError at the end of discovery, not the timeout', async () => {
    const net = freshNetwork();
    const [a, b] = await Promise.all([start({ ...net, name: 'a' }), start({ ...net, name: 'b' })]);
    b.subscribe('svc.echo', (msg) => void msg.respond({ by: 'b' }));
    const reply = await a.request('svc.echo', {}, { timeoutMs: 5000 });
    expect(reply.data).toEqual({ by: 'b' });
    const c = await start({ ...net, name: 'c' });
    const t0 = Date.now();
    const err = await rejection(c.request('svc.nobody', {}, { timeoutMs: 5000 }));
    const elapsed = Date.now() - t0;
    expect(err).toBeInstanceOf(NoRespondersError);
    // discoveryMs + advertIntervalMs = 1300 ms after the start by default
    expect(elapsed).toBeLessThan(2500);
  });

  it('a reply a handler gives while its peer closes resolves false and is no error (a request delivered during the drain)', async () => {
    const net = freshNetwork();
    const a = await start({ ...net, name: 'a' });
    const b = await start({ ...net, name: 'b' });
    const errors: Error[] = [];
    b.on('error', (e) => errors.push(e));
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      let closed: Promise<void> | undefined;
      const sent = new Promise<boolean>((resolve) =>
        b.subscribe('svc.closing', (msg) => {
          closed = b.close();
          resolve(msg.respond({ late: true }));
        }),
      );
      while (!a.peers().some((p) => p.patterns.includes('svc.closing'))) await sleep(20);
      const asked = rejection(a.request('svc.closing', {}, { timeoutMs: 500 }));
      expect(await within(5000, 'the handler to respond', sent)).toBe(false);
      await within(10_000, 'the close', closed!);
      expect(await asked).toBeInstanceOf(TimeoutError);
      await sleep(50);
      expect(errors).toEqual([]);
      expect(warnings.filter((w) => w.name === 'LEDGECAST_ERROR' || /PeerClosed|closed/.test(w.message))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('an AbortSignal rejects the request at once with an AbortError, also when already aborted', async () => {
    const net = freshNetwork();
    const a = await start({ ...net, name: 'a' });
    a.subscribe('svc.silent', () => {});
    const controller = new AbortController();
    const t0 = Date.now();
    setTimeout(() => controller.abort(new Error('user gave up')), 100);
    const err = await rejection(a.request('svc.silent', {}, { timeoutMs: 10_000, signal: controller.signal }));
    expect(err).toBeInstanceOf(AbortError);
    expect(err).toMatchObject({ name: 'AbortError', code: 'ERR_ABORTED' });
    expect((err as Error).cause).toEqual(new Error('user gave up'));
    expect(Date.now() - t0).toBeLessThan(1000);
    await expect(a.request('svc.silent', {}, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
  });
});

describe('peers', () => {
  it("peerUpdated brings a peer's complete patterns after its first advert, and peers() holds them", async () => {
    const net = freshNetwork();
    const a = await start({ ...net, name: 'a' });
    const updates: PeerUpdatedEvent[] = [];
    a.on('peerUpdated', (e) => updates.push(e));
    const b = await start({ ...net, name: 'b' });
    b.subscribe('upd.>', () => {});
    b.subscribe('more.*', () => {});
    await within(5000, 'peerUpdated with both patterns', (async () => {
      while (!updates.some((u) => u.name === 'b' && u.patterns.includes('upd.>') && u.patterns.includes('more.*'))) await sleep(20);
    })());
    const last = updates.filter((u) => u.name === 'b').at(-1)!;
    expect(last.incarnation).toBe(b.incarnation);
    expect(last.previousPatterns).not.toEqual(last.patterns);
    expect(a.peers().find((p) => p.name === 'b')?.patterns).toEqual(expect.arrayContaining(['upd.>', 'more.*']));
  });
});

describe('lifecycle', () => {
  it('Symbol.asyncDispose closes the peer; closed resolves (undefined on a clean close)', async () => {
    const a = await createPeer({ ...freshNetwork(), name: 'a' });
    let closedWith: unknown = 'pending';
    void a.closed.then((r) => (closedWith = r));
    await a[Symbol.asyncDispose]();
    await sleep(0);
    expect(closedWith).toBeUndefined();
    await expect(a.publish('x.y', 1)).rejects.toBeInstanceOf(PeerClosedError);
  });

  it('a subscription ends with Symbol.dispose and with its AbortSignal', async () => {
    const a = await start({ ...freshNetwork(), name: 'a' });
    const sub = a.subscribe('d.x');
    sub[Symbol.dispose]();
    expect(sub.isClosed).toBe(true);
    const controller = new AbortController();
    const iterated = (async () => {
      const got: unknown[] = [];
      for await (const m of a.subscribe('d.y', { signal: controller.signal })) got.push(m.data);
      return got;
    })();
    await a.publish('d.y', 1);
    controller.abort();
    expect(await within(2000, 'loop ends', iterated)).toEqual([1]);
  });
});

describe('subscribe arguments', () => {
  it('options after the handler throw InvalidOptionError instead of leaving a durable subscription non-durable', async () => {
    // Found by a new user's chaos run: subscribe(pattern, handler, { durable }) made a plain
    // subscription, so what it missed while down was gone without a dataLoss event.
    const peer = await start({ ...freshNetwork(), name: 'argorder', ledger: { path: join(tempDir('argorder'), 'ledger') } });
    const call = () => (peer.subscribe as (...args: unknown[]) => unknown)('a.>', () => undefined, { durable: 'billing' });
    expect(call).toThrow(InvalidOptionError);
    expect(call).toThrow(/options go before the handler/);
  });
});

describe('codecs', () => {
  it("'json' on both sides, a per-subscription codec of the application's, and 'raw' refusing values", async () => {
    const net = freshNetwork();
    const a = await start({ ...net, name: 'a', codec: 'json' });
    const b = await start({ ...net, name: 'b' });
    const seen: unknown[] = [];
    const upper: string[] = [];
    b.subscribe<{ n: number }>('j.x', { codec: 'json' }, (m) => seen.push(m.data.n));
    b.subscribe<string>('j.x', { codec: { encode: (s: string) => new TextEncoder().encode(s), decode: (bytes) => new TextDecoder().decode(bytes).toUpperCase() } }, (m) => upper.push(m.data));
    await sleep(300);
    await a.publish('j.x', { n: 7 });
    await within(5000, 'delivered', (async () => { while (seen.length < 1 || upper.length < 1) await sleep(20); })());
    expect(seen).toEqual([7]);
    expect(upper).toEqual(['{"N":7}']);
    const raw = await start({ ...net, name: 'r', codec: 'raw' });
    await expect(raw.publish('j.x', { n: 1 })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(createPeer({ codec: 'yaml' as never })).rejects.toThrow(InvalidOptionError);
  });
});

describe('stats', () => {
  it('holds the actors and counters PeerStats names', async () => {
    const a = await start({ ...freshNetwork(), name: 'a' });
    await a.publish('s.x', 1);
    // A small publish resolves once queued: the sender's counters have it a moment later.
    let s = await a.stats();
    for (let t = Date.now(); s.actors.retransmit.window.messages === 0 && Date.now() - t < 2000; s = await a.stats()) await new Promise((r) => setTimeout(r, 10));
    expect(Object.keys(s.actors).sort()).toEqual(['flow', 'receiver', 'receivers', 'retransmit', 'sender', 'socket', 'subjects']);
    expect(s.actors.sender.published).toBe(1);
    expect(typeof s.actors.receiver.naksSent).toBe('number');
    expect(typeof s.actors.socket.mailbox.length).toBe('number');
    expect(s.actors.retransmit.window.messages).toBe(1);
    expect(s.app).toMatchObject({ published: 1, echoed: 0, noResponders: 0, subscriptions: 0 });
  });
});
