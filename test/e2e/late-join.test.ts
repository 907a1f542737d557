/**
 * A subscriber that starts after the publisher has already sent messages. The library's
 * late-join rule (receiver option `lateJoinMaxMessages`, default 4096): a stream whose
 * messages since its start are at most that many is "young" and a late joiner gets it from
 * its first message (recovered by NAK); an older stream is joined where the joiner first
 * hears it (the next DATA, or after a heartbeat's highSeq), with nothing replayed before.
 * Either way: no gap after the join point, no duplicate, order kept, no data-loss event.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { byStream, freshNetwork, killAll, startPeer, summarize, type Rec } from './helpers.js';

const SUBJECTS = ['late.a', 'late.b'] as const;
const BEFORE = 600; // per subject, published before the subscriber starts
const AFTER = 600; // per subject, published after it joined

afterEach(killAll);

async function lateJoinRun(subscriberOptions: Record<string, unknown>) {
  const net = freshNetwork();
  const pub = await startPeer('pub', net);
  // An early subscriber, so the first phase is really sent to someone.
  const early = await startPeer('early', net);
  await early.call('subscribe', { patterns: ['late.>'] });
  await pub.waitJoined(['early']);
  await pub.call('publish', { subjects: SUBJECTS, perSubject: BEFORE, startIndex: 1 });
  await early.call('collect', { expect: [SUBJECTS.length * BEFORE], timeoutMs: 10_000, quietMs: 0 });

  const late = await startPeer('late', { ...net, ...subscriberOptions });
  await late.call('subscribe', { patterns: ['late.>'] });
  await pub.waitJoined(['late']);
  await pub.call('publish', { subjects: SUBJECTS, perSubject: AFTER, startIndex: BEFORE + 1 });
  return { late, early };
}

describe('a subscriber that joins late', () => {
  it('joining a young stream (fewer than lateJoinMaxMessages since its start) receives it from its first message, exactly once in order', async () => {
    const { late, early } = await lateJoinRun({});
    const total = BEFORE + AFTER;
    const r = await late.call('collect', { expect: [SUBJECTS.length * total], timeoutMs: 15_000, quietMs: 400 }, 20_000);
    expect(r.dataLoss).toEqual([]);
    const streams = byStream(r.records[0] as Rec[]);
    expect([...streams.keys()].sort()).toEqual(SUBJECTS.map((s) => `pub|${s}`));
    for (const [key, list] of streams) expect(summarize(list), key).toEqual({ runs: `1-${total}`, payloadMismatches: 0 });
    expect(r.records[0].length).toBe(SUBJECTS.length * total);
    // The first phase can only have come by NAK → RETRANSMIT.
    const stats = await late.call('stats');
    expect(stats.actors.receiver.naksSent).toBeGreaterThan(0);
    expect(stats.actors.retransmit.retransmitsForwarded).toBeGreaterThan(0);

    // The subscriber that was there all along is unaffected.
    const e = await early.call('collect', { expect: [SUBJECTS.length * total], timeoutMs: 10_000, quietMs: 0 });
    for (const [key, list] of byStream(e.records[0] as Rec[])) expect(summarize(list), `early ${key}`).toEqual({ runs: `1-${total}`, payloadMismatches: 0 });
  });

  it('joining a stream older than lateJoinMaxMessages receives every message published after it joined, in order, without duplicates, and nothing from before', async () => {
    // 600 messages already sent per stream > lateJoinMaxMessages 100: the stream is old.
    const { late } = await lateJoinRun({ receiver: { lateJoinMaxMessages: 100 } });
    const total = BEFORE + AFTER;
    const r = await late.call('collect', { expect: [SUBJECTS.length * AFTER], timeoutMs: 15_000, quietMs: 400 }, 20_000);
    expect(r.dataLoss).toEqual([]);
    const streams = byStream(r.records[0] as Rec[]);
    expect([...streams.keys()].sort()).toEqual(SUBJECTS.map((s) => `pub|${s}`));
    // Joined at the first message after the join (the next DATA, or a heartbeat's highSeq + 1):
    // exactly BEFORE+1 .. BEFORE+AFTER, once each, in order.
    for (const [key, list] of streams) expect(summarize(list), key).toEqual({ runs: `${BEFORE + 1}-${total}`, payloadMismatches: 0 });
    expect(r.records[0].length).toBe(SUBJECTS.length * AFTER);
  });
});
