import { describe, it, expect } from 'vitest';
import { createActor } from '../../../actors/membership/receivers-actor.js';
import { ADVERT_FLAGS, encodeFrame, patternSetDigest } from '../../../codecs/index.js';
import type { AdvertFrame, Frame, PatternsDeltaFrame, PeerId } from '../../../codecs/index.js';
import type { Destination } from '../../../actors/socket/messages.js';
import type { ReceiversInbox } from '../../../actors/membership/messages.js';
import { RecordingContext, peerConfig } from './recording-context.js';

const BASE = '239.255.20.1';
const ME = { host: '127.0.0.1', port: 47800 };
const A: PeerId = { name: 'a', incarnation: 1 };
const A_ADDRESS = { host: '127.0.0.1', port: 41000 };

type SocketMsg = { kind: 'frameOut'; frame: Frame; destination: Destination } | { kind: 'peerAddress' };

function started() {
  const config = peerConfig({ groupMap: { baseGroup: BASE }, advertIntervalMs: 1000 });
  const ctx = new RecordingContext('receivers');
  const actor = createActor(config, ctx);
  actor.start!(ctx);
  const send = (msg: ReceiversInbox): void => actor.receive(msg);
  send({ kind: 'localAddress', ...ME });
  ctx.take('socket');
  const out = (): { frame: Frame; destination: Destination }[] => ctx.take<SocketMsg>('socket').filter((m) => m.kind === 'frameOut') as { frame: Frame; destination: Destination }[];
  return { ctx, actor, send, out };
}

/** `n` sorted patterns: too many for an advert to carry inline. */
const setOf = (n: number): string[] => Array.from({ length: n }, (_, i) => `s.${String(i).padStart(5, '0')}`);

const datagram = (frame: Frame, from = A_ADDRESS): ReceiversInbox => ({ kind: 'datagramIn', bytes: encodeFrame(frame), via: 'unicast', ...from });

function advertOf(set: string[], v: number, patterns: string[] = []): AdvertFrame {
  return { kind: 'advert', sender: A, ...A_ADDRESS, flags: ADVERT_FLAGS.multicast | ADVERT_FLAGS.viaUnicast, patterns, setVersion: v, setSize: set.length, setDigest: patternSetDigest(set), fromIndex: 0 };
}

describe('receivers actor: pattern-set deltas', () => {
  it('pushes a change of a large set as one delta to the group, before the advert naming the new version', () => {
    const { send, out, ctx } = started();
    send({ kind: 'localPatterns', patterns: setOf(1000) });
    out();
    ctx.advance(100);
    send({ kind: 'localPatterns', patterns: [...setOf(1000), 'new.one'] });
    const sent = out();
    expect(sent.map((m) => m.frame.kind)).toEqual(['patternsDelta', 'advert']);
    expect(sent[0].destination).toEqual({ kind: 'group', group: BASE });
    const set = [...setOf(1000), 'new.one'].sort();
    expect(sent[0].frame).toEqual({ kind: 'patternsDelta', sender: { name: 'me', incarnation: 1 }, fromVersion: 2, toVersion: 3, setSize: 1001, setDigest: patternSetDigest(set), added: ['new.one'], removed: [] });
    expect(sent[1].frame).toMatchObject({ setVersion: 3, patterns: [] });
  });

  it('answers a delta request with the change, and with the first page of the set when it no longer has it', () => {
    const { send, out, ctx } = started();
    send({ kind: 'localPatterns', patterns: setOf(1000) }); // version 2
    ctx.advance(100);
    send({ kind: 'localPatterns', patterns: [...setOf(1000), 'new.one'] }); // version 3
    out();
    const me = { name: 'me', incarnation: 1 };
    send(datagram({ kind: 'patternsDeltaRequest', sender: A, targetIncarnation: 1, fromVersion: 2, toVersion: 3 }));
    const [answer] = out();
    expect(answer.destination).toEqual({ kind: 'address', ...A_ADDRESS });
    expect(answer.frame).toMatchObject({ kind: 'patternsDelta', sender: me, fromVersion: 2, toVersion: 3, added: ['new.one'], removed: [] });
    // Version 1 (empty) to 3 adds 1001 patterns: more than a datagram holds, so the set's first page.
    send(datagram({ kind: 'patternsDeltaRequest', sender: A, targetIncarnation: 1, fromVersion: 1, toVersion: 3 }));
    const [page] = out();
    expect(page.frame).toMatchObject({ kind: 'advert', setVersion: 3, fromIndex: 0 });
    expect((page.frame as AdvertFrame).patterns.length).toBeGreaterThan(0);
    // Another incarnation of ours, or a version not older than ours: no answer.
    send(datagram({ kind: 'patternsDeltaRequest', sender: A, targetIncarnation: 2, fromVersion: 2, toVersion: 3 }));
    send(datagram({ kind: 'patternsDeltaRequest', sender: A, targetIncarnation: 1, fromVersion: 3, toVersion: 4 }));
    expect(out()).toEqual([]);
  });

  it('applies a listed peer’s delta from its proven address (no fetch), and ignores one from elsewhere', () => {
    const { send, out, ctx, actor } = started();
    const v1 = setOf(100);
    send(datagram(advertOf(v1, 1)));
    // Fetch version 1 whole: one request, one page.
    const [request] = out().filter((m) => m.frame.kind === 'patternsRequest');
    expect(request).toBeDefined();
    send(datagram({ ...advertOf(v1, 1, v1) }));
    ctx.takeEvents();
    const v2 = [...v1, 'z.new'];
    const d: PatternsDeltaFrame = { kind: 'patternsDelta', sender: A, fromVersion: 1, toVersion: 2, setSize: v2.length, setDigest: patternSetDigest(v2), added: ['z.new'], removed: [] };
    send(datagram(d, { host: '10.9.9.9', port: 1 }));
    expect(actor.stats!()).toMatchObject({ deltasUnproven: 1 });
    send(datagram(d));
    expect(ctx.takeEvents()).toEqual([expect.objectContaining({ kind: 'peerUpdated', peer: A, patterns: v2 })]);
    // The advert of version 2 that follows asks for nothing.
    send(datagram(advertOf(v2, 2)));
    expect(out().filter((m) => m.frame.kind !== 'advert')).toEqual([]);
  });

  it('asks a listed peer for the change from the version it holds when it missed the delta', () => {
    const { send, out } = started();
    const v1 = setOf(100);
    send(datagram(advertOf(v1, 1)));
    send(datagram({ ...advertOf(v1, 1, v1) }));
    out();
    send(datagram(advertOf([...v1, 'z.new'], 2)));
    expect(out().map((m) => m.frame)).toEqual([{ kind: 'patternsDeltaRequest', sender: { name: 'me', incarnation: 1 }, targetIncarnation: 1, fromVersion: 1, toVersion: 2 }]);
  });
});
