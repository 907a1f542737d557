import { describe, it, expect } from 'vitest';
import { createActor } from '../../../actors/subjects/subjects-actor.js';
import { GroupMap } from '../../../actors/subjects/group-map.js';
import { InvalidSubjectError } from '../../../errors.js';
import { RecordingContext, peerConfig, type TestConfigOptions } from './recording-context.js';

type Msg = { kind: string; patterns?: string[]; sinceMs?: number[]; groups?: string[] };

function setup(o: TestConfigOptions = {}) {
  const config = peerConfig({ groupMap: { baseGroup: '239.255.10.1', groupCount: 8 }, ...o });
  const ctx = new RecordingContext('subjects');
  const actor = createActor(config, ctx);
  actor.start!(ctx);
  const groups = new GroupMap(config.groupMap);
  return { ctx, actor, groups };
}

describe('subjects actor', () => {
  it('joins the base group at start, with no subscription yet', () => {
    const { ctx } = setup();
    expect(ctx.take<Msg>('socket')).toEqual([{ kind: 'groupsWanted', groups: ['239.255.10.1'] }]);
  });

  it('on a first subscription sends the interest, the local patterns and its group plus the base group', () => {
    const { ctx, actor, groups } = setup();
    ctx.take('socket');
    actor.receive({ kind: 'subscribed', id: 1, pattern: 'orders.>' });
    expect(ctx.take<Msg>('receiver')).toEqual([{ kind: 'interest', patterns: ['orders.>'], sinceMs: [0] }]);
    expect(ctx.take<Msg>('receivers')).toEqual([{ kind: 'localPatterns', patterns: ['orders.>'] }]);
    const wanted = ctx.take<Msg>('socket');
    expect(wanted).toHaveLength(1);
    expect(new Set(wanted[0].groups)).toEqual(new Set(['239.255.10.1', groups.groupForSubject('orders.x')]));
  });

  it('counts references: a second subscription to a pattern changes nothing, and only the last unsubscribe removes it', () => {
    const { ctx, actor } = setup();
    actor.receive({ kind: 'subscribed', id: 1, pattern: 'a.b' });
    actor.receive({ kind: 'subscribed', id: 2, pattern: 'c.d' });
    ctx.take('receiver');
    actor.receive({ kind: 'subscribed', id: 3, pattern: 'a.b' });
    actor.receive({ kind: 'unsubscribed', id: 1 });
    expect(ctx.take('receiver')).toEqual([]);
    actor.receive({ kind: 'unsubscribed', id: 3 });
    expect(ctx.take<Msg>('receiver')).toEqual([{ kind: 'interest', patterns: ['c.d'], sinceMs: [0] }]);
    actor.receive({ kind: 'unsubscribed', id: 2 });
    expect(ctx.take<Msg>('receiver')).toEqual([{ kind: 'interest', patterns: [], sinceMs: [] }]);
    expect(ctx.take<Msg>('socket').at(-1)).toEqual({ kind: 'groupsWanted', groups: ['239.255.10.1'] });
    expect(actor.stats!()).toMatchObject({ activeSubscriptions: 0, patterns: 0 });
  });

  it("tells the receiver when each pattern was first subscribed by the application, not when the actor got to it", () => {
    const { ctx, actor } = setup();
    ctx.nowMs = 500;
    // Subscribed at 100 (the application's call), applied here at 500 after a busy turn.
    actor.receive({ kind: 'changes', changes: [{ kind: 'subscribed', id: 1, pattern: 'a.b', atMs: 100 }] });
    expect(ctx.take<Msg>('receiver')).toEqual([{ kind: 'interest', patterns: ['a.b'], sinceMs: [100] }]);
    // A second subscription to the same pattern keeps the earlier time; a new pattern has its own.
    actor.receive({ kind: 'changes', changes: [{ kind: 'subscribed', id: 2, pattern: 'a.b', atMs: 300 }, { kind: 'subscribed', id: 3, pattern: 'c.d', atMs: 400 }] });
    expect(ctx.take<Msg>('receiver')).toEqual([{ kind: 'interest', patterns: ['a.b', 'c.d'], sinceMs: [100, 400] }]);
    // A time ahead of the actor's clock (not from this runtime) is not believed; none at all is now.
    actor.receive({ kind: 'subscribed', id: 4, pattern: 'e.f', atMs: 9_999 });
    actor.receive({ kind: 'subscribed', id: 5, pattern: 'g.h' });
    expect(ctx.take<Msg>('receiver').at(-1)).toEqual({ kind: 'interest', patterns: ['a.b', 'c.d', 'e.f', 'g.h'], sinceMs: [100, 400, 500, 500] });
    // Unsubscribed and subscribed again: the new call's time.
    for (const id of [1, 2]) actor.receive({ kind: 'unsubscribed', id });
    actor.receive({ kind: 'subscribed', id: 6, pattern: 'a.b', atMs: 450 });
    expect(ctx.take<Msg>('receiver').at(-1)).toMatchObject({ patterns: ['c.d', 'e.f', 'g.h', 'a.b'], sinceMs: [400, 500, 500, 450] });
  });

  it('takes the actor\'s clock for a subscribe time that is not a finite number', () => {
    const { ctx, actor } = setup();
    ctx.nowMs = 700;
    actor.receive({ kind: 'subscribed', id: 1, pattern: 'a.b', atMs: Number.NaN });
    actor.receive({ kind: 'subscribed', id: 2, pattern: 'c.d', atMs: Number.NEGATIVE_INFINITY });
    expect(ctx.take<Msg>('receiver').at(-1)).toEqual({ kind: 'interest', patterns: ['a.b', 'c.d'], sinceMs: [700, 700] });
  });

  it('wants every group for a pattern whose first token is a wildcard', () => {
    const { ctx, actor, groups } = setup();
    ctx.take('socket');
    actor.receive({ kind: 'subscribed', id: 1, pattern: '*.prices' });
    expect(new Set(ctx.take<Msg>('socket')[0].groups)).toEqual(new Set(groups.groups));
  });

  it('moves an id re-subscribed with another pattern to that pattern', () => {
    const { ctx, actor } = setup();
    actor.receive({ kind: 'subscribed', id: 1, pattern: 'a.b' });
    actor.receive({ kind: 'subscribed', id: 1, pattern: 'x.y' });
    expect(ctx.take<Msg>('receiver').at(-1)).toEqual({ kind: 'interest', patterns: ['x.y'], sinceMs: [0] });
    actor.receive({ kind: 'unsubscribed', id: 1 });
    expect(ctx.take<Msg>('receiver')).toEqual([{ kind: 'interest', patterns: [], sinceMs: [] }]);
  });

  it('applies a batch of changes in order and sends the pattern set on once for it', () => {
    const { ctx, actor } = setup();
    const changes = Array.from({ length: 5000 }, (_, i) => ({ kind: 'subscribed' as const, id: i, pattern: `pat.s${i}` }));
    actor.receive({ kind: 'changes', changes: [...changes, { kind: 'unsubscribed', id: 0 }] });
    expect(ctx.take<Msg>('receiver').map((m) => m.patterns?.length)).toEqual([4999]);
    expect(ctx.take<Msg>('receivers').map((m) => m.patterns?.length)).toEqual([4999]);
    actor.receive({ kind: 'changes', changes: [{ kind: 'subscribed', id: 9000, pattern: 'pat.s1' }] });
    expect(ctx.take('receiver')).toEqual([]);
  });

  it('counts an unsubscribe of an unknown id and sends nothing', () => {
    const { ctx, actor } = setup();
    actor.receive({ kind: 'unsubscribed', id: 42 });
    expect(ctx.take('receiver')).toEqual([]);
    expect(actor.stats!()).toMatchObject({ unknownUnsubscribes: 1 });
  });

  it('throws on an invalid pattern (the Peer validates first, so this is a bug)', () => {
    const { actor } = setup();
    expect(() => actor.receive({ kind: 'subscribed', id: 1, pattern: 'a..b' })).toThrow(InvalidSubjectError);
  });

  it('wants no group at all when multicast is off', () => {
    const { ctx, actor } = setup({ socket: { multicast: false } });
    actor.receive({ kind: 'subscribed', id: 1, pattern: 'a.b' });
    expect(ctx.take<Msg>('socket').map((m) => m.groups)).toEqual([[], []]);
  });
});
