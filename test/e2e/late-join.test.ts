/**
 * A subscriber that starts after the publisher has already sent messages: DATA and HEARTBEAT
 * say how long ago each stream began, so the subscriber knows it came after the start and
 * joins where it first hears the stream (the next DATA, or after a heartbeat's highSeq), with
 * nothing replayed before: no gap after the join point, no duplicate, order kept, no
 * data-loss event. (A subscriber that was there before the stream began gets it from its
 * first message even when it hears of it late: test/e2e/startup.test.ts.)
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
  it('begins at the first message it hears after subscribing: nothing replayed from before, no gap after, no data loss, even on a young stream', async () => {
    // 600 messages per stream before it joined: well under lateJoinMaxMessages (4096), which
    // only applies when a sender does not say how old its stream is. The stream's age says the
    // subscriber came after the stream began: it is a late joiner.
    const { late, early } = await lateJoinRun({});
    const total = BEFORE + AFTER;
    const r = await late.call('collect', { expect: [SUBJECTS.length * AFTER], timeoutMs: 15_000, quietMs: 400 }, 20_000);
    expect(r.dataLoss).toEqual([]);
    const streams = byStream(r.records[0] as Rec[]);
    expect([...streams.keys()].sort()).toEqual(SUBJECTS.map((s) => `pub|${s}`));
    for (const [key, list] of streams) expect(summarize(list), key).toEqual({ runs: `${BEFORE + 1}-${total}`, payloadMismatches: 0 });
    expect(r.records[0].length).toBe(SUBJECTS.length * AFTER);
    const stats = await late.call('stats');
    expect(stats.actors.receiver.naksSent).toBe(0);

    // The subscriber that was there all along is unaffected.
    const e = await early.call('collect', { expect: [SUBJECTS.length * total], timeoutMs: 10_000, quietMs: 0 });
    for (const [key, list] of byStream(e.records[0] as Rec[])) expect(summarize(list), `early ${key}`).toEqual({ runs: `1-${total}`, payloadMismatches: 0 });
  });

  it('with lateJoinMaxMessages small, also receives every message published after it joined, in order, without duplicates, and nothing from before', async () => {
    const { late } = await lateJoinRun({ receiver: { lateJoinMaxMessages: 100 } });
    const total = BEFORE + AFTER;
    const r = await late.call('collect', { expect: [SUBJECTS.length * AFTER], timeoutMs: 15_000, quietMs: 400 }, 20_000);
    expect(r.dataLoss).toEqual([]);
    const streams = byStream(r.records[0] as Rec[]);
    expect([...streams.keys()].sort()).toEqual(SUBJECTS.map((s) => `pub|${s}`));
    for (const [key, list] of streams) expect(summarize(list), key).toEqual({ runs: `${BEFORE + 1}-${total}`, payloadMismatches: 0 });
    expect(r.records[0].length).toBe(SUBJECTS.length * AFTER);
  });
});
