import { describe, expect, it } from 'vitest';
import { ExportCheckpoint, lowestScanFrom, parseCheckpoint, STALE_WRITES, type CheckpointValue } from '../../../bridge/export-checkpoint.js';

const BIG = 1 << 20;

describe('ExportCheckpoint', () => {
  it('moves a position only over a run of stored items, in arrival order', () => {
    const c = new ExportCheckpoint('me', 100, BIG);
    c.restore(undefined, 10);
    const a1 = c.taken('p', 7, 'k.a', 1);
    const a2 = c.taken('p', 7, 'k.a', 2);
    const a3 = c.taken('p', 7, 'k.a', 3);
    c.done(a2, 12);
    expect(c.resumePositions()).toEqual([{ sender: 'p', subject: 'k.a', seq: 0, incarnation: 7 }]);
    expect(c.dirty).toBe(false);
    c.done(a1, 11);
    expect(c.resumePositions()).toEqual([{ sender: 'p', subject: 'k.a', seq: 2, incarnation: 7 }]);
    expect(c.dirty).toBe(true);
    expect(c.covered('p', 7, 'k.a', 2)).toBe(true);
    expect(c.covered('p', 7, 'k.a', 3)).toBe(false);
    expect(c.covered('p', 8, 'k.a', 1)).toBe(false); // another incarnation
    c.done(a3, 13);
    expect(c.resumePositions()[0].seq).toBe(3);
  });

  it('keeps scanFrom below every store not yet counted: the highest stream sequence acknowledged when the oldest pending item came in', () => {
    const c = new ExportCheckpoint('me', 100, BIG);
    c.restore(undefined, 50); // the stream held 50 at start
    expect(c.scanFrom()).toBe(50);
    const a = c.taken('p', 1, 'k.a', 1); // bound 50
    const b = c.taken('q', 1, 'k.b', 1); // bound 50
    c.done(b, 52); // stored at 52
    const d = c.taken('q', 1, 'k.b', 2); // bound 52
    expect(c.scanFrom()).toBe(50); // a is pending: it may be stored at 51 already
    c.done(a, 51);
    expect(c.scanFrom()).toBe(52); // d pending, taken in after 52 was acknowledged
    c.done(d, 53);
    expect(c.scanFrom()).toBe(53);
  });

  it('restores positions and reads the stored tail after them: contiguous stores extend a position, others are skipped as stored', () => {
    const value: CheckpointValue = { v: 1, writers: { old: { scanFrom: 100, n: 4 } }, streams: [['p', 7, 'k.a', 10], ['p', 7, 'k.b', 5]] };
    const c = new ExportCheckpoint('me', 100, BIG);
    c.restore(value, 120);
    c.noteStored('p', 7, 'k.a', 11, 11);
    c.noteStored('p', 7, 'k.a', 12, 12);
    c.noteStored('p', 7, 'k.b', 8, 8); // 6 and 7 not stored (in flight when the old bridge died)
    c.noteStored('r', 3, 'k.c', 40, 40); // a stream the checkpoint does not list
    expect(c.resumePositions()).toEqual(expect.arrayContaining([{ sender: 'p', subject: 'k.a', seq: 12, incarnation: 7 }, { sender: 'p', subject: 'k.b', seq: 5, incarnation: 7 }]));
    expect(c.covered('p', 7, 'k.b', 6)).toBe(false);
    expect(c.covered('p', 7, 'k.b', 8)).toBe(true);
    expect(c.covered('r', 3, 'k.c', 40)).toBe(true);
    expect(c.covered('r', 3, 'k.c', 39)).toBe(false);
    // Until the ranges read at start are passed, a crash must read that tail again.
    expect(c.scanFrom()).toBe(100);
    c.done(c.taken('p', 7, 'k.b', 6), 121);
    c.done(c.taken('p', 7, 'k.b', 7), 122);
    expect(c.resumePositions().find((p) => p.subject === 'k.b')?.seq).toBe(8); // absorbed the stored 8
    expect(c.scanFrom()).toBe(100); // k.c's range is still ahead
    c.done(c.taken('r', 3, 'k.c', 40));
    expect(c.rangesAbove).toBe(0);
    expect(c.scanFrom()).toBe(122);
  });

  it('lets the inherited scanFrom go once the tail read at start all extended positions', () => {
    const c = new ExportCheckpoint('me', 100, BIG);
    c.restore({ v: 1, writers: { old: { scanFrom: 100, n: 4 } }, streams: [['p', 7, 'k.a', 10]] }, 102);
    c.noteStored('p', 7, 'k.a', 11, 11);
    c.noteStored('p', 7, 'k.a', 12, 12);
    expect(c.scanFrom()).toBe(100);
    c.scanDone();
    expect(c.scanFrom()).toBe(102);
  });

  it('trims a loss range to what is not stored', () => {
    const c = new ExportCheckpoint('me', 100, BIG);
    c.restore({ v: 1, writers: {}, streams: [['p', 7, 'k.a', 10]] }, 0);
    c.noteStored('p', 7, 'k.a', 15, 16);
    expect(c.uncovered('p', 7, 'k.a', 5, 20)).toEqual([[11, 14], [17, 20]]);
    expect(c.uncovered('p', 7, 'k.a', 1, 10)).toEqual([]);
    expect(c.uncovered('p', 8, 'k.a', 1, 3)).toEqual([[1, 3]]);
  });

  it('a new incarnation of a stream replaces its position', () => {
    const c = new ExportCheckpoint('me', 100, BIG);
    c.restore(undefined, 0);
    c.done(c.taken('p', 1, 'k.a', 500), 1);
    c.done(c.taken('p', 2, 'k.a', 1), 2);
    // With the incarnation that numbered it: the export resumes a renumbered stream from its start.
    expect(c.resumePositions()).toEqual([{ sender: 'p', subject: 'k.a', seq: 1, incarnation: 2 }]);
    expect(c.covered('p', 2, 'k.a', 1)).toBe(true);
    expect(c.covered('p', 1, 'k.a', 400)).toBe(false);
  });

  it('writes the most recently exported streams first, within maxStreams, and counts the rest', () => {
    const c = new ExportCheckpoint('me', 2, BIG);
    c.restore(undefined, 0);
    for (const s of ['k.a', 'k.b', 'k.c']) c.done(c.taken('p', 1, s, 1), 1);
    const v = c.value(undefined);
    expect(v.streams.map((e) => e[2])).toEqual(['k.c', 'k.b']);
    expect(c.evictedStreams).toBe(1); // k.a was forgotten when k.c came (nothing pending)
  });

  it('keeps streams in order of last export through runs of one stream (the last one is not looked up again)', () => {
    const c = new ExportCheckpoint('me', 2, BIG);
    c.restore(undefined, 0);
    let seq = 0;
    for (const s of ['k.a', 'k.a', 'k.b', 'k.b', 'k.a', 'k.a', 'k.c']) c.done(c.taken('p', 1, s, ++seq), seq);
    expect(c.value(undefined).streams.map((e) => e[2])).toEqual(['k.c', 'k.a']); // k.b, least recent, forgotten
    expect(c.covered('p', 1, 'k.c', 7)).toBe(true);
    expect(c.covered('p', 1, 'k.a', 6)).toBe(true);
    expect(c.covered('p', 1, 'k.b', 4)).toBe(false);
  });

  it('keeps the value under maxBytes and counts the streams left out', () => {
    const c = new ExportCheckpoint('me', 1000, 200);
    c.restore(undefined, 0);
    for (let i = 0; i < 20; i++) c.done(c.taken('publisher', 1, `subject.${i}`, 1), 1);
    const v = c.value(undefined);
    expect(JSON.stringify(v).length).toBeLessThanOrEqual(200);
    expect(v.streams.length + c.droppedStreams).toBe(20);
    expect(c.droppedStreams).toBeGreaterThan(0);
  });

  it("merges another bridge's value: the later position of the same incarnation, its other streams, and its writer until it stops writing", () => {
    const c = new ExportCheckpoint('me', 100, BIG);
    c.restore(undefined, 0);
    c.done(c.taken('p', 1, 'k.a', 5), 1);
    const theirs = (n: number): CheckpointValue => ({ v: 1, writers: { other: { scanFrom: 3, n } }, streams: [['p', 1, 'k.a', 9], ['p', 1, 'k.z', 2]] });
    const v = c.value(theirs(1));
    expect(v.streams).toEqual([['p', 1, 'k.a', 9], ['p', 1, 'k.z', 2]]);
    expect(Object.keys(v.writers).sort()).toEqual(['me', 'other']);
    expect(lowestScanFrom(v)).toBe(1);
    // The other bridge writes once more, then no more: dropped once STALE_WRITES of ours saw it unchanged.
    let last = c.value(theirs(2));
    for (let i = 0; i < STALE_WRITES - 1; i++) last = c.value(theirs(2));
    expect(Object.keys(last.writers).sort()).toEqual(['me', 'other']);
    last = c.value(theirs(2));
    expect(Object.keys(last.writers)).toEqual(['me']);
  });

  it('parses only values of its own shape', () => {
    expect(parseCheckpoint('{"v":1,"writers":{"a":{"scanFrom":3,"n":1}},"streams":[["p",1,"k.a",4]]}')).toEqual({ v: 1, writers: { a: { scanFrom: 3, n: 1 } }, streams: [['p', 1, 'k.a', 4]] });
    expect(parseCheckpoint('not json')).toBeUndefined();
    expect(parseCheckpoint('{"v":2,"writers":{},"streams":[]}')).toBeUndefined();
    expect(parseCheckpoint('{"v":1,"writers":{},"streams":[["p","1","k.a",4]]}')).toBeUndefined();
    expect(parseCheckpoint('{"v":1,"writers":{"a":{"scanFrom":-1,"n":1}},"streams":[]}')).toBeUndefined();
  });
});
