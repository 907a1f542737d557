/**
 * Durable subscriptions across crashes: a subscriber with a `'sync'` ledger and a durable
 * subscription is killed with SIGKILL at seeded random points (rotating through the topology
 * presets) while a publisher keeps publishing, and started again with the same name and path.
 * What it missed while down must arrive after each restart exactly once and in order per
 * stream, before new messages; only messages delivered but not yet confirmed when it died may
 * come again (at the start of the next run), each marked `redelivered`. Manual acknowledgement:
 * what was not acknowledged is delivered again after a restart, and nothing else.
 *
 * Knobs as in `ledger-sender-crash.test.ts` (`advertIntervalMs` 250: the publisher answers a
 * restarted subscriber's NAKs once its ADVERT told where it listens).
 * Seed: LEDGER_SEED; rounds: LEDGER_DURABLE_ROUNDS (default 10).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createRng } from '../../actors/core.js';
import { freshNetwork, TOPOLOGIES } from './helpers.js';
import { LedgerChild, killAllChildren, median, readSubscriberFile, removeTempDirs, sleep, tempDir, type SubscriberFile } from '../fixtures/ledger/harness.js';

const SEED = Number(process.env.LEDGER_SEED ?? 4_2024);
const ROUNDS = Number(process.env.LEDGER_DURABLE_ROUNDS ?? 10);
const SUBJECTS = ['dk.a', 'dk.b'];

afterEach(killAllChildren);
afterAll(removeTempDirs);

const knobs = { advertIntervalMs: 250, receiver: { resyncGraceMs: 200 } };

/** Waits (bounded) until run `run` or a later one (any run when omitted) delivered index `count - 1` of every subject. */
async function waitForAll(path: string, count: Record<string, number>, timeoutMs: number, run = 0): Promise<SubscriberFile> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const f = readSubscriberFile(path);
    const done = Object.entries(count).every(([subject, n]) => n === 0 || f.deliveries.some((d) => d.subject === subject && d.i === n - 1 && d.run >= run));
    if (done || Date.now() > deadline) return f;
    await sleep(100);
  }
}

describe('durable subscription: subscriber killed with SIGKILL and restarted', () => {
  it(`receives what it missed while down exactly once, in order, before new messages (${ROUNDS} rounds)`, async () => {
    const rng = createRng(SEED ^ 0x5eed);
    const net = { ...freshNetwork(), ...knobs };
    const dir = tempDir('durable-crash');
    const file = join(dir, 'subscriber.txt');
    const subscriber = (run: number) =>
      new LedgerChild({
        role: 'subscriber',
        peer: { name: 'dsub', ...net, topology: TOPOLOGIES[run % TOPOLOGIES.length], ledger: { path: join(dir, 'ledger'), durability: 'sync' } },
        out: file,
        pattern: 'dk.>',
        durable: 'orders',
        ack: 'auto',
      });
    const publisher = new LedgerChild({ role: 'publisher', peer: { name: 'dpub', ...net }, out: join(dir, 'accepted.txt'), subjects: SUBJECTS, round: 0, ratePerSec: 800 });

    let sub = subscriber(0);
    await sub.ready();
    await publisher.ready();
    const restartToReadyMs: number[] = [];
    const readyAtMs: number[] = [];
    const openMs: number[] = [];
    const downMs: number[] = [];
    for (let run = 1; run <= ROUNDS; run++) {
      await sleep(700 + Math.floor(rng() * 700));
      await sub.kill();
      const down = Math.floor(rng() * 500);
      downMs.push(down);
      await sleep(down);
      sub = subscriber(run);
      const ready = await sub.ready();
      restartToReadyMs.push(ready.readyMs - sub.spawnedMs);
      readyAtMs.push(ready.readyMs);
      openMs.push(ready.ledgerOpenMs);
    }
    await sleep(500);
    publisher.send('stop');
    const stopped = await publisher.waitEvent('stopped');
    const published: Record<string, number> = stopped.next;
    const f = await waitForAll(file, published, 20_000);
    await sub.close();
    await publisher.close();

    const report = {
      seed: SEED,
      rounds: ROUNDS,
      published: 0,
      deliveries: f.deliveries.length,
      redelivered: 0,
      redeliveredMarked: 0,
      markedNotRedelivered: 0,
      markedNotAtRunStart: 0,
      redeliveredNotAtRunStart: 0,
      outOfOrderInRun: 0,
      missing: 0,
      payloadMismatches: 0,
      dataLossEvents: f.losses.length,
    };
    const missingSeqs: string[] = [];
    for (const subject of SUBJECTS) {
      const list = f.deliveries.filter((d) => d.subject === subject);
      report.published += published[subject];
      const seen = new Set<number>();
      for (let run = 0; run <= f.runs; run++) {
        const inRun = list.filter((d) => d.run === run);
        let fresh = false; // once a run delivers something new, nothing old may follow
        let unmarked = false; // once a run delivers a message unmarked, no later one is marked
        for (let k = 0; k < inRun.length; k++) {
          const d = inRun[k];
          if (k > 0 && d.seq !== inRun[k - 1].seq + 1) report.outOfOrderInRun++; // in order, no gap, no duplicate
          if (d.i !== d.seq - 1) report.payloadMismatches++; // a fresh stream: index i is seq i + 1
          if (d.redelivered && unmarked) report.markedNotAtRunStart++;
          if (!d.redelivered) unmarked = true;
          if (seen.has(d.seq)) {
            report.redelivered++;
            if (d.redelivered) report.redeliveredMarked++;
            if (fresh) report.redeliveredNotAtRunStart++;
          } else {
            fresh = true;
            // Marked on a first delivery: it was held, its mark committed, when the process died
            // (marks first, actors/app/durables.ts): allowed at a run's start, at most 8,192 a stream.
            if (d.redelivered) report.markedNotRedelivered++;
          }
          seen.add(d.seq);
        }
      }
      for (let seq = 1; seq <= published[subject]; seq++) {
        if (seen.has(seq)) continue;
        report.missing++;
        if (missingSeqs.length < 40) missingSeqs.push(`${subject}:${seq}`);
      }
    }
    // Time to resume: process start → ready (ledger opened, durable subscription resumed), and
    // ready → the first message (what it missed while down, fetched by NAK) of each restarted run.
    const readyToFirstMs = readyAtMs
      .map((t, k) => Math.min(...f.deliveries.filter((d) => d.run === k + 2).map((d) => d.atMs)) - t)
      .filter(Number.isFinite);
    console.log(
      JSON.stringify({
        ...report,
        missingSeqs,
        runStarts: Array.from({ length: f.runs + 1 }, (_, run) => f.deliveries.find((d) => d.run === run)?.seq),
        runs: f.runs,
        downMs: { median: median(downMs) },
        restartToReadyMs: { median: median(restartToReadyMs), max: Math.max(...restartToReadyMs) },
        ledgerOpenMs: { median: median(openMs), max: Math.max(...openMs) },
        readyToFirstDeliveryMs: { median: median(readyToFirstMs), max: Math.max(...readyToFirstMs) },
      }),
    );

    expect(f.errors).toEqual([]);
    expect(f.losses).toEqual([]);
    expect(f.runs).toBe(ROUNDS + 1);
    expect(report.missing).toBe(0);
    expect(report.outOfOrderInRun).toBe(0);
    expect(report.payloadMismatches).toBe(0);
    expect(report.redeliveredNotAtRunStart).toBe(0);
    expect(report.markedNotAtRunStart).toBe(0);
    expect(report.markedNotRedelivered).toBeLessThanOrEqual(ROUNDS * SUBJECTS.length * 8192);
    expect(report.redeliveredMarked).toBe(report.redelivered); // marks first: a repeat is always marked
    expect(report.published).toBeGreaterThan(ROUNDS * 500);
  });

  it('killed during a catch-up burst, it gets every message it was handed again marked redelivered, and few more marked', async () => {
    const net = { ...freshNetwork(), ...knobs };
    const dir = tempDir('durable-burst');
    const file = join(dir, 'subscriber.txt');
    const subscriber = () =>
      new LedgerChild({
        role: 'subscriber',
        peer: { name: 'bsub', ...net, ledger: { path: join(dir, 'ledger'), durability: 'sync' } },
        out: file,
        pattern: 'bk.>',
        durable: 'burst',
        ack: 'auto',
      });
    let sub = subscriber();
    await sub.ready();
    const publisher = new LedgerChild({ role: 'publisher', peer: { name: 'bpub', ...net }, out: join(dir, 'accepted.txt'), subjects: ['bk.x'], round: 0, ratePerSec: 4000 });
    await publisher.ready();
    await sleep(500);
    await sub.kill();
    await sleep(1500); // about 6,000 messages published meanwhile: the next run starts with a burst
    sub = subscriber();
    await sub.ready();
    // SIGKILL a few milliseconds into the catch-up: after its first deliveries, long before its end.
    const deadline = Date.now() + 10_000;
    while (!readSubscriberFile(file).deliveries.some((d) => d.run === 2) && Date.now() < deadline) await sleep(2);
    await sleep(20);
    await sub.kill();
    sub = subscriber();
    await sub.ready();
    await sleep(300);
    publisher.send('stop');
    const stopped = await publisher.waitEvent('stopped');
    const f = await waitForAll(file, stopped.next, 20_000, 3);
    await sub.close();
    await publisher.close();

    const handedBefore = new Set<number>();
    const repeats = { marked: 0, unmarked: 0, markedNeverHanded: 0 };
    const run2 = f.deliveries.filter((d) => d.run === 2);
    for (const d of f.deliveries) {
      if (d.run === 3) {
        if (handedBefore.has(d.seq)) repeats[d.redelivered ? 'marked' : 'unmarked']++;
        else if (d.redelivered) repeats.markedNeverHanded++;
      }
      handedBefore.add(d.seq);
    }
    const seqs = [...new Set(f.deliveries.map((d) => d.seq))].sort((a, b) => a - b);
    console.log(JSON.stringify({ published: stopped.next['bk.x'], run2: run2.length, run2Last: run2.at(-1)?.seq, ...repeats }));
    expect(f.errors).toEqual([]);
    expect(f.losses).toEqual([]);
    expect(run2.length).toBeGreaterThan(0);
    expect(seqs).toEqual(Array.from({ length: stopped.next['bk.x'] }, (_, k) => k + 1));
    // What run 2 was handed and did not confirm comes again, each marked; marked without having
    // been handed: at most one mark ahead (8,192) of what the ledger had committed.
    expect(repeats.unmarked).toBe(0);
    expect(repeats.markedNeverHanded).toBeLessThanOrEqual(8192);
  });

  it('delivers again, after a restart, exactly the messages it did not acknowledge (manual ack)', async () => {
    const net = { ...freshNetwork(), ...knobs };
    const dir = tempDir('durable-manual');
    const file = join(dir, 'subscriber.txt');
    const subscriber = (ackBelow?: number) =>
      new LedgerChild({
        role: 'subscriber',
        peer: { name: 'msub', ...net, ledger: { path: join(dir, 'ledger'), durability: 'sync' } },
        out: file,
        pattern: 'mk.>',
        durable: 'audit',
        ack: 'manual',
        ...(ackBelow !== undefined ? { ackBelow } : {}),
      });
    let sub = subscriber(30); // acknowledges i < 30 (seq 1..30) only
    await sub.ready();
    const publisher = new LedgerChild({ role: 'publisher', peer: { name: 'mpub', ...net }, out: join(dir, 'accepted.txt'), subjects: ['mk.x'], round: 0, ratePerSec: 400, count: 60 });
    await publisher.ready();
    await publisher.waitEvent('done');
    let f = await waitForAll(file, { 'mk.x': 60 }, 10_000);
    expect(f.deliveries.map((d) => d.seq)).toEqual(Array.from({ length: 60 }, (_, k) => k + 1));
    expect(f.deliveries.filter((d) => d.redelivered)).toEqual([]);
    await sleep(200); // let the confirmations of 1..30 reach the ledger; then crash
    await sub.kill();

    sub = subscriber(); // acknowledges everything
    await sub.ready();
    // Wait for this run's redelivery (not run 1's deliveries), then a little longer for duplicates.
    f = await waitForAll(file, { 'mk.x': 60 }, 10_000, 2);
    await sleep(300);
    f = readSubscriberFile(file);
    expect(f.deliveries.filter((d) => d.run === 2).map((d) => d.seq)).toEqual(Array.from({ length: 30 }, (_, k) => k + 31));
    // Delivered before the crash and not acknowledged: each says so.
    expect(f.deliveries.filter((d) => d.run === 2).every((d) => d.redelivered)).toBe(true);
    await sleep(200);
    await sub.close();

    sub = subscriber();
    await sub.ready();
    await sleep(1500); // a heartbeat of the idle stream comes at most heartbeatMaxMs apart: nothing to redeliver
    await sub.close();
    await publisher.close();
    f = readSubscriberFile(file);
    expect(f.deliveries.filter((d) => d.run === 3)).toEqual([]);
    expect(f.losses).toEqual([]);
    expect(f.errors).toEqual([]);
  });
});
