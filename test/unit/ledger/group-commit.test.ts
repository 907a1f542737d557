import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../actors/ledger/group-commit.js';

describe('GroupCommit', () => {
  it('appends the first batch at once, and batches of the same turn join its commit', () => {
    const g = new GroupCommit<string>();
    expect(g.offer('a')).toBe(true);
    expect(g.gathering).toBe(true);
    expect(g.offer('b')).toBe(true);
    expect(g.commits).toBe(1);
    expect(g.waited).toBe(0);
  });

  it('holds batches that come after the turn ended until the commit in flight is done, then hands them back together, oldest first', () => {
    const g = new GroupCommit<string>();
    g.offer('a');
    g.turnEnded();
    expect(g.offer('b')).toBe(false);
    expect(g.offer('c')).toBe(false);
    expect(g.offer('d')).toBe(false);
    expect(g.waitingBatches).toBe(3);
    expect(g.committed()).toEqual(['b', 'c', 'd']);
    // b, c and d are the next commit, gathered now: one more commit for three batches.
    expect(g.commits).toBe(2);
    expect(g.waited).toBe(3);
    expect(g.gathering).toBe(true);
  });

  it('goes idle when a commit is done with nothing waiting, and the next batch starts a commit at once', () => {
    const g = new GroupCommit<string>();
    g.offer('a');
    g.turnEnded();
    expect(g.committed()).toEqual([]);
    expect(g.idle).toBe(true);
    expect(g.offer('b')).toBe(true);
    expect(g.commits).toBe(2);
  });

  it('keeps at most one commit in flight: what arrives during the second commit waits for it', () => {
    const g = new GroupCommit<number>();
    g.offer(1);
    g.turnEnded();
    g.offer(2);
    expect(g.committed()).toEqual([2]);
    // 3 comes in the turn that gathered [2]: it joins that commit.
    expect(g.offer(3)).toBe(true);
    g.turnEnded();
    expect(g.offer(4)).toBe(false);
    expect(g.committed()).toEqual([4]);
    g.turnEnded();
    expect(g.committed()).toEqual([]);
    expect(g.idle).toBe(true);
    expect(g.commits).toBe(3);
  });

  it('hands back everything waiting on drain, and is idle after', () => {
    const g = new GroupCommit<string>();
    g.offer('a');
    g.turnEnded();
    g.offer('b');
    g.offer('c');
    expect(g.drain()).toEqual(['b', 'c']);
    expect(g.idle).toBe(true);
    expect(g.waitingBatches).toBe(0);
  });
});
