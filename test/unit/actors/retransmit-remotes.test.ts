/**
 * The retransmit actor's table of remote peers under invented names (issue 11): NAK and
 * RETRANSMIT frames of one source address open at most `maxPeersPerSource` remotes, and a real
 * peer still gets a channel when the table is full of remotes that never acknowledged anything.
 */
import { describe, it, expect } from 'vitest';
import { createActor } from '../../../actors/retransmit/retransmit-actor.js';
import { resolveReceiverListOptions } from '../../../actors/subjects/options.js';
import type { Frame, PeerId } from '../../../codecs/frame.js';
import { encodeFrame } from '../../../codecs/frame-codec.js';
import type { SocketInbox } from '../../../actors/socket/messages.js';
import { datagramsOf } from '../../fixtures/unit/datagrams.js';
import { SELF, startActor, testConfig } from './send-path-harness.js';

type FrameOut = Extract<SocketInbox, { kind: 'frameOut' }>;

async function setup(maxPeers: number, maxPeersPerSource: number) {
  const config = { ...testConfig(), receiverList: resolveReceiverListOptions({ maxPeers, maxPeersPerSource }) };
  const { actor, ctx } = await startActor(createActor, 'retransmit', config);
  const datagram = (frame: Frame, host: string, port: number) =>
    actor.receive({ kind: 'datagramIn', bytes: encodeFrame(frame), via: 'unicast', host, port });
  const nak = (from: PeerId, host: string, port: number) =>
    datagram({ kind: 'nak', sender: from, channelSeq: 1, target: SELF, subject: 'orders.a', ranges: [{ from: 1, to: 1 }] }, host, port);
  const stats = () => actor.stats!() as Record<string, number>;
  const framesTo = (kind: Frame['kind'], peer: PeerId) =>
    ctx.to<FrameOut>('socket', 'frameOut').filter((f) => f.frame.kind === kind && f.destination.kind === 'peer' && f.destination.peer.name === peer.name);
  const acksTo = (peer: PeerId) => framesTo('ack', peer);
  return { actor, ctx, datagram, nak, stats, acksTo, framesTo };
}

const forged = (i: number): PeerId => ({ name: `forged-${i}`, incarnation: 1 });
const REAL: PeerId = { name: 'real', incarnation: 9 };

describe('retransmit actor remotes', () => {
  it('opens at most maxPeersPerSource remotes for the NAKs and RETRANSMITs of one source address', async () => {
    const s = await setup(1024, 4);
    for (let i = 0; i < 600; i++) s.nak(forged(i), '10.0.0.66', 5000);
    for (let i = 600; i < 1100; i++) {
      s.datagram({ kind: 'retransmit', sender: forged(i), channelSeq: 1, messages: [], unavailable: [{ subject: 'x', from: 1, to: 1 }] }, '10.0.0.66', 5000);
    }
    expect(s.stats()).toMatchObject({ remotes: 4, remotesRefusedSourceQuota: 1096 });
    s.nak(REAL, '10.0.0.7', 41000);
    expect(s.stats().remotes).toBe(5);
    expect(s.acksTo(REAL)).toHaveLength(1);
  });

  it('gives a real peer a channel when the table is full of remotes from many sources that never acknowledged anything', async () => {
    const s = await setup(16, 4);
    for (let i = 0; i < 64; i++) s.nak(forged(i), '10.0.0.66', 5000 + (i % 16));
    expect(s.stats()).toMatchObject({ remotes: 16 });
    s.ctx.advanceTo(100);
    s.nak(REAL, '10.0.0.7', 41000);
    expect(s.acksTo(REAL)).toHaveLength(1);
    expect(s.stats()).toMatchObject({ remotes: 16, remotesRefused: 0 });
    expect(s.stats().remotesEvicted).toBeGreaterThan(0);
  });

  it('never takes the place of a remote that acknowledged a frame of ours', async () => {
    const s = await setup(8, 4);
    const payload = new Uint8Array(8);
    s.actor.receive({ kind: 'sent', streams: [{ subject: 'orders.a', startSeq: 1 }], datagrams: datagramsOf([{ subject: 'orders.a', seq: 1, flags: 0, payload }]) });
    s.nak(REAL, '10.0.0.7', 41000);
    s.ctx.advanceTo(50);
    expect(s.framesTo('retransmit', REAL)).toHaveLength(1);
    s.datagram({ kind: 'ack', sender: REAL, target: SELF, cumulativeSeq: 1, selective: [], positions: [] }, '10.0.0.7', 41000);
    for (let i = 0; i < 100; i++) s.nak(forged(i), '10.0.0.66', 5000 + i);
    s.ctx.advanceTo(100);
    expect(s.stats().remotesEvicted).toBeGreaterThan(90);
    // Its channel state is still there: its NAK #1 again is a repeat (acknowledged, not served twice).
    s.nak(REAL, '10.0.0.7', 41000);
    s.ctx.advanceTo(150);
    expect(s.framesTo('retransmit', REAL)).toHaveLength(1);
  });
});
