import { describe, it, expect } from 'vitest';
import { MAX_RETIRED_INCARNATIONS, SenderTable } from '../../../actors/receiver/sender-table.js';

const peer = (incarnation: number, name = 'a') => ({ name, incarnation });

describe('SenderTable', () => {
  it('knows nothing of a sender until it is added, then accepts its incarnation', () => {
    const t = new SenderTable<string>(100);
    expect(t.admit(0, peer(1))).toEqual({ kind: 'unknown' });
    const s = t.add(0, peer(1));
    const a = t.admit(5, peer(1));
    expect(a).toEqual({ kind: 'accepted', sender: s });
    expect(s.lastHeardMs).toBe(5);
  });

  it('never adopts another incarnation from a frame, however late: only an advert of it does', () => {
    const t = new SenderTable<string>(100);
    const s = t.add(0, peer(1));
    expect(t.admit(50, peer(2))).toEqual({ kind: 'unadvertised' });
    expect(t.admit(100_000, peer(2))).toEqual({ kind: 'unadvertised' });
    expect(s.current).toEqual(peer(1));
    expect(s.lastHeardMs).toBe(0); // not heard: that frame was not the sender's
    t.noteAdvertised(peer(2));
    t.adopt(100_000, s, peer(2));
    expect(s.current).toEqual(peer(2));
    expect(s.resyncUntilMs).toBe(100_100);
    expect(t.admit(100_001, peer(2))).toMatchObject({ kind: 'accepted', sender: s });
    expect(t.admit(100_002, peer(1))).toEqual({ kind: 'ignored' });
  });

  it('holds a first frame of a name whose advertised incarnation is another, until that one is forgotten', () => {
    const t = new SenderTable<string>(100);
    t.noteAdvertised(peer(1));
    expect(t.admit(0, peer(2))).toEqual({ kind: 'unadvertised' });
    expect(t.admit(0, peer(1))).toEqual({ kind: 'unknown' });
    t.forgetAdvertised('a', 2); // not the advertised one: no effect
    expect(t.advertisedIncarnation('a')).toBe(1);
    t.forgetAdvertised('a', 1);
    expect(t.admit(0, peer(2))).toEqual({ kind: 'unknown' });
  });

  it('keeps at most maxAdvertised advertised names, forgetting the oldest note first', () => {
    const t = new SenderTable<string>(100, 2);
    t.noteAdvertised(peer(1, 'a'));
    t.noteAdvertised(peer(1, 'b'));
    t.noteAdvertised(peer(2, 'a')); // renewed: now the newest
    t.noteAdvertised(peer(1, 'c'));
    expect(t.advertisedIncarnation('b')).toBeUndefined();
    expect(t.advertisedIncarnation('a')).toBe(2);
    expect(t.advertisedIncarnation('c')).toBe(1);
  });

  it('ignores the frames of an incarnation that said BYE, even while it is still current', () => {
    const t = new SenderTable<string>(100);
    const s = t.add(0, peer(1));
    t.retire(s, 1);
    expect(t.admit(1, peer(1))).toEqual({ kind: 'ignored' });
  });

  it('takes back a retired incarnation that advertises again', () => {
    const t = new SenderTable<string>(0);
    const s = t.add(0, peer(1));
    t.adopt(1, s, peer(2));
    expect(s.retired).toEqual([1]);
    t.adopt(2, s, peer(1));
    expect(s.retired).toEqual([2]);
    expect(t.admit(3, peer(1))).toMatchObject({ kind: 'accepted' });
  });

  it('remembers a bounded number of retired incarnations', () => {
    const t = new SenderTable<string>(0);
    const s = t.add(0, peer(0));
    for (let i = 1; i <= 20; i++) t.adopt(i, s, peer(i));
    expect(s.retired).toHaveLength(MAX_RETIRED_INCARNATIONS);
    expect(s.retired).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('revives a departed sender on its next frame, and forgets the longest departed first', () => {
    const t = new SenderTable<string>(0);
    const a = t.add(0, { name: 'a', incarnation: 1 });
    const b = t.add(0, { name: 'b', incarnation: 1 });
    t.depart(a);
    t.depart(b);
    t.admit(1, { name: 'a', incarnation: 1 });
    expect(a.departed).toBe(false);
    expect(t.forgetOldestDeparted()).toBe(b);
    expect(t.forgetOldestDeparted()).toBeUndefined();
    expect(t.get('b')).toBeUndefined();
    expect(t.get('a')).toBe(a);
  });
});
