/**
 * Who gets a place in the retransmit actor's table of remotes (issue 11): a quota per source
 * address, and when the table is full, the least useful remote that never acknowledged
 * anything of ours makes room.
 */
import { describe, it, expect } from 'vitest';
import { RemoteAdmission, type RemoteStanding } from '../../../actors/retransmit/remote-admission.js';

/** A table as the shell keeps it, plus the bookkeeping the shell does around `admit`. */
function table(maxRemotes: number, maxPerSource: number) {
  const a = new RemoteAdmission(maxRemotes, maxPerSource);
  const remotes = new Map<string, RemoteStanding>();
  const open = (key: string, source: string | undefined, lastUsedMs: number, proven = false): string => {
    const r = a.admit(source, remotes, (x) => x);
    if (r.kind === 'evict') {
      a.dropped(remotes.get(r.key)?.source);
      remotes.delete(r.key);
    }
    if (r.kind === 'admitted' || r.kind === 'evict') {
      remotes.set(key, { source, lastUsedMs, proven });
      a.opened(source);
    }
    return r.kind === 'evict' ? `evict ${r.key}` : r.kind;
  };
  return { a, remotes, open };
}

describe('RemoteAdmission', () => {
  it('refuses a remote for a frame from a source that opened maxPerSource of them', () => {
    const t = table(100, 2);
    expect(t.open('f1', 'x:1', 0)).toBe('admitted');
    expect(t.open('f2', 'x:1', 0)).toBe('admitted');
    expect(t.open('f3', 'x:1', 0)).toBe('sourceQuota');
    expect(t.open('real', 'y:1', 0)).toBe('admitted');
    expect(t.open('mine', undefined, 0)).toBe('admitted'); // opened for our own needs: no source
  });

  it('when full, takes the least recently used remote that never acknowledged anything of ours', () => {
    const t = table(3, 10);
    t.open('proven', 'p:1', 0, true);
    t.open('old', 'a:1', 5);
    t.open('new', 'b:1', 9);
    expect(t.open('newcomer', 'c:1', 10)).toBe('evict old');
    expect([...t.remotes.keys()]).toEqual(['proven', 'new', 'newcomer']);
  });

  it('prefers a remote of the most crowded source when it holds two more than the newcomer’s', () => {
    const t = table(4, 10);
    t.open('lone', 'a:1', 0);
    t.open('f1', 'x:1', 5);
    t.open('f2', 'x:1', 6);
    t.open('f3', 'x:1', 7);
    expect(t.open('real', 'b:1', 10)).toBe('evict f1');
    expect(t.remotes.has('lone')).toBe(true);
  });

  it('refuses the newcomer when every remote acknowledged a frame of ours', () => {
    const t = table(2, 10);
    t.open('p1', 'a:1', 0, true);
    t.open('p2', 'b:1', 0, true);
    expect(t.open('newcomer', 'c:1', 10)).toBe('full');
  });
});
