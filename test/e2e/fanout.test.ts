/**
 * One publisher process, three subscriber processes with overlapping wildcard patterns, under
 * every topology preset: each subscription gets every message of the subjects it matches,
 * exactly once, in sequence order per (sender, subject), with the payload that was sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TOPOLOGIES, byStream, freshNetwork, killAll, range, startPeer, summarize, type Rec } from './helpers.js';

/** Subjects published, and which of the subscribers' patterns each one matches. */
const SUBJECTS = [
  'orders.new.eu', //     orders.>  orders.*.eu  *.new.eu  >
  'orders.new.us', //     orders.>                         >
  'orders.cancel.eu', //  orders.>  orders.*.eu            >
  'orders.eu', //         orders.>                         >   (orders.*.eu needs three tokens)
  'orders.new.eu.x', //   orders.>                         >   (no trailing match for *.eu)
  'orders', //                                             >   (orders.> needs one more token)
  'trades.new.eu', //                           *.new.eu   >
] as const;
const PER_SUBJECT = 400; // 2,800 messages in all

const EXPECTED: Record<string, readonly string[]> = {
  'orders.>': ['orders.new.eu', 'orders.new.us', 'orders.cancel.eu', 'orders.eu', 'orders.new.eu.x'],
  'orders.*.eu': ['orders.new.eu', 'orders.cancel.eu'],
  '*.new.eu': ['orders.new.eu', 'trades.new.eu'],
  '>': [...SUBJECTS],
};

afterEach(killAll);

describe.each(TOPOLOGIES)("fan-out with topology '%s'", (topology) => {
  it('every subscriber process receives every message of the subjects its patterns match, exactly once and in order', async () => {
    const net = freshNetwork();
    const options = { ...net, topology };
    const pub = await startPeer('pub', options);
    const [s1, s2, s3] = await Promise.all([startPeer('sub1', options), startPeer('sub2', options), startPeer('sub3', options)]);
    const plan = [
      { proc: s1, patterns: ['orders.>'] },
      // Two overlapping subscriptions in one process: each gets its own copy, once.
      { proc: s2, patterns: ['orders.*.eu', '*.new.eu'] },
      { proc: s3, patterns: ['>'] },
    ];
    for (const { proc, patterns } of plan) await proc.call('subscribe', { patterns });
    await pub.waitJoined(['sub1', 'sub2', 'sub3']);

    const sent = await pub.call('publish', { subjects: SUBJECTS, perSubject: PER_SUBJECT });
    expect(sent.published).toBe(SUBJECTS.length * PER_SUBJECT);

    const results = await Promise.all(
      plan.map(({ proc, patterns }) =>
        proc.call('collect', { expect: patterns.map((p) => EXPECTED[p].length * PER_SUBJECT), timeoutMs: 15_000, quietMs: 300 }, 20_000),
      ),
    );
    plan.forEach(({ proc, patterns }, k) => {
      const r = results[k];
      expect(r.dataLoss, `${proc.label} data loss`).toEqual([]);
      expect(r.errors, `${proc.label} errors`).toEqual([]);
      patterns.forEach((pattern, j) => {
        const streams = byStream(r.records[j] as Rec[]);
        expect([...streams.keys()].sort(), `${proc.label} ${pattern}: streams`).toEqual(EXPECTED[pattern].map((s) => `pub|${s}`).sort());
        for (const [key, list] of streams) {
          expect(summarize(list), `${proc.label} ${pattern} ${key}`).toEqual({ runs: `1-${PER_SUBJECT}`, payloadMismatches: 0 });
          expect(list.map((x) => x[2])).toEqual(range(1, PER_SUBJECT));
        }
        expect(r.records[j].length, `${proc.label} ${pattern}: total`).toBe(EXPECTED[pattern].length * PER_SUBJECT);
      });
    });
  });
});
