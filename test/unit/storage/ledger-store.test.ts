import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { LedgerStore } from '../../../storage/index.js';
import { streamKey } from '../../../codecs/frame.js';
import { bytes, messages, removeTempDirs, tempDir } from './support.js';

afterAll(removeTempDirs);



describe('LedgerStore: sent messages', () => {
  it('returns the held messages of a range in seq order, one stream only', async () => {
    const store = await LedgerStore.open({ peerName: 'p' });
    await store.appendSent('a.b', messages(1, 10));
    await store.appendSent('a', messages(1, 3));
    await store.appendSent('a.b.c', messages(1, 3));
    await store.flushed();
    const got = store.getSent('a.b', 3, 6, 100);
    expect(got.map((m) => m.seq)).toEqual([3, 4, 5, 6]);
    expect(got[0]).toMatchObject({ seq: 3, flags: 0, sentAtMs: 1_000_003 });
    expect([...got[0].payload]).toEqual([...bytes(10, 3)]);
    expect(store.getSent('a.b', 8, 1_000, 100).map((m) => m.seq)).toEqual([8, 9, 10]);
    expect(store.getSent('a.b', 1, 10, 2).map((m) => m.seq)).toEqual([1, 2]);
    expect(store.getSent('a', 0, Number.MAX_SAFE_INTEGER, 100).map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(store.getSent('nope', 1, 10, 10)).toEqual([]);
    expect(store.getSent('a.b', 6, 3, 10)).toEqual([]);
    expect(store.getSent('a.b', Number.NaN, 10, 10)).toEqual([]);
    expect(store.getSent('a.b', 1, 10, Number.NaN)).toEqual([]);
    expect(store.getSent('a.b', -Infinity, Infinity, Infinity)).toHaveLength(10);
    await store.close();
  });

  it('keeps flags, reply subject and payload bytes exactly', async () => {
    const store = await LedgerStore.open({ peerName: 'p' });
    const payload = new Uint8Array([0, 1, 2, 255, 254]);
    await store.appendSent('req', [{ seq: 1, flags: 0x0b, replyTo: '_INBOX.x.1', payload, sentAtMs: 12.5 }]);
    await store.appendSent('req', [{ seq: 2, flags: 0, payload: new Uint8Array(0), sentAtMs: 13 }]);
    await store.flushed();
    const [a, b] = store.getSent('req', 1, 2, 10);
    expect(a).toMatchObject({ seq: 1, flags: 0x0b, replyTo: '_INBOX.x.1', sentAtMs: 12.5 });
    expect([...a.payload]).toEqual([0, 1, 2, 255, 254]);
    expect(b.replyTo).toBeUndefined();
    expect(b.payload.byteLength).toBe(0);
    await store.close();
  });

  it('refuses a sequence that is not above the stream highSeq, and bad messages', async () => {
    const store = await LedgerStore.open({ peerName: 'p' });
    await store.appendSent('s', messages(1, 5));
    expect(() => store.appendSent('s', messages(5, 6))).toThrow(/seq 5 must be a safe integer above 5/);
    expect(() => store.appendSent('s', [...messages(7, 8), ...messages(8, 8)])).toThrow(/above 8/);
    expect(() => store.appendSent('s', [{ seq: 9, flags: 256, payload: bytes(1), sentAtMs: 0 }])).toThrow(/flags/);
    expect(() => store.appendSent('s', [{ seq: 9, flags: 0, payload: bytes(1), sentAtMs: NaN }])).toThrow(/sentAtMs/);
    expect(() => store.appendSent('s', [{ seq: 9, flags: 0, replyTo: 'x'.repeat(70_000), payload: bytes(1), sentAtMs: 0 }])).toThrow(/replyTo/);
    expect(() => store.appendSent('', messages(1, 1))).toThrow(/subject must be a non-empty string/);
    expect(() => store.appendSent('a\u0000b', messages(1, 1))).toThrow(/NUL/);
    // a refused batch changes nothing
    expect(store.highSeqs()).toEqual({ s: 5 });
    await store.close();
  });

  it('accepts gaps between sequences and reports lowSeq as nothing-held-below', async () => {
    const store = await LedgerStore.open({ peerName: 'p' });
    expect(store.lowSeq('s')).toBe(1);
    await store.appendSent('s', [messages(3, 3)[0], messages(7, 7)[0]]);
    await store.flushed();
    expect(store.lowSeq('s')).toBe(3);
    expect(store.getSent('s', 1, 10, 10).map((m) => m.seq)).toEqual([3, 7]);
    await store.close();
  });
});

describe('LedgerStore: highSeq and reopen', () => {
  it('keeps highSeqs, messages and durable positions across close and reopen', async () => {
    const path = join(tempDir(), 'ledger');
    const a = await LedgerStore.open({ path, peerName: 'p', durability: 'sync' });
    expect(a.recovery.created).toBe(true);
    expect(a.incarnation).toBe(1);
    await a.appendSent('x', messages(1, 20));
    await a.appendSent('y', messages(1, 2));
    await a.setDelivered('d1', 'peerA', 'x', 17);
    await a.close();
    await a.close(); // idempotent

    const b = await LedgerStore.open({ path, peerName: 'p', durability: 'sync' });
    expect(b.recovery).toMatchObject({ created: false, uncleanShutdown: false, freshAfterDamage: false, raised: {} });
    expect(b.incarnation).toBe(2);
    expect(b.highSeqs()).toEqual({ x: 20, y: 2 });
    expect(b.getSent('x', 19, 20, 10).map((m) => m.seq)).toEqual([19, 20]);
    expect(b.getDelivered('d1')).toEqual(new Map([[streamKey('peerA', 'x'), 17]]));
    expect(b.stats()).toMatchObject({ streams: 2, messages: 22, durablePositions: 1 });
    expect(b.stats().fileBytes).toBeGreaterThan(0);
    expect(() => b.appendSent('x', messages(20, 20))).toThrow(/above 20/);
    await b.appendSent('x', messages(21, 21));
    await b.close();
  });

  it('bumps and persists the incarnation on nextIncarnation()', async () => {
    const path = join(tempDir(), 'ledger');
    const a = await LedgerStore.open({ path, peerName: 'p' });
    expect(a.nextIncarnation()).toBe(2);
    expect(a.incarnation).toBe(2);
    await a.close();
    const b = await LedgerStore.open({ path, peerName: 'p' });
    expect(b.incarnation).toBe(3);
    await b.close();
  });

  it('throws LedgerError on use after close', async () => {
    const store = await LedgerStore.open({ peerName: 'p' });
    await store.close();
    expect(() => store.highSeqs()).not.toThrow();
    expect(() => store.appendSent('s', messages(1, 1))).toThrow(/closed/);
    expect(() => store.getSent('s', 1, 1, 1)).toThrow(expect.objectContaining({ code: 'ERR_LEDGER' }));
  });

  it("with durability 'none' never touches the path", async () => {
    const path = join(tempDir(), 'never');
    const store = await LedgerStore.open({ path, peerName: 'p', durability: 'none' });
    await store.appendSent('s', messages(1, 3));
    await store.flushed();
    expect(store.getSent('s', 1, 3, 10)).toHaveLength(3);
    await store.close();
    const { existsSync } = await import('node:fs');
    expect(existsSync(path)).toBe(false);
  });
});

describe('LedgerStore: retention', () => {
  it('cuts a stream over maxMessagesPerStream to 63/64 of it on append, oldest first', async () => {
    const store = await LedgerStore.open({ peerName: 'p', retention: { maxMessagesPerStream: 128 } });
    await store.appendSent('s', messages(1, 128));
    await store.flushed();
    expect(store.stats().messages).toBe(128);
    await store.appendSent('s', messages(129, 129));
    await store.flushed();
    expect(store.stats().messages).toBe(126);
    expect(store.lowSeq('s')).toBe(4);
    expect(store.getSent('s', 1, 5, 10).map((m) => m.seq)).toEqual([4, 5]);
    await store.close();
  });

  it('trims each stream to maxMessagesPerStream on append, keeping highSeq', async () => {
    const store = await LedgerStore.open({ peerName: 'p', retention: { maxMessagesPerStream: 5 } });
    for (let seq = 1; seq <= 12; seq++) {
      await store.appendSent('s', messages(seq, seq));
      await store.flushed();
    }
    expect(store.getSent('s', 1, 100, 100).map((m) => m.seq)).toEqual([8, 9, 10, 11, 12]);
    expect(store.lowSeq('s')).toBe(8);
    expect(store.highSeqs()).toEqual({ s: 12 });
    expect(store.stats()).toMatchObject({ messages: 5, counters: expect.objectContaining({ messagesDeleted: 7 }) });
    await store.close();
  });

  it('trims by bytes: stored bytes are payload + reply subject + 12', async () => {
    // 346 bytes: cut to 346 - floor(346 / 64) = 341 when exceeded, which holds three 112-byte records
    const store = await LedgerStore.open({ peerName: 'p', retention: { maxBytesPerStream: 346 } });
    await store.appendSent('s', messages(1, 3, 0, 100));
    await store.flushed();
    expect(store.stats().bytes).toBe(336);
    await store.appendSent('s', messages(4, 5, 0, 100));
    await store.flushed();
    expect(store.getSent('s', 1, 10, 10).map((m) => m.seq)).toEqual([3, 4, 5]);
    expect(store.stats().bytes).toBe(336);
    await store.close();
  });

  it('deletes by age against the nowMs passed in, and keeps highSeq when everything is gone', async () => {
    const store = await LedgerStore.open({ peerName: 'p', retention: { maxAgeMs: 1000 } });
    await store.appendSent('old', messages(1, 10, 0)); // sentAtMs 1..10
    await store.appendSent('new', messages(1, 2, 5000)); // sentAtMs 5001..5002
    await store.flushed();
    expect(store.applyRetention(1005)).toEqual({ messagesDeleted: 4, bytesDeleted: 4 * 22, streamsTrimmed: 1 });
    await store.flushed();
    expect(store.getSent('old', 1, 10, 10).map((m) => m.seq)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(store.applyRetention(1005)).toEqual({ messagesDeleted: 0, bytesDeleted: 0, streamsTrimmed: 0 });
    expect(store.applyRetention(1_000_000)).toMatchObject({ messagesDeleted: 8, streamsTrimmed: 2 });
    await store.flushed();
    expect(store.getSent('old', 1, 10, 10)).toEqual([]);
    expect(store.highSeqs()).toEqual({ old: 10, new: 2 });
    expect(store.lowSeq('old')).toBe(11);
    expect(() => store.appendSent('old', messages(10, 10))).toThrow(/above 10/);
    await store.close();
  });

  it('keeps highSeq of an emptied stream across reopen', async () => {
    const path = join(tempDir(), 'ledger');
    const a = await LedgerStore.open({ path, peerName: 'p' });
    await a.appendSent('s', messages(1, 4, 0));
    await a.flushed();
    a.applyRetention(10 ** 12);
    await a.close();
    const b = await LedgerStore.open({ path, peerName: 'p' });
    expect(b.highSeqs()).toEqual({ s: 4 });
    expect(b.stats().messages).toBe(0);
    expect(b.lowSeq('s')).toBe(5);
    await b.close();
  });

  it('discards confirmed messages up to a sequence', async () => {
    const store = await LedgerStore.open({ peerName: 'p' });
    await store.appendSent('s', messages(1, 10));
    await store.flushed();
    expect(store.discardThrough('s', 6)).toMatchObject({ messagesDeleted: 6 });
    expect(store.discardThrough('s', 6)).toMatchObject({ messagesDeleted: 0 });
    await store.flushed();
    expect(store.getSent('s', 1, 10, 10).map((m) => m.seq)).toEqual([7, 8, 9, 10]);
    await store.close();
  });
});

describe('LedgerStore: durable subscription positions', () => {
  it('keeps the last position per durable and stream, and forgets a removed durable', async () => {
    const store = await LedgerStore.open({ peerName: 'p' });
    await store.setDelivered('orders', 'alice', 'o.new', 5);
    await store.setDelivered('orders', 'alice', 'o.new', 9);
    await store.setDelivered('orders', 'bob', 'o.new', 3);
    await store.setDelivered('orders2', 'alice', 'o.new', 1);
    await store.setDelivered('order', 'alice', 'o.new', 2);
    await store.flushed();
    expect(store.getDelivered('orders')).toEqual(
      new Map([
        [streamKey('alice', 'o.new'), 9],
        [streamKey('bob', 'o.new'), 3],
      ]),
    );
    expect(store.getDelivered('none')).toEqual(new Map());
    expect(await store.removeDurable('orders')).toBe(2);
    await store.flushed();
    expect(store.getDelivered('orders')).toEqual(new Map());
    expect(store.getDelivered('orders2').size).toBe(1);
    expect(() => store.setDelivered('d', 's', 'x', -1)).toThrow(/seq -1/);
    await store.close();
  });

  it('keeps the incarnation whose numbering a position counts in, across a reopen, and starts a renumbered stream over', async () => {
    {
      const path = join(tempDir(), 'l');
      const a = await LedgerStore.open({ path, peerName: 'p', durability: 'sync' });
      await a.setDelivered('orders', 'alice', 'o.new', 5, 11);
      await a.setDelivered('orders', 'alice', 'o.new', 9, 11);
      await a.setDelivered('orders', 'bob', 'o.new', 3); // written without one: none kept
      await a.setHanded('orders', 'alice', 'o.new', 12);
      await a.setDelivered('orders', 'carol', 'o.new', 40, 5);
      await a.setHanded('orders', 'carol', 'o.new', 44);
      await a.renumberDurable('orders', 'carol', 'o.new', 6); // carol restarted without a ledger
      await a.close();
      const b = await LedgerStore.open({ path, peerName: 'p', durability: 'sync' });
      expect(b.getNumbering('orders')).toEqual(
        new Map([
          [streamKey('alice', 'o.new'), 11],
          [streamKey('carol', 'o.new'), 6],
        ]),
      );
      expect(b.getDelivered('orders').get(streamKey('carol', 'o.new'))).toBe(0);
      expect(b.getHanded('orders')).toEqual(new Map([[streamKey('alice', 'o.new'), 12]]));
      expect(() => b.setDelivered('orders', 'alice', 'o.new', 10, 2 ** 32)).toThrow(/incarnation/);
      await b.removeDurable('orders');
      await b.flushed();
      expect(b.getNumbering('orders')).toEqual(new Map());
      await b.close();
    }
  });

  it('keeps the highest seq handed to the application per durable and stream apart from the confirmed one, and forgets it with the durable', async () => {
    const store = await LedgerStore.open({ peerName: 'p' });
    await store.setDelivered('orders', 'alice', 'o.new', 5);
    await store.setHanded('orders', 'alice', 'o.new', 12);
    await store.setHanded('orders', 'bob', 'o.new', 4);
    await store.setHanded('orders2', 'alice', 'o.new', 7);
    await store.flushed();
    expect(store.getHanded('orders')).toEqual(
      new Map([
        [streamKey('alice', 'o.new'), 12],
        [streamKey('bob', 'o.new'), 4],
      ]),
    );
    expect(store.getDelivered('orders')).toEqual(new Map([[streamKey('alice', 'o.new'), 5]]));
    await store.removeDurable('orders');
    await store.flushed();
    expect(store.getHanded('orders')).toEqual(new Map());
    expect(store.getHanded('orders2').size).toBe(1);
    expect(() => store.setHanded('d', 's', 'x', 0)).toThrow(/seq 0/);
    await store.close();
  });
});
