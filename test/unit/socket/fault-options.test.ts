/**
 * The test-only fault injection of the socket layer: `fault.dropFrameKinds` drops every received
 * datagram of the named frame kinds (by its type byte) and nothing else.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { randomInt } from 'node:crypto';
import { resolveSocketOptions } from '../../../actors/socket/options.js';
import { UdpEndpoint } from '../../../actors/socket/udp-endpoint.js';
import { encodeFrame } from '../../../codecs/frame-codec.js';
import { peekHeader } from '../../../codecs/frames/header.js';

const P = { name: 'p', incarnation: 1 };
const open: UdpEndpoint[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

describe('fault.dropFrameKinds', () => {
  it('is validated: an array of frame kinds, empty by default', () => {
    expect(resolveSocketOptions({ fault: { dropRate: 0, duplicateRate: 0, reorderRate: 0, seed: 1 } }).fault?.dropFrameKinds).toEqual([]);
    expect(resolveSocketOptions({ fault: { dropFrameKinds: ['heartbeat', 'bye'] } as never }).fault?.dropFrameKinds).toEqual(['heartbeat', 'bye']);
    expect(() => resolveSocketOptions({ fault: { dropFrameKinds: ['hearbeat'] } as never })).toThrow(/options\.fault\.dropFrameKinds\[0\] must be one of/);
    expect(() => resolveSocketOptions({ fault: { dropFrameKinds: 'heartbeat' } as never })).toThrow(/options\.fault\.dropFrameKinds must be an array/);
  });

  it('drops every received datagram of those kinds, counted, and passes the others and non-frames', async () => {
    const got: string[] = [];
    const options = resolveSocketOptions({ interface: '127.0.0.1', port: 20_000 + randomInt(0, 10_000), multicast: false, fault: { dropFrameKinds: ['heartbeat'] } as never });
    const ep = await UdpEndpoint.open(options, (bytes) => {
      const head = peekHeader(bytes);
      got.push(head.ok ? head.kind : 'garbage');
    });
    open.push(ep);
    const to = ep.unicastAddress;
    ep.sendUnicast(to, encodeFrame({ kind: 'heartbeat', sender: P, streams: [] }));
    ep.sendUnicast(to, encodeFrame({ kind: 'bye', sender: P, streams: [{ subject: 'a', startSeq: 1, lowSeq: 1, highSeq: 3 }] }));
    ep.sendUnicast(to, encodeFrame({ kind: 'heartbeat', sender: P, streams: [{ subject: 'a', startSeq: 1, lowSeq: 1, highSeq: 3 }] }));
    ep.sendUnicast(to, new Uint8Array([1, 2]));
    const end = Date.now() + 2000;
    while (ep.counters.datagramsReceived < 4 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    expect(got).toEqual(['bye', 'garbage']);
    expect(ep.counters.faultDropped).toBe(2);
  });
});
