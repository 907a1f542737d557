import { describe, it, expect } from 'vitest';
import { MAX_RETIRED_INCARNATIONS, SenderTable } from '../../../actors/receiver/sender-table.js';

const peer = (incarnation: number) => ({ name: 'a', incarnation });

describe('SenderTable', () => {
  it('knows nothing of a sender until it is added, then accepts its incarnation', () => {
    const t = new SenderTable<string>(100);
    expect(t.admit(0, peer(1))).toEqual({ kind: 'unknown' });
    const s = t.add(0, peer(1));
    const a = t.admit(5, peer(1));
    expect(a).toEqual({ kind: 'accepted', sender: s, adopted: false });
    expect(s.lastHeardMs).toBe(5);
  });

  it('adopts an unknown incarnation after the grace and ignores the retired one from then on', () => {
    const t = new SenderTable<string>(100);
    const s = t.add(0, peer(1));
    expect(t.admit(50, peer(2))).toEqual({ kind: 'ignored' });
    expect(t.admit(100, peer(2))).toMatchObject({ kind: 'accepted', adopted: true });
    expect(s.current).toEqual(peer(2));
    expect(s.resyncUntilMs).toBe(200);
    expect(t.admit(300, peer(1))).toEqual({ kind: 'ignored' });
  });

  it('remembers a bounded number of retired incarnations', () => {
    const t = new SenderTable<string>(0);
    const s = t.add(0, peer(0));
    for (let i = 1; i <= 20; i++) t.admit(i, peer(i));
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
