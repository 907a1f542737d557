/**
 * The ledger's refusals and bounds as a user meets them through `createPeer`: the lock (a second
 * live process under the same name and path), damaged and truncated files (refused, or moved
 * aside with sequences above the new floor), retention (what the ledger no longer holds is
 * reported as data loss after a restart; old messages age out), and durable subscriptions
 * without a ledger. Peers run in this process (compiled library) unless a second process is
 * the point.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freshNetwork } from './helpers.js';
import { LedgerChild, killAllChildren, removeTempDirs, sleep, tempDir } from '../fixtures/ledger/harness.js';

type Lib = typeof import('../../index.js');
const lib = (await import(new URL('../../dist/index.js', import.meta.url).href)) as Lib;
type Peer = Awaited<ReturnType<Lib['createPeer']>>;

const open: Peer[] = [];
async function peer(options: Parameters<Lib['createPeer']>[0]): Promise<Peer> {
  const p = await lib.createPeer(options);
  open.push(p);
  return p;
}
async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((p) => p.close().catch(() => undefined)));
}
async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

afterEach(async () => {
  await closeAll();
  await killAllChildren();
});
afterAll(removeTempDirs);

const knobs = { advertIntervalMs: 250 };

describe('ledger lock', () => {
  it('refuses a second live process with the same peer name and ledger path, naming the holder', async () => {
    const net = freshNetwork();
    const dir = tempDir('lock');
    const config = (out: string) => ({ role: 'subscriber', peer: { name: 'locked', ...net, ledger: { path: join(dir, 'ledger') } }, out: join(dir, out), pattern: 'x.>' });
    const first = new LedgerChild(config('a.txt'));
    await first.ready();
    const second = new LedgerChild(config('b.txt'));
    const failed = await second.waitEvent('ready');
    expect(failed.event).toBe('failed');
    expect(failed.error).toMatchObject({ name: 'LedgerError', code: 'ERR_LEDGER' });
    expect(failed.error.message).toMatch(/already open by process \d+ under peer name locked/);
    expect((await second.exited).code).toBe(1);

    // once the holder is gone (even killed), the ledger opens again, recovering from the crash
    await first.kill();
    const p = await peer({ name: 'locked', ...net, ledger: { path: join(dir, 'ledger') } });
    expect((await p.stats()).actors.ledger).toMatchObject({ recovery: { lockTakenOver: true, uncleanShutdown: true } });
  });

  it('refuses a second peer on the same ledger in this process', async () => {
    const net = freshNetwork();
    const path = join(tempDir('lock-here'), 'ledger');
    await peer({ name: 'one', ...net, ledger: { path } });
    await expect(lib.createPeer({ name: 'one', ...net, ledger: { path } })).rejects.toMatchObject({
      code: 'ERR_LEDGER',
      message: expect.stringMatching(/already open in this process/),
    });
  });
});

describe('damaged ledger', () => {
  it('refuses a file that is not LMDB, and one truncated, with a LedgerError saying so', async () => {
    const net = freshNetwork();
    const garbage = join(tempDir('garbage'), 'ledger');
    mkdirSync(garbage, { recursive: true });
    writeFileSync(join(garbage, 'data.mdb'), Buffer.alloc(16_384, 0x5a));
    await expect(lib.createPeer({ name: 'g', ...net, ledger: { path: garbage } })).rejects.toMatchObject({
      code: 'ERR_LEDGER',
      message: expect.stringMatching(/is not an LMDB data file.*refusing to open it.*moveAside/),
    });

    const truncated = join(tempDir('truncated'), 'ledger');
    const p = await lib.createPeer({ name: 't', ...net, ledger: { path: truncated, durability: 'sync' } });
    for (let i = 0; i < 200; i++) await p.publish('t.x', new Uint8Array(512));
    await p.close();
    truncateSync(join(truncated, 'data.mdb'), Math.floor(statSync(join(truncated, 'data.mdb')).size / 3));
    await expect(lib.createPeer({ name: 't', ...net, ledger: { path: truncated } })).rejects.toMatchObject({
      code: 'ERR_LEDGER',
      message: expect.stringMatching(/truncated|damaged/),
    });
  });

  it("with onDamaged 'moveAside' starts fresh, keeps the old files aside, and numbers every stream above the new floor", async () => {
    const net = { ...freshNetwork(), ...knobs };
    const dir = tempDir('aside');
    const path = join(dir, 'ledger');
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, 'data.mdb'), Buffer.alloc(16_384, 0x5a));
    const before = Date.now();
    const sender = await peer({ name: 'mv', ...net, ledger: { path, onDamaged: 'moveAside', durability: 'sync' } });
    const stats = (await sender.stats()).actors.ledger as { seqFloor: number; recovery: { freshAfterDamage: boolean; damagedMovedTo: string } };
    expect(stats.recovery.freshAfterDamage).toBe(true);
    expect(stats.seqFloor).toBeGreaterThanOrEqual(before * 1000);
    expect(readdirSync(dirname(path)).some((n) => n.startsWith('ledger.damaged-'))).toBe(true);

    const receiver = await peer({ name: 'rcv', ...net });
    const seqs: number[] = [];
    receiver.subscribe('mv.>', (m) => seqs.push(m.seq));
    await sleep(300);
    for (let i = 0; i < 5; i++) await sender.publish('mv.a', { i });
    await until(() => seqs.length === 5, 5000, 'five messages');
    // The test's own facts: numbers above any a run before `before` could have used (the floor
    // is a time in microseconds), consecutive, and where the peer says its floor is.
    expect(seqs[0]).toBeGreaterThan(before * 1000);
    expect(seqs).toEqual([0, 1, 2, 3, 4].map((k) => seqs[0] + k));
    expect(seqs[0]).toBe(stats.seqFloor + 1);
  });
});

describe('retention', () => {
  it('after a restart serves what the ledger still holds and reports what retention removed as data loss', async () => {
    const net = { ...freshNetwork(), ...knobs };
    const dir = tempDir('retention');
    const senderOptions = { name: 'ret-pub', ...net, ledger: { path: join(dir, 'pub'), durability: 'sync' as const, retention: { maxMessagesPerStream: 50 } } };
    const receiverOptions = { name: 'ret-sub', ...net, ledger: { path: join(dir, 'sub'), durability: 'sync' as const } };

    let sender = await peer(senderOptions);
    let receiver = await peer(receiverOptions);
    let got: number[] = [];
    receiver.subscribe('ret.>', { durable: 'd' }, (m) => got.push(m.seq));
    await sleep(300);
    for (let i = 0; i < 10; i++) await sender.publish('ret.a', { i });
    await until(() => got.length === 10, 5000, 'the first ten');
    await receiver.close();
    // 190 more while the durable subscriber is down; the ledger keeps about the newest 50
    for (let i = 10; i < 200; i++) await sender.publish('ret.a', { i });
    const held = ((await sender.stats()).actors.ledger as { messages: number }).messages;
    // The bound the test set: over 50 the ledger trims to 50 - (50 >> 6) = 50 (its hysteresis is
    // a 64th), so it holds exactly the newest 50: fewer would lose what retention promised to keep.
    expect(held).toBe(50);
    await sender.close();
    // the sender restarts (its window is empty: anything resent comes from the ledger)
    sender = await peer(senderOptions);
    receiver = await peer(receiverOptions);
    got = [];
    const losses: { fromSeq: number; toSeq: number; reason: string }[] = [];
    receiver.on('dataLoss', (e) => losses.push(e));
    receiver.subscribe('ret.>', { durable: 'd' }, (m) => got.push(m.seq));
    await until(() => got.at(-1) === 200, 10_000, 'the stream up to 200');
    const firstHeld = 200 - held + 1;
    expect(got).toEqual(Array.from({ length: held }, (_, k) => firstHeld + k));
    // 11 .. firstHeld - 1 are gone: reported, in order, as unavailable (possibly in several events)
    expect(losses.every((l) => l.reason === 'unavailable')).toBe(true);
    expect(losses[0].fromSeq).toBe(11);
    expect(losses.at(-1)!.toSeq).toBe(firstHeld - 1);
    for (let k = 1; k < losses.length; k++) expect(losses[k].fromSeq).toBe(losses[k - 1].toSeq + 1);
    expect(((await sender.stats()).actors.ledger as { messagesServed: number }).messagesServed).toBeGreaterThanOrEqual(held);
  });

  it('drops messages older than maxAgeMs on its timer, keeping the stream numbering', async () => {
    const net = freshNetwork();
    const path = join(tempDir('age'), 'ledger');
    const options = { name: 'aged', ...net, ledger: { path, durability: 'sync' as const, retention: { maxAgeMs: 100 }, retentionIntervalMs: 50 } };
    let p = await peer(options);
    for (let i = 0; i < 20; i++) await p.publish('age.a', { i });
    await sleep(400);
    const ledger = (await p.stats()).actors.ledger as { messages: number; retentionDeleted: number };
    expect(ledger.messages).toBe(0);
    expect(ledger.retentionDeleted).toBe(20);
    await p.close();
    p = await peer(options);
    const receiver = await peer({ name: 'aged-rcv', ...net });
    const seqs: number[] = [];
    receiver.subscribe('age.>', (m) => seqs.push(m.seq));
    await sleep(300);
    await p.publish('age.a', { i: 20 });
    await until(() => seqs.length === 1, 5000, 'one message');
    expect(seqs).toEqual([21]);
  });
});

describe('durable subscriptions need a ledger', () => {
  it('refuses a durable subscription on a peer without options.ledger, and a second one under the same name', async () => {
    const net = freshNetwork();
    const plain = await peer({ name: 'plain', ...net });
    expect(() => plain.subscribe('a.>', { durable: 'x' }, () => {})).toThrow(/needs options\.ledger/);
    expect(() => plain.subscribe('a.>', { ack: 'manual' }, () => {})).toThrow(/options\.ack needs options\.durable/);
    const withLedger = await peer({ name: 'ledgered', ...net, ledger: { durability: 'none' } });
    withLedger.subscribe('a.>', { durable: 'x' }, () => {});
    expect(() => withLedger.subscribe('b.>', { durable: 'x' })).toThrow(/already open/);
  });
});
