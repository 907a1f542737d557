/**
 * Without multicast (`multicast: false`), peers find each other through seed peers' unicast
 * listeners and the publisher sends to each interested receiver by unicast: everything is
 * still delivered exactly once in order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { byStream, freshNetwork, freshPort, killAll, startPeer, summarize, type Rec } from './helpers.js';

const SUBJECTS = ['quotes.eu.acme', 'quotes.us.acme', 'news.eu'] as const;
const PER_SUBJECT = 800; // 2,400 messages

afterEach(killAll);

describe.each(['single', 'shared'] as const)("unicast-only with topology '%s'", (topology) => {
  it('with multicast off, a publisher and two subscribers that know each other only through seed peers deliver every message exactly once in order', async () => {
    const net = freshNetwork();
    const ports = new Set<number>();
    while (ports.size < 3) ports.add(freshPort());
    const [pubPort, sub1Port, sub2Port] = [...ports];
    const base = { ...net, topology, multicast: false };
    // sub2 names only the publisher; the publisher names only sub1: sub2 is found through its
    // own advertisement to the publisher.
    const pub = await startPeer('pub', { ...base, unicastPort: pubPort, peers: [`127.0.0.1:${sub1Port}`] });
    const [sub1, sub2] = await Promise.all([
      startPeer('sub1', { ...base, unicastPort: sub1Port, peers: [`127.0.0.1:${pubPort}`] }),
      startPeer('sub2', { ...base, unicastPort: sub2Port, peers: [`127.0.0.1:${pubPort}`] }),
    ]);
    await sub1.call('subscribe', { patterns: ['quotes.>'] });
    await sub2.call('subscribe', { patterns: ['*.eu.*', '>'] });
    await pub.waitJoined(['sub1', 'sub2']);

    await pub.call('publish', { subjects: SUBJECTS, perSubject: PER_SUBJECT });

    const want = [
      { proc: sub1, subjects: [['quotes.eu.acme', 'quotes.us.acme']] },
      { proc: sub2, subjects: [['quotes.eu.acme'], [...SUBJECTS]] },
    ];
    const results = await Promise.all(
      want.map(({ proc, subjects }) => proc.call('collect', { expect: subjects.map((s) => s.length * PER_SUBJECT), timeoutMs: 15_000, quietMs: 300 }, 20_000)),
    );
    want.forEach(({ proc, subjects }, k) => {
      const r = results[k];
      expect(r.dataLoss, `${proc.label} data loss`).toEqual([]);
      subjects.forEach((subs, j) => {
        const streams = byStream(r.records[j] as Rec[]);
        expect([...streams.keys()].sort(), `${proc.label} subscription ${j}`).toEqual(subs.map((s) => `pub|${s}`).sort());
        for (const [key, list] of streams) expect(summarize(list), `${proc.label} ${key}`).toEqual({ runs: `1-${PER_SUBJECT}`, payloadMismatches: 0 });
        expect(r.records[j].length).toBe(subs.length * PER_SUBJECT);
      });
    });

    // Nothing went by multicast: no group joined anywhere, and the listeners are the given ports.
    for (const [proc, port] of [[pub, pubPort], [sub1, sub1Port], [sub2, sub2Port]] as const) {
      const stats = await proc.call('stats');
      expect(stats.actors.socket.joinedGroups, `${proc.label} groups`).toEqual([]);
      expect(stats.actors.socket.unicastPort, `${proc.label} unicast port`).toBe(port);
    }
  });
});
