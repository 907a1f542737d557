import { describe, it, expect } from 'vitest';
import { datagramsOf } from '../../fixtures/unit/datagrams.js';
import { createActor } from '../../../actors/retransmit/retransmit-actor.js';
import type { RetransmitInbox } from '../../../actors/retransmit/messages.js';
import type { SocketInbox } from '../../../actors/socket/messages.js';
import type { LedgerInbox } from '../../../actors/ledger/messages.js';
import { resolveLedgerOptions } from '../../../actors/ledger/options.js';
import type { Frame, PeerId, SeqRange, WireMessage } from '../../../codecs/frame.js';
import { encodeFrame } from '../../../codecs/frame-codec.js';
import { SELF, startActor, testConfig } from '../actors/send-path-harness.js';

const A: PeerId = { name: 'a', incarnation: 3 };
type FrameOut = Extract<SocketInbox, { kind: 'frameOut' }>;
type ServeRequested = Extract<LedgerInbox, { kind: 'serveRequested' }>;

const msg = (subject: string, seq: number): WireMessage => ({ subject, seq, flags: 0, payload: new Uint8Array([seq & 255]) });

async function setup(windowMessages = 1024) {
  const config = {
    ...testConfig({ sender: { windowMaxMessages: windowMessages, maxMessageBytes: 1024 } }),
    ledger: resolveLedgerOptions({ path: '/unused', durability: 'sync' }, SELF.name),
  };
  const { actor, ctx } = await startActor(createActor, 'retransmit', config);
  const send = (m: RetransmitInbox) => actor.receive(m);
  const nak = (channelSeq: number, subject: string, ranges: SeqRange[]) =>
    send({
      kind: 'datagramIn',
      bytes: encodeFrame({ kind: 'nak', sender: A, channelSeq, target: SELF, subject, ranges } as Frame),
      via: 'unicast',
      host: '127.0.0.1',
      port: 1,
    });
  const frames = <K extends Frame['kind']>(kind: K) =>
    ctx
      .to<FrameOut>('socket', 'frameOut')
      .filter((f) => f.frame.kind === kind)
      .map((f) => f.frame as Extract<Frame, { kind: K }>);
  return { config, ctx, send, nak, frames, serves: () => ctx.to<ServeRequested>('ledger', 'serveRequested') };
}

describe('retransmit actor with a ledger', () => {
  it('asks the ledger for NAKed sequences the window no longer holds instead of reporting them unavailable', async () => {
    const s = await setup(16);
    const messages: WireMessage[] = [];
    for (let seq = 1; seq <= 20; seq++) messages.push(msg('o.a', seq));
    s.send({ kind: 'sent', streams: [{ subject: 'o.a', startSeq: 1 }], datagrams: datagramsOf(messages) }); // 1..4 evicted
    s.nak(1, 'o.a', [{ from: 2, to: 6 }]);
    s.ctx.advanceTo(10);
    expect(s.serves()).toEqual([{ kind: 'serveRequested', peer: A, subject: 'o.a', ranges: [{ from: 2, to: 4 }] }]);
    const [held] = s.frames('retransmit');
    expect(held.messages.map((m) => m.seq)).toEqual([5, 6]);
    expect(held.unavailable).toEqual([]);

    s.send({ kind: 'served', peer: A, subject: 'o.a', messages: [msg('o.a', 3), msg('o.a', 4)], unavailable: [{ from: 2, to: 2 }] });
    const [, fromLedger] = s.frames('retransmit');
    expect(fromLedger.messages.map((m) => m.seq)).toEqual([3, 4]);
    expect(fromLedger.unavailable).toEqual([{ subject: 'o.a', from: 2, to: 2 }]);
    expect(fromLedger.channelSeq).toBeGreaterThan(0); // reliable unicast to the asker
  });

  it('after a restart serves what the previous incarnation sent from the ledger, though the window is empty', async () => {
    const s = await setup();
    s.send({ kind: 'ledgerResumed', seqFloor: 0, streams: [{ subject: 'o.a', lowSeq: 1, highSeq: 50 }] });
    s.nak(1, 'o.a', [{ from: 40, to: 60 }]);
    s.ctx.advanceTo(10);
    // 51..60 were never sent: neither asked of the ledger nor reported
    expect(s.serves()).toEqual([{ kind: 'serveRequested', peer: A, subject: 'o.a', ranges: [{ from: 40, to: 50 }] }]);
  });

  it('announces resumed streams in heartbeats: the new start, and the oldest message the ledger holds', async () => {
    const s = await setup();
    s.send({
      kind: 'ledgerResumed',
      seqFloor: 100,
      streams: [
        { subject: 'o.a', lowSeq: 7, highSeq: 250, lowAgeMs: 1000 }, // seq 7 was published 1 s ago
        { subject: 'o.b', lowSeq: 31, highSeq: 30 }, // nothing held: nothing to recover, not announced
      ],
    });
    const t0 = s.ctx.nowMs;
    s.ctx.advanceTo(t0 + s.config.sender.heartbeatMinMs);
    const streams = s.frames('heartbeat').flatMap((f) => f.streams);
    // resumed: receivers that never heard of o.a and were subscribed before seq 7 was published begin there
    expect(streams).toEqual([{ subject: 'o.a', startSeq: 251, lowSeq: 7, highSeq: 250, resumed: { seq: 7, ageMs: 1000 + s.config.sender.heartbeatMinMs } }]);
    // the first message of this incarnation continues the numbering; lowSeq still reaches back into the ledger
    s.send({ kind: 'sent', streams: [{ subject: 'o.a', startSeq: 251 }], datagrams: datagramsOf([msg('o.a', 251)], [{ subject: 'o.a', startSeq: 251 }]) });
    s.send({ kind: 'ledgerStreams', streams: [{ subject: 'o.a', lowSeq: 9, highSeq: 251 }] });
    s.ctx.advanceTo(s.ctx.nowMs + 2000);
    expect(s.frames('heartbeat').flatMap((f) => f.streams).at(-1)).toMatchObject({ subject: 'o.a', startSeq: 251, lowSeq: 9, highSeq: 251, resumed: { seq: 7 } });
  });
});
