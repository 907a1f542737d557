/**
 * A publisher with a `sync` ledger commits a message before it goes on the wire. Killed in
 * between, it leaves messages no receiver saw; restarted with the same name and ledger, it
 * continues the numbering. A subscriber subscribed since before those messages must get them
 * (the ledger holds them), or a `dataLoss` naming them: README "Guarantees", nothing dropped
 * silently. Until protocol version 4 a subscriber that had never heard of such a stream began it
 * where the new incarnation did, after them, and never heard of them (found by the 50-peer lab,
 * seed 311381795: 85 streams of a restarted publisher missing their seq 1 at every subscriber).
 * The restarted sender now states the oldest message its ledger holds of each resumed stream
 * (DATA and HEARTBEAT `resumed`, docs/PROTOCOL.md "Resumed streams").
 *
 * The first run never puts DATA on the wire (`fault.dropMulticastDataOutRate: 1`) and kills
 * itself in the turn its last `publish()` resolved, before its first heartbeat.
 */
import { afterAll, expect, it } from 'vitest';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPeer } from '../../dist/index.js';
import { freshNetwork, sleep, within } from './helpers.js';

const CHILD = fileURLToPath(new URL('../fixtures/ledger/publish-once.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lc-unsent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runChild(config: unknown): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = fork(CHILD, [JSON.stringify(config)], { stdio: 'inherit' });
  return within(20_000, 'the publisher child', new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))));
}

interface Outcome {
  /** Sequences delivered, per subject, in order. */
  readonly got: Record<string, number[]>;
  /** `subject:seq` of every sequence reported lost. */
  readonly lost: string[];
}

/**
 * The first run publishes seq 1 of each of `first` and ends with `then`; the second run
 * publishes once on each of `second`, serves NAKs for 1.5 s and closes. What the subscriber got.
 */
async function twoRuns(name: string, then: 'kill' | 'close', first: string[], second: string[]): Promise<Outcome> {
  const net = { ...freshNetwork(), ttl: 0 };
  const sub = await createPeer({ ...net, name: 'sub' });
  try {
    const got: Record<string, number[]> = {};
    const lost: string[] = [];
    sub.subscribe('unsent.>', { codec: 'json' }, (msg) => {
      (got[msg.subject] ??= []).push(msg.seq);
    });
    sub.on('dataLoss', (e) => {
      for (let s = e.fromSeq; s <= e.toSeq; s++) lost.push(`${e.subject}:${s}`);
    });
    await sleep(300);
    const pub = { ...net, name: 'pub', ledger: { path: join(dir, name), durability: 'sync' } };
    const r1 = await runChild({ peer: { ...pub, fault: { dropMulticastDataOutRate: 1 } }, subjects: first, data: { n: 1 }, then });
    expect(r1.signal ?? r1.code, 'the first run ended as asked').toBe(then === 'kill' ? 'SIGKILL' : 0);
    const r2 = await runChild({ peer: pub, subjects: second, data: { n: 2 }, then: 'close' });
    expect(r2.code, 'the second run closed').toBe(0);
    await sleep(500);
    return { got, lost };
  } finally {
    await sub.close();
  }
}

it('control: when the first run closes cleanly instead, the subscriber gets seq 1 then seq 2', async () => {
  expect(await twoRuns('control', 'close', ['unsent.a'], ['unsent.a'])).toEqual({ got: { 'unsent.a': [1, 2] }, lost: [] });
}, 60_000);

it('a subscriber gets the first message of a stream that a sync publisher committed but never sent before it was killed, then the restarted publisher\'s next one', async () => {
  expect(await twoRuns('data', 'kill', ['unsent.a'], ['unsent.a'])).toEqual({ got: { 'unsent.a': [1, 2] }, lost: [] });
}, 60_000);

it('a subscriber gets the committed-but-unsent first message of 20 streams the restarted publisher never publishes on again (heard of by heartbeat only)', async () => {
  const streams = Array.from({ length: 20 }, (_, i) => `unsent.s${i}`);
  const r = await twoRuns('heartbeat', 'kill', streams, ['unsent.other']);
  expect(r.lost).toEqual([]);
  expect(r.got).toEqual({ ...Object.fromEntries(streams.map((s) => [s, [1]])), 'unsent.other': [1] });
}, 60_000);
