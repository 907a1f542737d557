import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActor } from '../../../actors/ledger/ledger-actor.js';
import type { LedgerInbox } from '../../../actors/ledger/messages.js';
import { resolveLedgerOptions } from '../../../actors/ledger/options.js';
import type { SenderInbox } from '../../../actors/sender/messages.js';
import type { WireMessage } from '../../../codecs/frame.js';
import { LedgerStore } from '../../../storage/ledger-store.js';
import { ShellContext, startActor, testConfig } from '../actors/send-path-harness.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const msg = (subject: string, seq: number): WireMessage => ({ subject, seq, flags: 1, payload: new Uint8Array([seq & 255]) });
const turn = () => new Promise<void>((r) => setImmediate(r));
const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};

/**
 * A `'sync'` ledger actor whose store's commits the test finishes: `appendSent` stores as usual,
 * and its promise resolves only when the test calls `finish()` (every commit started so far).
 */
async function openHeld(): Promise<{ send: (m: LedgerInbox) => void; ctx: ShellContext; appends: () => number; finish: () => void; stats: () => unknown; stop: () => Promise<void> }> {
  const d = mkdtempSync(join(tmpdir(), 'ledgecast-group-commit-'));
  dirs.push(d);
  const held: (() => void)[] = [];
  const original = LedgerStore.prototype.appendSent;
  const spy = vi.spyOn(LedgerStore.prototype, 'appendSent').mockImplementation(function (this: LedgerStore, subject, messages) {
    const stored = original.call(this, subject, messages);
    return new Promise<void>((resolve, reject) => held.push(() => void stored.then(resolve, reject)));
  });
  const config = { ...testConfig(), ledger: resolveLedgerOptions({ path: join(d, 'ledger'), durability: 'sync' }, 'me') };
  const { actor, ctx } = await startActor(createActor, 'ledger', config);
  return {
    send: (m) => actor.receive(m),
    ctx,
    appends: () => spy.mock.calls.length,
    finish: () => {
      for (const f of held.splice(0)) f();
    },
    stats: () => actor.stats?.(),
    stop: async () => {
      await actor.stop?.();
    },
  };
}

const committed = (ctx: ShellContext) => ctx.to<Extract<SenderInbox, { kind: 'committed' }>>('sender', 'committed').map((c) => c.streams);

describe("ledger actor, 'sync' group commit", () => {
  it('holds batches sequenced while a commit is in flight, then commits them together and reports them once', async () => {
    const l = await openHeld();
    l.send({ kind: 'sequenced', messages: [msg('o.a', 1)] });
    await turn();
    // Each in its own event turn, while the first commit is on its way to disk.
    l.send({ kind: 'sequenced', messages: [msg('o.a', 2)] });
    await turn();
    l.send({ kind: 'sequenced', messages: [msg('o.a', 3), msg('o.b', 1)] });
    await turn();
    l.send({ kind: 'sequenced', messages: [msg('o.a', 4)] });
    await turn();
    expect(l.appends()).toBe(1); // without the group: one append (one commit) per batch
    l.finish();
    await until(() => committed(l.ctx).length === 1, 'the first report');
    expect(committed(l.ctx)).toEqual([[{ subject: 'o.a', seq: 1 }]]);
    // The three waiting batches went to the store in one turn: one commit for them all.
    await until(() => l.appends() === 3, 'the grouped appends (one per stream)');
    l.finish();
    await until(() => committed(l.ctx).length === 2, 'the grouped report');
    expect(committed(l.ctx)[1]).toEqual([
      { subject: 'o.a', seq: 4 },
      { subject: 'o.b', seq: 1 },
    ]);
    expect(l.stats()).toMatchObject({ groupCommits: 2, batchesWaitedForCommit: 3, commitReports: 2 });
    await l.stop();
  });

  it('lets batches of the turn that started a commit join it', async () => {
    const l = await openHeld();
    // One sequenced batch cut in parts (the cross-thread rule): all arrive in one turn.
    l.send({ kind: 'sequenced', messages: [msg('o.a', 1)] });
    l.send({ kind: 'sequenced', messages: [msg('o.a', 2)] });
    expect(l.appends()).toBe(2);
    await turn();
    l.finish();
    await until(() => committed(l.ctx).length === 1, 'report');
    expect(committed(l.ctx)).toEqual([[{ subject: 'o.a', seq: 2 }]]);
    await l.stop();
  });

  it('answers flushRequested only once the batches waiting for a commit are stored and flushed', async () => {
    const l = await openHeld();
    l.send({ kind: 'sequenced', messages: [msg('o.a', 1)] });
    await turn();
    l.send({ kind: 'sequenced', messages: [msg('o.a', 2)] });
    l.send({ kind: 'flushRequested', token: 9 });
    await turn();
    await new Promise((r) => setTimeout(r, 30));
    expect(l.ctx.events.filter((e) => e.kind === 'ledgerFlushed')).toEqual([]);
    l.finish();
    await until(() => l.appends() === 2, 'the waiting batch appended');
    l.finish();
    await until(() => l.ctx.events.some((e) => e.kind === 'ledgerFlushed'), 'ledgerFlushed');
    expect(committed(l.ctx).at(-1)).toEqual([{ subject: 'o.a', seq: 2 }]);
    await l.stop();
  });

  it('stores what waits for a commit when it stops', async () => {
    const d = mkdtempSync(join(tmpdir(), 'ledgecast-group-commit-'));
    dirs.push(d);
    const path = join(d, 'ledger');
    const config = { ...testConfig(), ledger: resolveLedgerOptions({ path, durability: 'sync' }, 'me') };
    const original = LedgerStore.prototype.appendSent;
    let hold = true;
    const held: (() => void)[] = [];
    vi.spyOn(LedgerStore.prototype, 'appendSent').mockImplementation(function (this: LedgerStore, subject, messages) {
      const stored = original.call(this, subject, messages);
      if (!hold) return stored;
      return new Promise<void>((resolve, reject) => held.push(() => void stored.then(resolve, reject)));
    });
    const { actor } = await startActor(createActor, 'ledger', config);
    actor.receive({ kind: 'sequenced', messages: [msg('o.a', 1)] });
    await turn();
    actor.receive({ kind: 'sequenced', messages: [msg('o.a', 2)] });
    hold = false;
    for (const f of held.splice(0)) f();
    await actor.stop?.();
    vi.restoreAllMocks();
    const store = await LedgerStore.open({ path, peerName: 'me', durability: 'sync' });
    expect(store.highSeqs()).toEqual({ 'o.a': 2 });
    await store.close();
  });
});
