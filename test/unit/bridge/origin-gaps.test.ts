import { describe, expect, it } from 'vitest';
import { OriginGaps } from '../../../bridge/origin-gaps.js';

/** Feeds (origin seq, stream seq) pairs of one origin stream; returns the gaps reported. */
function feed(g: OriginGaps, pairs: [seq: number, at: number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [seq, at] of pairs) {
    g.passed(at);
    const gap = g.seen('pub', 7, 'k.a', seq, at);
    if (gap) out.push([gap.fromSeq, gap.toSeq]);
  }
  return out;
}

describe('OriginGaps: messages of another zone JetStream deleted before they were imported', () => {
  it('reports a gap in an origin stream when stream sequences jumped since its previous message', () => {
    const g = new OriginGaps();
    g.start(0);
    expect(feed(g, [[1, 1], [2, 2], [3, 3], [9, 10]])).toEqual([[4, 8]]);
  });

  it('kept across a consumer restart: what comes again from the ack floor reports nothing, a deletion right after the restart is a gap of the streams seen before', () => {
    const g = new OriginGaps();
    g.start(0);
    expect(feed(g, [[1, 1], [2, 2], [3, 3], [4, 4]])).toEqual([]);
    g.start(2); // acknowledged up to 2: 3 and 4 come again, then 5..9 were deleted
    expect(feed(g, [[3, 3], [4, 4], [10, 10], [11, 11]])).toEqual([[5, 9]]);
    g.start(11); // the deletion met first thing after a restart
    expect(feed(g, [[15, 15]])).toEqual([[12, 14]]);
  });

  it('forgets every stream when the consumer starts again past what it saw (another bridge imported meanwhile): no gap from a stale last seq', () => {
    const g = new OriginGaps();
    g.start(0);
    expect(feed(g, [[1, 1], [2, 2]])).toEqual([]);
    g.start(40); // acknowledged up to 40 by someone else: seqs 3..40 crossed without us
    expect(feed(g, [[45, 45], [46, 46]])).toEqual([]); // 41..44 deleted: not known to be this stream's
    g.start(46);
    expect(feed(g, [[50, 50]])).toEqual([[47, 49]]); // seen since: reported again
  });

  it('says every deletion by its stream sequences, also the ones no origin stream can be named for (a bridge just started)', () => {
    const g = new OriginGaps();
    g.start(100); // a fresh process: acknowledged up to 100 by its previous run
    expect(g.passed(151)).toEqual({ from: 101, to: 150 }); // 101..150 deleted meanwhile
    expect(g.seen('pub', 7, 'k.a', 151, 151)).toBeUndefined(); // its origin stream is not known here
    expect(g.passed(152)).toBeUndefined();
    expect(g.passed(152)).toBeUndefined(); // delivered again: no deletion
    expect(g.passed(160)).toEqual({ from: 153, to: 159 });
    g.start(150); // a restart below what was read: what comes again is no deletion
    expect(g.passed(151)).toBeUndefined();
  });

  it('a gap without a deletion is a reordering: nothing reported, and the late seq is no gap either', () => {
    const g = new OriginGaps();
    g.start(0);
    expect(feed(g, [[1, 1], [3, 2], [2, 3], [4, 4]])).toEqual([]);
  });

  it('a deletion before the stream last appeared is not a gap of it; messages of other streams move the position', () => {
    const g = new OriginGaps();
    g.start(0);
    expect(feed(g, [[1, 5]])).toEqual([]); // messages 1..4 were deleted before this stream's first one
    g.passed(6); // another stream's message
    expect(feed(g, [[2, 7]])).toEqual([]);
  });

  it('a stream seen only after the importer started reports nothing, and a loss record covers its range', () => {
    const g = new OriginGaps();
    g.start(100);
    expect(feed(g, [[50, 105]])).toEqual([]);
    g.passed(106);
    g.seen('pub', 7, 'k.a', 80, 106); // a loss record for 51..80
    expect(feed(g, [[81, 107]])).toEqual([]);
  });

  it('forgets the oldest stream past maxStreams', () => {
    const g = new OriginGaps(2);
    g.start(0);
    g.passed(1);
    g.seen('a', 1, 's', 1, 1);
    g.passed(2);
    g.seen('b', 1, 's', 1, 2);
    g.passed(3);
    g.seen('c', 1, 's', 1, 3);
    g.passed(10);
    expect(g.seen('a', 1, 's', 5, 10)).toBeUndefined(); // forgotten: starts again
    g.passed(20);
    expect(g.seen('c', 1, 's', 5, 20)).toMatchObject({ fromSeq: 2, toSeq: 4 });
  });

  it('a late (reordered) or repeated message moves nothing back: no false gap after the next deletion, and a real one still told', () => {
    const g = new OriginGaps();
    g.start(0);
    // 5 stored at 5; 3 stored late at 6 (a retried publish); 7..9 deleted; 6 at 10 follows 5.
    expect(feed(g, [[4, 4], [5, 5], [3, 6], [6, 10]])).toEqual([]);
    // 11..13 deleted, then 6 again at 14 (stored twice, past the de-duplication window), 8 at 15:
    // 7 was deleted with 11..13 (the repeat does not stand for where the stream was).
    expect(feed(g, [[6, 14], [8, 15]])).toEqual([[7, 7]]);
  });

  it('a redelivered message (an earlier stream sequence) does not move the stream back: the next one is no deletion', () => {
    const g = new OriginGaps();
    g.start(0);
    expect(feed(g, [[1, 1], [2, 2], [3, 3]])).toEqual([]);
    g.passed(2); // delivered again (its acknowledgement was late)
    expect(feed(g, [[5, 4]])).toEqual([]); // 4 was stored later, not deleted: it comes after
  });

  it('the next seq after a deletion is no gap, nor a gap whose deletion came before the previous message', () => {
    const g = new OriginGaps();
    g.start(0);
    expect(feed(g, [[1, 1], [2, 5]])).toEqual([]); // 2..4 deleted before 2 was stored
    expect(feed(g, [[4, 6]])).toEqual([]); // so 3 is not among them: a reordering, it comes later
  });
});
