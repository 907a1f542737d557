/**
 * A subscriber process paused for a few seconds (SIGSTOP: a long GC, a debugger, a VM that
 * stalls) while a publisher goes on at several MB/s, then resumed: what the kernel dropped while
 * it was stopped is still in the publisher's window, and it must all come back by NAK before
 * the publisher's close() ends. It asked for its whole backlog at once; the reliable channel to
 * it takes `maxInFlight` frames unacknowledged, and what went beyond was dropped: repairs came
 * back only as its NAKs were retried, and it ran out of retries or of the close's time, with
 * thousands of messages reported lost (seen by a user-style run, fixed in the retransmit actor).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freshNetwork, killAll, range, sleep, startPeer } from './helpers.js';

afterEach(killAll);

type Counted = { counts: number[]; breaks: unknown[][]; dataLoss: unknown[] };

describe('a paused subscriber', () => {
  it('catches up after 4 s stopped under a steady 5-10 MB/s with large messages: every message once and in order before the publisher has closed, nothing lost', async () => {
    const net = freshNetwork();
    const subjects = range(0, 29).map((i) => `ps.s${i}`);
    const [s1, s2] = await Promise.all([startPeer('s1', net), startPeer('s2', net)]);
    await Promise.all([s1, s2].map((s) => s.call('count', { patterns: ['ps.>'] })));
    const pub = await startPeer('pub', net);
    await pub.waitJoined(['s1', 's2']);
    const perSubject = 800;
    const total = perSubject * subjects.length;
    const publishing = pub.call('publish', { subjects, perSubject, pauseEvery: 30, pauseMs: 5, padBytes: 250, bigEvery: 97, bigBytes: 150_000 }, 90_000);
    await sleep(1500);
    s2.signal('SIGSTOP');
    await sleep(4000);
    s2.signal('SIGCONT');
    await publishing;
    await pub.call('close', {}, 30_000);
    for (const s of [s1, s2]) {
      // The publisher is gone: what came by now is all that will ever come.
      const got = await s.call<Counted>('counted', { expect: [total], timeoutMs: 2_000 }, 10_000);
      expect({ label: s.label, counts: got.counts, dataLoss: got.dataLoss.slice(0, 3), breaks: got.breaks }).toEqual({
        label: s.label,
        counts: [total],
        dataLoss: [],
        breaks: [[]],
      });
    }
  }, 120_000);
  it('stopped past peerExpiryMs, then resumed: it reads what waited before judging anyone, so it says no live peer left', async () => {
    const net = freshNetwork();
    const [s1, s2] = await Promise.all([startPeer('s1', net), startPeer('s2', net)]);
    await Promise.all([s1, s2].map((s) => s.call('count', { patterns: ['pe.>'] })));
    const pub = await startPeer('pub', net);
    await pub.waitJoined(['s1', 's2']);
    await s2.waitJoined(['pub', 's1']);
    // Traffic the whole time: the publisher and s1 are heard throughout (adverts, data).
    const publishing = pub.call('publish', { subjects: ['pe.a'], perSubject: 40_000, pauseEvery: 50, pauseMs: 10 }, 60_000);
    await sleep(1000);
    s2.signal('SIGSTOP');
    await sleep(7000); // past peerExpiryMs (5 s)
    s2.signal('SIGCONT');
    await publishing;
    await sleep(1500);
    const left = s2.events.filter((e) => e.event === 'peerLeft').map((e) => [e.payload.name, e.payload.reason]);
    expect(left).toEqual([]);
    const got = await s2.call<Counted>('counted', { expect: [40_000], timeoutMs: 20_000 }, 30_000);
    expect({ counts: got.counts, dataLoss: got.dataLoss }).toEqual({ counts: [40_000], dataLoss: [] });
    await pub.call('close', {}, 30_000);
  }, 90_000);
  it('stopped while its publisher finished and closed: when it resumes, every message is delivered or reported lost (the BYE reached it by unicast)', async () => {
    const net = freshNetwork();
    const [s1, s2] = await Promise.all([startPeer('s1', net), startPeer('s2', net)]);
    await Promise.all([s1, s2].map((s) => s.call('count', { patterns: ['pc.>'] })));
    const pub = await startPeer('pub', net);
    await pub.waitJoined(['s1', 's2']);
    // 1 KB messages for about 8 s: s2's socket buffer fills, and the kernel drops the rest.
    const total = 40_000;
    const publishing = pub.call('publish', { subjects: ['pc.a'], perSubject: total, pauseEvery: 50, pauseMs: 10, padBytes: 1000 }, 60_000);
    await sleep(1000);
    const stoppedAt = Date.now();
    s2.signal('SIGSTOP');
    await publishing;
    // The publisher closes while s2 is stopped, after it expired s2 (peerExpiryMs 5 s).
    await sleep(Math.max(0, stoppedAt + 6000 - Date.now()));
    await pub.call('close', {}, 30_000);
    await sleep(1000);
    s2.signal('SIGCONT');
    const got = await s2.call<Counted & { dataLoss: { fromSeq: number; toSeq: number }[] }>('counted', { expect: [total], timeoutMs: 10_000 }, 20_000);
    const reported = got.dataLoss.reduce((n, l) => n + (l.toSeq - l.fromSeq + 1), 0);
    // Nothing silent: what it did not get is in a dataLoss (before: ~half of the stream was neither).
    expect(got.counts[0] + reported).toBe(total);
    const all = await s1.call<Counted>('counted', { expect: [total], timeoutMs: 5_000 }, 10_000);
    expect(all.counts).toEqual([total]);
  }, 90_000);
});
