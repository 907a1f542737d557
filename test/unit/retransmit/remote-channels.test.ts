import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRANSMIT_OPTIONS } from '../../../actors/retransmit/options.js';
import { RemoteChannels, type RemoteChannelCounters } from '../../../actors/retransmit/remote-channels.js';

function channels(): RemoteChannels<string> {
  const counters: RemoteChannelCounters = { remotesRefused: 0, remotesRefusedSourceQuota: 0, remotesEvicted: 0, channelFull: 0, channelHeld: 0, channelsGaveUp: 0 };
  const sink = { transmit: () => undefined, sendAck: () => undefined, gaveUp: () => undefined, dropped: () => undefined };
  return new RemoteChannels<string>(sink, counters, DEFAULT_RETRANSMIT_OPTIONS, { maxPeers: 100, maxPeersPerSource: 100 });
}

describe('RemoteChannels and peers that left', () => {
  it('opens no channel again to a peer that said BYE or restarted (work planned for it before would only give up: a false ChannelGaveUpError)', () => {
    const c = channels();
    const sub = { name: 'sub', incarnation: 7 };
    expect(c.remoteFor(0, sub)).toBeDefined();
    c.drop(sub, true);
    expect(c.remoteFor(1, sub)).toBeUndefined();
    expect(c.remoteFor(1, sub, '127.0.0.1:5000')).toBeUndefined();
    expect(c.remoteFor(1, { name: 'sub', incarnation: 8 })).toBeDefined(); // its next incarnation is another peer
  });

  it('an expired peer may come back (a partition, a pause): its channel opens again', () => {
    const c = channels();
    const sub = { name: 'sub', incarnation: 7 };
    expect(c.remoteFor(0, sub)).toBeDefined();
    c.drop(sub);
    expect(c.size).toBe(0);
    expect(c.remoteFor(1, sub)).toBeDefined();
  });
});
