import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ImportLease, type LeaseObservation, type LeaseWrite } from '../../../bridge/import-lease.js';

const TTL = 3000;

/** A key-value key with compare-and-set, as JetStream's: every write bumps the revision. */
class FakeKey {
  revision = 0;
  holder: string | undefined;
  read(): LeaseObservation {
    return this.holder === undefined ? { kind: 'free', revision: this.revision } : { kind: 'held', holder: this.holder, revision: this.revision };
  }
  /** The write `w` on behalf of `who`: the new revision, or undefined when refused. */
  write(who: string, w: LeaseWrite): number | undefined {
    if (w.kind === 'none' || w.revision !== this.revision) return undefined;
    this.revision++;
    this.holder = who;
    return this.revision;
  }
  delete(): void {
    this.revision++;
    this.holder = undefined;
  }
}

/** One poll of `lease` at `now` against `key`, the write (if any) done at once. */
function poll(lease: ImportLease, key: FakeKey, now: number): void {
  const w = lease.observe(now, key.read());
  if (w.kind === 'none') return;
  const rev = key.write(lease.me, w);
  if (rev === undefined) lease.refused();
  else lease.written(now, rev);
}

describe('ImportLease: one bridge of a zone imports at a time', () => {
  it('the first bridge to look takes a free key; a second one stands by while the holder renews', () => {
    const key = new FakeKey();
    const a = new ImportLease('a', TTL);
    const b = new ImportLease('b', TTL);
    poll(a, key, 0);
    poll(b, key, 10);
    expect([a.isHeld(10), b.isHeld(10)]).toEqual([true, false]);
    for (let t = 1000; t <= 60_000; t += 1000) {
      poll(a, key, t);
      poll(b, key, t + 10);
      expect([a.isHeld(t + 10), b.isHeld(t + 10)]).toEqual([true, false]);
    }
    expect(b.holder).toBe('a');
    expect(a.acquisitions).toBe(1);
  });

  it('a holder that stops renewing (killed) is replaced within ttl plus one poll, and only after its own deadline', () => {
    const key = new FakeKey();
    const a = new ImportLease('a', TTL);
    const b = new ImportLease('b', TTL);
    poll(a, key, 0);
    poll(b, key, 500);
    poll(a, key, 1000); // last renewal, then a dies
    let takenAt: number | undefined;
    for (let t = 1500; t < 10_000 && takenAt === undefined; t += 1000) {
      poll(b, key, t);
      if (b.isHeld(t)) takenAt = t;
    }
    expect(takenAt).toBeDefined();
    expect(takenAt!).toBeLessThanOrEqual(1000 + TTL + b.pollMs + 500);
    // a's own deadline came first: it had stopped importing before b started.
    expect(a.isHeld(takenAt!)).toBe(false);
    expect(a.isHeld(1000 + TTL - 1)).toBe(true);
  });

  it('a holder that cannot reach NATS stops importing ttl after its last successful write, without writing', () => {
    const key = new FakeKey();
    const a = new ImportLease('a', TTL);
    poll(a, key, 0);
    expect(a.observe(1000, { kind: 'unreachable' })).toEqual({ kind: 'none' });
    expect(a.isHeld(2999)).toBe(true);
    expect(a.isHeld(3000)).toBe(false);
  });

  it('a holder whose lease ran out while NATS was away renews it at once when nobody took it, and waits when someone did', () => {
    const key = new FakeKey();
    const a = new ImportLease('a', TTL);
    poll(a, key, 0);
    expect(a.isHeld(3500)).toBe(false); // NATS away: no renewal for longer than ttl
    poll(a, key, 3500);
    expect(a.isHeld(3500)).toBe(true);
    // Away again; this time a standby took the key meanwhile: no renewal, a stands by.
    expect(a.isHeld(7000)).toBe(false);
    key.write('c', { kind: 'update', revision: key.revision });
    poll(a, key, 7000);
    expect(a.isHeld(7000)).toBe(false);
    expect(a.holder).toBe('c');
  });

  it('a holder that sees someone else in the key stops at once', () => {
    const key = new FakeKey();
    const a = new ImportLease('a', TTL);
    poll(a, key, 0);
    key.write('intruder', { kind: 'update', revision: key.revision });
    poll(a, key, 1000);
    expect(a.isHeld(1000)).toBe(false);
    expect(a.holder).toBe('intruder');
  });

  it('a key deleted by a holder that closed is taken at the next poll', () => {
    const key = new FakeKey();
    const a = new ImportLease('a', TTL);
    const b = new ImportLease('b', TTL);
    poll(a, key, 0);
    poll(b, key, 100);
    a.released();
    key.delete();
    poll(b, key, 1100);
    expect(b.isHeld(1100)).toBe(true);
  });

  it('two standbys racing for an expired lease: one wins, the other stands by', () => {
    const key = new FakeKey();
    const dead = new ImportLease('dead', TTL);
    poll(dead, key, 0);
    const b = new ImportLease('b', TTL);
    const c = new ImportLease('c', TTL);
    for (let t = 100; t <= 5000; t += 1000) {
      // Both read before either writes: the compare-and-set picks one.
      const wb = b.observe(t, key.read());
      const wc = c.observe(t, key.read());
      for (const [l, w] of [
        [b, wb],
        [c, wc],
      ] as const) {
        if (w.kind === 'none') continue;
        const rev = key.write(l.me, w);
        if (rev === undefined) l.refused();
        else l.written(t, rev);
      }
    }
    expect([b.isHeld(5000), c.isHeld(5000)].filter(Boolean)).toHaveLength(1);
  });

  it('never two holders at once, whatever the polls, deaths and delays (property)', () => {
    // Each step: a bridge polls (its write lands after a delay), a bridge dies, or time passes.
    const step = fc.record({ who: fc.integer({ min: 0, max: 2 }), dt: fc.integer({ min: 0, max: 1500 }), delay: fc.integer({ min: 0, max: 400 }), die: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 200 }), (steps) => {
        const key = new FakeKey();
        const leases = [0, 1, 2].map((i) => new ImportLease(`b${i}`, TTL));
        const alive = [true, true, true];
        let now = 0;
        for (const s of steps) {
          now += s.dt;
          if (s.die && alive.filter(Boolean).length > 1) {
            alive[s.who] = false;
            continue;
          }
          if (!alive[s.who]) continue;
          const l = leases[s.who]!;
          const sent = now;
          const w = l.observe(now, key.read());
          now += s.delay; // the write reaches the server later
          if (w.kind !== 'none') {
            const rev = key.write(l.me, w);
            if (rev === undefined) l.refused();
            else l.written(sent, rev);
          }
          const holding = leases.filter((x, i) => alive[i] && x.isHeld(now));
          if (holding.length > 1) return false;
        }
        return true;
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a ttl that is not positive', () => {
    expect(() => new ImportLease('a', 0)).toThrow(RangeError);
  });
});
