/**
 * A publisher with a `'sync'` ledger is killed with SIGKILL at seeded random points and started
 * again with the same name and ledger path (rotating through the topology presets), while a
 * subscriber stays up. Checked on the subscriber's side, per stream: no duplicate, nothing out
 * of order, no stream reset (a reused number would show as one, or as a payload jump), every
 * sequence delivered or covered by a data-loss event, and every publish that resolved delivered.
 * A shorter `'async'` run checks the same, except that what the crash lost (and the numbers the
 * restart skips) may be reported as data loss, never reused and never silently missing.
 *
 * The loop restarts the publisher about once a second, far more often than the defaults assume:
 * `receiver.resyncGraceMs` 200 (a new incarnation is adopted that long after the previous one)
 * and `advertIntervalMs` 250 (a restarted peer learns the subscriber's address from its next
 * ADVERT before it can answer a NAK) keep each restart from waiting on the previous one.
 *
 * Seed: LEDGER_SEED (default below); rounds: LEDGER_SENDER_ROUNDS (default 12; 'async' a third).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createRng } from '../../actors/core.js';
import { freshNetwork, TOPOLOGIES } from './helpers.js';
import { DEFAULT_LEDGER_STORE_OPTIONS } from '../../storage/options.js';
import {
  LedgerChild,
  killAllChildren,
  lossBetween,
  median,
  readAccepted,
  readSubscriberFile,
  removeTempDirs,
  silentGaps,
  sleep,
  tempDir,
  type Delivery,
} from '../fixtures/ledger/harness.js';

const SEED = Number(process.env.LEDGER_SEED ?? 4_2024);
const ROUNDS = Number(process.env.LEDGER_SENDER_ROUNDS ?? 12);
const SUBJECTS = ['lk.a', 'lk.b', 'lk.c'];
const FINAL_COUNT = 100;

afterEach(killAllChildren);
afterAll(removeTempDirs);

interface CrashRun {
  readonly durability: 'sync' | 'async';
  readonly rounds: number;
  readonly maxUnflushedPerStream?: number;
}

describe('ledger: publisher killed with SIGKILL and restarted', () => {
  it(`'sync' continues every stream without reusing a number; the subscriber sees no duplicate, no silent gap, every resolved publish (${ROUNDS} rounds)`, async () => {
    const report = await crashRounds({ durability: 'sync', rounds: ROUNDS });
    // 'sync' puts nothing on the wire that is not committed: nothing for a subscriber to lose
    expect(report.missingAccepted).toBe(0);
  });

  it(`'async' never reuses a number either, and reports what a crash lost as data loss (${Math.max(2, Math.round(ROUNDS / 3))} rounds)`, async () => {
    const report = await crashRounds({ durability: 'async', rounds: Math.max(2, Math.round(ROUNDS / 3)), maxUnflushedPerStream: 256 });
    // after each unclean 'async' shutdown every stream skips maxUnflushedPerStream numbers
    expect(report.dataLossEvents).toBeGreaterThan(0);
  });

  it(`'async': a publisher killed after its subscriber got everything says what it skipped in one dataLoss per stream, marked skipped`, async () => {
    const net = { ...freshNetwork(), advertIntervalMs: 250, receiver: { resyncGraceMs: 200 } };
    const dir = tempDir('sender-skip');
    const observerFile = join(dir, 'observer.txt');
    const ledgerPath = join(dir, 'ledger');
    const SKIP = DEFAULT_LEDGER_STORE_OPTIONS.maxUnflushedPerStream; // the default, 16,384: several NAKs' worth
    const observer = new LedgerChild({ role: 'subscriber', peer: { name: 'obs', ...net }, out: observerFile, pattern: 'lk.>' });
    await observer.ready();
    const publisher = (round: number) =>
      new LedgerChild({
        role: 'publisher',
        peer: { name: 'pub', ...net, ledger: { path: ledgerPath, durability: 'async' } },
        out: join(dir, 'accepted.txt'),
        subjects: SUBJECTS,
        round,
        ratePerSec: 3000,
        count: 400,
      });
    const waitFor = async (round: number) => {
      const deadline = Date.now() + 20_000;
      const has = () => SUBJECTS.every((s) => readSubscriberFile(observerFile).deliveries.filter((d) => d.subject === s && d.r === round).length >= 400);
      while (!has() && Date.now() < deadline) await sleep(100);
    };
    const first = publisher(0);
    await first.ready();
    expect((await first.waitEvent('done', 30_000)).event).toBe('done');
    await waitFor(0);
    await sleep(500); // its commits are done: nothing it sent is lost
    await first.kill();
    const second = publisher(1);
    await second.ready();
    expect((await second.waitEvent('done', 30_000)).event).toBe('done');
    await waitFor(1);
    await second.close();
    await observer.close();
    const file = readSubscriberFile(observerFile);
    expect(file.errors).toEqual([]);
    for (const subject of SUBJECTS) {
      const list = file.deliveries.filter((d) => d.subject === subject);
      expect(list.map((d) => `${d.r}.${d.i}`)).toEqual([0, 1].flatMap((r) => Array.from({ length: 400 }, (_, i) => `${r}.${i}`)));
      const lastOld = list[399].seq;
      const firstNew = list[400].seq;
      // Each stream skipped SKIP numbers past the last it wrote, told once, as skipped.
      expect(firstNew - lastOld - 1).toBe(SKIP);
      expect(file.losses.filter((l) => l.subject === subject).map((l) => [l.from, l.to, l.reason, l.skipped])).toEqual([[lastOld + 1, firstNew - 1, 'unavailable', true]]);
    }
  });
});

async function crashRounds(o: CrashRun) {
  {
    const ROUNDS = o.rounds;
    const rng = createRng(SEED);
    const net = { ...freshNetwork(), advertIntervalMs: 250, receiver: { resyncGraceMs: 200 } };
    const dir = tempDir('sender-crash');
    const observerFile = join(dir, 'observer.txt');
    const acceptedFile = join(dir, 'accepted.txt');
    const ledgerPath = join(dir, 'ledger');

    const observer = new LedgerChild({
      role: 'subscriber',
      peer: { name: 'obs', ...net },
      out: observerFile,
      pattern: 'lk.>',
    });
    await observer.ready();
    const publisher = (round: number, count?: number) =>
      new LedgerChild({
        role: 'publisher',
        peer: {
          name: 'pub',
          ...net,
          topology: TOPOLOGIES[round % TOPOLOGIES.length],
          ledger: { path: ledgerPath, durability: o.durability, ...(o.maxUnflushedPerStream ? { maxUnflushedPerStream: o.maxUnflushedPerStream } : {}) },
        },
        out: acceptedFile,
        subjects: SUBJECTS,
        round,
        ratePerSec: 1500,
        ...(count !== undefined ? { count } : {}),
      });

    const readyMs: number[] = [];
    const openMs: number[] = [];
    const killedAt: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const p = publisher(round);
      const ready = await p.ready();
      readyMs.push(ready.readyMs - p.spawnedMs);
      if (round > 0) openMs.push(ready.ledgerOpenMs);
      await sleep(250 + Math.floor(rng() * 550));
      killedAt.push(Date.now());
      await p.kill();
    }
    const last = publisher(ROUNDS, FINAL_COUNT);
    await last.ready();
    expect((await last.waitEvent('done', 30_000)).event).toBe('done');
    await last.close();

    // Wait (bounded) until the observer has the whole last round of every stream.
    const deadline = Date.now() + 20_000;
    let file = readSubscriberFile(observerFile);
    const complete = () => SUBJECTS.every((s) => file.deliveries.filter((d) => d.subject === s && d.r === ROUNDS).length >= FINAL_COUNT);
    while (!complete() && Date.now() < deadline) {
      await sleep(100);
      file = readSubscriberFile(observerFile);
    }
    await sleep(300); // late duplicates would show
    await observer.close();
    file = readSubscriberFile(observerFile);
    const accepted = readAccepted(acceptedFile);

    const report = { durability: o.durability, seed: SEED, rounds: ROUNDS, messages: 0, duplicates: 0, outOfOrder: 0, silentGaps: 0, payloadJumps: 0, dataLossEvents: file.losses.length, lostSeqs: 0, missingAccepted: 0, missingAcceptedNotCovered: 0 };
    for (const subject of SUBJECTS) {
      const list = file.deliveries.filter((d) => d.subject === subject);
      const losses = file.losses.filter((l) => l.subject === subject);
      for (const l of losses) report.lostSeqs += l.to - l.from + 1;
      report.messages += list.length;
      const seen = new Set<number>();
      for (let k = 0; k < list.length; k++) {
        const d = list[k];
        if (seen.has(d.seq)) report.duplicates++;
        seen.add(d.seq);
        if (k > 0 && d.seq <= list[k - 1].seq) report.outOfOrder++;
        // Payloads follow the numbering: a later round never precedes an earlier one, and
        // within a round the index only skips where a data-loss event lies in between.
        if (k > 0) {
          const p = list[k - 1];
          const inOrder = d.r > p.r || (d.r === p.r && d.i === p.i + 1) || (d.r === p.r && d.i > p.i && lossBetween(losses, p.seq, d.seq));
          if (!inOrder) report.payloadJumps++;
        }
      }
      const high = Math.max(...list.map((d) => d.seq));
      report.silentGaps += silentGaps(seen, losses, 1, high);
      // Every publish that resolved was committed before it went out: it must have arrived.
      const byPayload = new Map<string, Delivery>(list.map((d) => [`${d.r} ${d.i}`, d]));
      const sorted = [...list].sort((a, b) => a.r - b.r || a.i - b.i);
      for (const a of accepted.filter((x) => x.subject === subject)) {
        if (byPayload.has(`${a.r} ${a.i}`)) continue;
        report.missingAccepted++;
        const before = [...sorted].reverse().find((d) => d.r < a.r || (d.r === a.r && d.i < a.i));
        const after = sorted.find((d) => d.r > a.r || (d.r === a.r && d.i > a.i));
        if (!lossBetween(losses, before?.seq ?? 0, after?.seq ?? Number.MAX_SAFE_INTEGER)) report.missingAcceptedNotCovered++;
      }
    }
    // Time to resume: process start → createPeer resolved (ledger opened, checked, recovered),
    // and kill → the subscriber's first message of the next incarnation.
    const firstOfRound = (r: number) => Math.min(...file.deliveries.filter((d) => d.r === r).map((d) => d.atMs));
    const resumeMs = killedAt.map((t, r) => firstOfRound(r + 1) - t).filter(Number.isFinite);
    console.log(
      JSON.stringify({
        ...report,
        accepted: accepted.length,
        resets: file.resets.length,
        restartToReadyMs: { median: median(readyMs), max: Math.max(...readyMs) },
        ledgerOpenMs: { median: median(openMs), max: Math.max(...openMs) },
        killToFirstDeliveryMs: { median: median(resumeMs), max: Math.max(...resumeMs), all: resumeMs },
        losses: file.losses.map((l) => `${l.subject} ${l.from}-${l.to} ${l.reason}`),
      }),
    );

    expect(file.errors).toEqual([]);
    expect(file.resets).toEqual([]);
    expect(report.duplicates).toBe(0);
    expect(report.outOfOrder).toBe(0);
    expect(report.payloadJumps).toBe(0);
    expect(report.silentGaps).toBe(0);
    expect(report.missingAcceptedNotCovered).toBe(0);
    expect(accepted.length).toBeGreaterThan(ROUNDS * 50);
    // every round of every stream reached the subscriber (the restarted publisher was heard)
    for (let r = 0; r <= ROUNDS; r++) expect(file.deliveries.some((d) => d.r === r)).toBe(true);
    return report;
  }
}
