import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { HeartbeatScheduler, IDLE_HEARTBEAT_SHARE, MAX_RETAINED_ROUNDS } from '../../../actors/sender/heartbeat-scheduler.js';
import { resolveSenderOptions, type SenderOptions } from '../../../actors/sender/options.js';

function scheduler(o: SenderOptions = {}) {
  return new HeartbeatScheduler(resolveSenderOptions(o));
}

/** Fires every deadline up to `untilMs`; returns [time, subjects] of each heartbeat. */
function run(h: HeartbeatScheduler, untilMs: number): [number, string[]][] {
  const out: [number, string[]][] = [];
  for (let d = h.nextDeadlineMs(); d !== undefined && d <= untilMs; d = h.nextDeadlineMs()) {
    const subjects = h.onTimer(d);
    if (subjects !== undefined) out.push([d, subjects]);
  }
  return out;
}

describe('HeartbeatScheduler', () => {
  it('has nothing due before any data', () => {
    const h = scheduler();
    expect(h.nextDeadlineMs()).toBeUndefined();
    expect(h.onTimer(1_000_000)).toBeUndefined();
  });

  it('announces a stream soon after its last message, then doubles the gap up to heartbeatMaxMs', () => {
    const h = scheduler();
    h.onSent(0, 's');
    expect(h.nextDeadlineMs()).toBe(5);
    expect(h.onTimer(4)).toBeUndefined();
    expect(run(h, 3300).map(([t]) => t)).toEqual([5, 15, 35, 75, 155, 315, 635, 1275, 2275, 3275]);
    expect(h.counters.heartbeats).toBe(10);
  });

  it('sends no heartbeat while data keeps flowing, and the first one heartbeatMinMs after it stops', () => {
    const h = scheduler();
    for (let t = 0; t <= 100; t++) {
      h.onSent(t, 's');
      expect(h.onTimer(t)).toBeUndefined();
    }
    expect(h.nextDeadlineMs()).toBe(105);
    expect(h.onTimer(105)).toEqual(['s']);
  });

  it('restarts the backoff on new data after a long idle period', () => {
    const h = scheduler();
    h.onSent(0, 's');
    run(h, 3000);
    expect(h.nextDeadlineMs()).toBe(3275);
    h.onSent(3010, 's');
    expect(h.nextDeadlineMs()).toBe(3015);
    expect(run(h, 3100).map(([t]) => t)).toEqual([3015, 3025, 3045, 3085]);
  });

  it('stops announcing a stream activeStreamTtlMs after its last message', () => {
    const h = scheduler({ heartbeatMinMs: 5, heartbeatMaxMs: 40, activeStreamTtlMs: 100 });
    h.onSent(0, 's');
    expect(run(h, 10_000).map(([t]) => t)).toEqual([5, 15, 35, 75]);
    expect(h.nextDeadlineMs()).toBeUndefined();
    expect(h.activeSubjects()).toEqual([]);
    expect(h.counters).toMatchObject({ streamsExpired: 1, activeStreams: 0 });
    h.onSent(20_000, 's');
    expect(h.activeSubjects()).toEqual(['s']);
    expect(h.nextDeadlineMs()).toBe(20_005);
  });

  it('keeps every stream on its own schedule', () => {
    const h = scheduler();
    h.onSent(0, 'a');
    h.onSent(3, 'b');
    expect(run(h, 20)).toEqual([
      [5, ['a']],
      [8, ['b']],
      [15, ['a']],
      [18, ['b']],
    ]);
  });

  it('announces at most maxStreamsPerHeartbeat streams at once, most overdue first, then the rest', () => {
    const h = scheduler({ maxStreamsPerHeartbeat: 2 });
    h.onSent(0, 's0');
    h.onSent(1, 's1');
    h.onSent(2, 's2');
    h.onSent(3, 's3');
    h.onSent(4, 's4');
    expect(h.onTimer(100)).toEqual(['s0', 's1']);
    expect(h.nextDeadlineMs()).toBe(7); // still overdue
    expect(h.onTimer(100)).toEqual(['s2', 's3']);
    expect(h.onTimer(100)).toEqual(['s4']);
    expect(h.onTimer(100)).toBeUndefined();
    expect(h.counters).toMatchObject({ heartbeats: 3, streamsAnnounced: 5 });
  });

  it('rotates fairly through more due streams than one heartbeat can name', () => {
    const h = scheduler({ maxStreamsPerHeartbeat: 3, heartbeatMinMs: 5, heartbeatMaxMs: 5 });
    const subjects = Array.from({ length: 10 }, (_, i) => `s${i}`);
    for (const s of subjects) h.onSent(0, s);
    const count = new Map<string, number>();
    // One heartbeat per 5 ms: fewer slots than due streams, so each waits its turn.
    for (let t = 5; t <= 500; t += 5) for (const s of h.onTimer(t) ?? []) count.set(s, (count.get(s) ?? 0) + 1);
    const n = subjects.map((s) => count.get(s) ?? 0);
    expect(Math.min(...n)).toBeGreaterThan(0);
    expect(Math.max(...n) - Math.min(...n)).toBeLessThanOrEqual(1);
  });

  it('tracks at most maxStreams streams', () => {
    const h = scheduler({ maxStreams: 2 });
    h.onSent(0, 'a');
    h.onSent(0, 'b');
    h.onSent(0, 'c');
    expect(h.activeSubjects().sort()).toEqual(['a', 'b']);
    expect(h.counters.streamsUntracked).toBe(1);
  });

  it('matches a direct model of the schedule under random data and timer calls', () => {
    const minMs = 5;
    const maxMs = 80;
    const ttlMs = 300;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { nil: undefined })), {
          maxLength: 120,
        }),
        (ops) => {
          const h = scheduler({ heartbeatMinMs: minMs, heartbeatMaxMs: maxMs, activeStreamTtlMs: ttlMs });
          const model = new Map<string, { last: number; interval: number; due: number }>();
          let now = 0;
          for (const [dt, subject] of ops) {
            now += dt;
            if (subject !== undefined) {
              h.onSent(now, subject);
              model.set(subject, { last: now, interval: minMs, due: now + minMs });
            } else {
              // A due stream is announced while within ttlMs of its last data (a timer that fires
              // later than that drops it without an entry), then leaves once its next entry would
              // fall past ttlMs.
              for (const [s, m] of [...model]) if (m.due <= now && now - m.last > ttlMs) model.delete(s);
              const due = [...model].filter(([, m]) => m.due <= now).map(([s]) => s);
              for (const s of due) {
                const m = model.get(s)!;
                m.interval = Math.min(m.interval * 2, maxMs);
                m.due = now + m.interval;
                if (m.due - m.last > ttlMs) model.delete(s);
              }
              expect((h.onTimer(now) ?? []).sort()).toEqual(due.sort());
            }
            const next = Math.min(...[...model.values()].map((m) => m.due));
            expect(h.nextDeadlineMs()).toBe(model.size === 0 ? undefined : next);
            expect(h.activeSubjects().sort()).toEqual([...model.keys()].sort());
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('carries at most heartbeatStreamsPerSec entries a second when a burst of 10,000 new streams is due, and still announces every one', () => {
    const h = scheduler({ heartbeatStreamsPerSec: 2000 });
    for (let i = 0; i < 10_000; i++) h.onSent(i / 10, `s${i}`); // 10,000 new streams in 1 s
    const beats = run(h, 30_000);
    const perSecond = new Map<number, number>();
    for (const [t, subjects] of beats) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + subjects.length);
    // The bucket holds a tenth of a second's worth on top of the rate.
    for (const n of perSecond.values()) expect(n).toBeLessThanOrEqual(2000 + 200);
    const firstAt = new Map<string, number>();
    for (const [t, subjects] of beats) for (const s of subjects) if (!firstAt.has(s)) firstAt.set(s, t);
    expect(firstAt.size).toBe(10_000);
    // One pass over 10,000 streams at 2,000 a second takes 5 s; the first-announced streams come
    // due again meanwhile (most overdue first) and share the budget: each is first announced by 6.5 s.
    expect(Math.max(...firstAt.values())).toBeLessThanOrEqual(6_500);
    expect(h.counters.delayedEntries).toBeGreaterThan(5000);
  });

  it('sends a backlog in few large rounds: once the budget is spent, it waits for half a bucket (a twentieth of a second)', () => {
    const h = scheduler({ heartbeatStreamsPerSec: 2000 }); // bucket 200 entries, half of it 100
    for (let i = 0; i < 10_000; i++) h.onSent(0, `s${i}`);
    // As the retransmit actor does: at each deadline, every heartbeat the budget allows.
    const rounds = new Map<number, number>(); // round time -> entries
    for (let d = h.nextDeadlineMs(); d !== undefined && d <= 4_000; d = h.nextDeadlineMs()) {
      let n = 0;
      for (let due = h.onTimer(d); due !== undefined; due = h.onTimer(d)) n += due.length;
      rounds.set(d, (rounds.get(d) ?? 0) + n);
    }
    const later = [...rounds].filter(([t]) => t >= 1_000); // past the first bucket
    // 2,000 entries a second in rounds of at least 100: at most 20 rounds a second (a round per
    // 64 entries, the heartbeat size, would be 31).
    expect(later.length).toBeLessThanOrEqual(3 * 20 + 1);
    expect(Math.min(...later.map(([, n]) => n))).toBeGreaterThanOrEqual(100);
    expect(later.reduce((a, [, n]) => a + n, 0)).toBeGreaterThan(3 * 2000 - 200);
  });

  it('stays within its budget when busy streams are due all the time (a heartbeat per message otherwise)', () => {
    const h = scheduler({ heartbeatStreamsPerSec: 1000 });
    let entries = 0;
    for (let t = 0; t < 10_000; t++) {
      for (let i = 0; i < 100; i++) if ((t + i) % 10 === 0) h.onSent(t, `busy${i}`); // each stream every 10 ms
      entries += h.onTimer(t)?.length ?? 0;
      for (let again = h.onTimer(t); again !== undefined; again = h.onTimer(t)) entries += again.length;
    }
    expect(entries).toBeLessThanOrEqual(10 * 1000 + 100);
    expect(entries).toBeGreaterThan(9 * 1000);
  });

  describe('idle streams (announced heartbeatMaxMs or more after their last data)', () => {
    /** Every heartbeat the budget allows at each deadline up to `untilMs` (as the retransmit actor does). */
    const drain = (h: HeartbeatScheduler, untilMs: number): [number, string[]][] => {
      const out: [number, string[]][] = [];
      for (let d = h.nextDeadlineMs(); d !== undefined && d <= untilMs; d = h.nextDeadlineMs()) {
        for (let due = h.onTimer(d); due !== undefined; due = h.onTimer(d)) out.push([d, due]);
      }
      return out;
    };

    it('take at most their share of the budget (IDLE_HEARTBEAT_SHARE) once each was announced', () => {
      const h = scheduler({ heartbeatStreamsPerSec: 2000 });
      for (let i = 0; i < 20_000; i++) h.onSent(0, `s${i}`);
      const beats = drain(h, 25_000);
      // The first pass (20,000 entries at 2,000 a second) ends by about 10 s; then only idle entries.
      const after = beats.filter(([t]) => t >= 12_000 && t < 22_000).reduce((n, [, subjects]) => n + subjects.length, 0);
      expect(after).toBeLessThanOrEqual(10 * 2000 * IDLE_HEARTBEAT_SHARE + 200);
      expect(after).toBeGreaterThan(10 * 2000 * IDLE_HEARTBEAT_SHARE * 0.9);
      expect(h.counters.idleEntries).toBeGreaterThan(0);
    });

    it('do not hold back a stream that just had data: its first heartbeat goes heartbeatMinMs after it, whatever the idle backlog', () => {
      const h = scheduler({ heartbeatStreamsPerSec: 2000 });
      for (let i = 0; i < 20_000; i++) h.onSent(0, `s${i}`);
      drain(h, 15_000); // 20,000 idle streams, overdue all the time
      h.onSent(15_000, 'hot');
      const beats = drain(h, 15_100);
      const hotAt = beats.find(([, subjects]) => subjects.includes('hot'))?.[0];
      expect(hotAt).toBeDefined();
      expect(hotAt! - 15_000).toBeLessThanOrEqual(10);
    });

    it('leave at activeStreamTtlMs even when the budget held them: no entry past it', () => {
      const h = scheduler({ heartbeatStreamsPerSec: 2000, activeStreamTtlMs: 30_000 });
      for (let i = 0; i < 20_000; i++) h.onSent(0, `s${i}`);
      const beats = drain(h, 60_000);
      expect(beats.filter(([t]) => t > 30_000)).toEqual([]);
      expect(h.counters.streamsExpired).toBe(20_000);
      expect(h.nextDeadlineMs()).toBeUndefined();
    });

    it('a stream with data again leaves the idle ones: its backoff starts over from heartbeatMinMs', () => {
      const h = scheduler();
      h.onSent(0, 's');
      expect(run(h, 2_500).map(([t]) => t)).toEqual([5, 15, 35, 75, 155, 315, 635, 1275, 2275]);
      h.onSent(2_600, 's');
      expect(run(h, 2_700).map(([t]) => t)).toEqual([2_605, 2_615, 2_635, 2_675]);
      expect(h.counters.idleEntries).toBe(1); // the entry at 2,275 ms
    });
  });
});

describe('HeartbeatScheduler expiry', () => {
  it('tells its sink each stream that leaves the active set, once, and not a stream that had data again', () => {
    const expired: string[] = [];
    const h = new HeartbeatScheduler(resolveSenderOptions({ activeStreamTtlMs: 100, heartbeatMaxMs: 50 }), { expired: (s) => expired.push(s) });
    h.onSent(0, 'a');
    h.onSent(0, 'b');
    for (let t = 0; t <= 90; t += 5) {
      if (t === 60) h.onSent(t, 'b');
      while (h.onTimer(t) !== undefined);
    }
    for (let t = 95; t <= 400; t += 5) while (h.onTimer(t) !== undefined);
    expect(expired).toEqual(['a', 'b']);
    expect(h.counters.streamsExpired).toBe(2);
  });
});

describe('HeartbeatScheduler verdicts on expired streams (a receiver has not confirmed them)', () => {
  const o = resolveSenderOptions({ heartbeatMinMs: 5, heartbeatMaxMs: 40, activeStreamTtlMs: 100 });
  function withSink() {
    const expired: string[] = [];
    const h = new HeartbeatScheduler(o, { expired: (s) => expired.push(s) });
    return { h, expired };
  }

  it('announces a retained stream every heartbeatMaxMs for another activeStreamTtlMs, then asks again', () => {
    const { h, expired } = withSink();
    h.onSent(0, 's');
    expect(run(h, 1000).map(([t]) => t)).toEqual([5, 15, 35, 75]);
    expect(expired).toEqual(['s']);
    expect(h.isActive('s')).toBe(false);
    expect(h.pendingCount).toBe(1);
    expect(h.retain(80, 's')).toBe(true);
    expect(h.pendingCount).toBe(0);
    expect(h.isActive('s')).toBe(true);
    // Every heartbeatMaxMs while within the TTL of the retain.
    expect(run(h, 1000).map(([t]) => t)).toEqual([120, 160]);
    expect(expired).toEqual(['s', 's']);
    expect(h.counters.streamsRetained).toBe(1);
  });

  it('lets a released stream go, and a retain after new data changes nothing (the stream is busy again)', () => {
    const { h } = withSink();
    h.onSent(0, 'a');
    h.onSent(0, 'b');
    run(h, 1000);
    expect(h.release('a')).toBe(true);
    expect(h.release('a')).toBe(false);
    expect(h.retain(1000, 'a')).toBe(false);
    h.onSent(1001, 'b');
    expect(h.pendingCount).toBe(0);
    expect(h.retain(1002, 'b')).toBe(false);
    expect(run(h, 3000).map(([t]) => t)).toEqual([1006, 1016, 1036, 1076]);
    expect(h.counters.unconfirmedExpired).toBe(0);
  });

  it('retains a stream at most MAX_RETAINED_ROUNDS times, then counts it as given up', () => {
    const { h, expired } = withSink();
    h.onSent(0, 's');
    let t = 0;
    for (let round = 0; round < MAX_RETAINED_ROUNDS; round++) {
      t = run(h, t + 10_000).at(-1)![0];
      expect(h.retain(t, 's')).toBe(true);
    }
    run(h, t + 10_000);
    expect(expired).toHaveLength(MAX_RETAINED_ROUNDS + 1);
    expect(h.retain(t, 's')).toBe(false);
    expect(h.counters.unconfirmedExpired).toBe(1);
    expect(h.nextDeadlineMs()).toBeUndefined();
  });

  it('wakes a released stream for a newcomer (announced again from heartbeatMinMs for one round), but not an active or a waiting one', () => {
    const { h, expired } = withSink();
    h.onSent(0, 'a');
    h.onSent(0, 'b');
    run(h, 1000);
    expect(h.release('a')).toBe(true);
    // 'b' waits for its verdict: the verdict decides (the flow actor knows the newcomer by then).
    expect(h.wake(2000, 'b')).toBe(false);
    expect(h.wake(2000, 'a')).toBe(true);
    expect(h.wake(2001, 'a')).toBe(false); // active again: nothing more
    expect(h.counters.streamsWoken).toBe(1);
    expect(run(h, 5000)).toEqual([[2005, ['a']], [2015, ['a']], [2035, ['a']], [2075, ['a']]]);
    expect(expired).toEqual(['a', 'b', 'a']);
  });

  it('wakes nothing past maxStreams active streams', () => {
    const h = new HeartbeatScheduler(resolveSenderOptions({ heartbeatMinMs: 5, heartbeatMaxMs: 40, activeStreamTtlMs: 100, maxStreams: 1 }), { expired: () => {} });
    h.onSent(0, 'a');
    run(h, 1000);
    h.release('a');
    h.onSent(1000, 'b');
    expect(h.wake(1001, 'a')).toBe(false);
    expect(h.isActive('a')).toBe(false);
    expect(h.counters.streamsWoken).toBe(0);
  });

  it('without a sink, expired streams go at once (nothing waits for a verdict)', () => {
    const h = new HeartbeatScheduler(o);
    h.onSent(0, 's');
    run(h, 1000);
    expect(h.pendingCount).toBe(0);
    expect(h.retain(1000, 's')).toBe(false);
  });
});

describe('HeartbeatScheduler retained streams, details', () => {
  it('names a retained stream half a TTL after the retain when the TTL is shorter than twice heartbeatMaxMs, as an idle entry', () => {
    const expired: string[] = [];
    const h = new HeartbeatScheduler(resolveSenderOptions({ heartbeatMinMs: 5, heartbeatMaxMs: 1000, activeStreamTtlMs: 300 }), { expired: (s) => expired.push(s) });
    h.onSent(0, 's');
    run(h, 1000);
    expect(h.retain(1000, 's')).toBe(true);
    const idleBefore = h.counters.idleEntries;
    expect(run(h, 5000).map(([t]) => t)).toEqual([1150]);
    expect(h.counters.idleEntries - idleBefore).toBe(1);
    expect(expired).toEqual(['s', 's']);
  });

  it('does not retain past maxStreams active streams: the stream is given up, counted', () => {
    const h = new HeartbeatScheduler(resolveSenderOptions({ heartbeatMinMs: 5, heartbeatMaxMs: 40, activeStreamTtlMs: 100, maxStreams: 1 }), { expired: () => undefined });
    h.onSent(0, 'a');
    run(h, 1000);
    h.onSent(1000, 'b'); // the one active stream now
    expect(h.retain(1000, 'a')).toBe(false);
    expect(h.counters.unconfirmedExpired).toBe(1);
    expect(h.isActive('a')).toBe(false);
  });
});
