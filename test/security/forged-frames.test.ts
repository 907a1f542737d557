/**
 * A hostile process on the segment against an authenticated domain (`security.key`): it holds
 * no key, captures real traffic and sends forged and replayed datagrams at a publisher and a
 * subscriber in processes of their own. What users rely on: every real message delivered once,
 * in order; forged or replayed ones delivered never, and counted as refused; no data loss
 * reported; the publisher keeps publishing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../codecs/frame-codec.js';
import type { Frame, PeerId } from '../../codecs/frame.js';
import { generateDomainKey } from '../../actors/socket/security-options.js';
import { byStream, freshNetwork, killAll, range, sleep, startPeer } from '../e2e/helpers.js';
import { Attacker, hex } from './attacker-process.js';

afterEach(async () => {
  await killAll();
});

describe('an authenticated domain against a hostile process without the key', () => {
  it.each([false, true])('refuses forged BYE, new-incarnation DATA, huge HEARTBEAT and replayed datagrams (encrypt: %s)', async (encrypt) => {
    const net = freshNetwork();
    const security = { key: generateDomainKey(), encrypt };
    const pub = await startPeer('sec-pub', { ...net, security });
    const sub = await startPeer('sec-sub', { ...net, security });
    await sub.call('subscribe', { patterns: ['orders.>'] });
    await pub.waitJoined(['sec-sub']);
    const attacker = new Attacker();
    try {
      await attacker.alive;
      const to = { host: net.group, port: net.port };
      // Real traffic the attacker records, to replay later.
      const capturing = attacker.call<string[]>('capture', { group: net.group, port: net.port, ms: 1500 });
      await sleep(100);
      await pub.call('publish', { subjects: ['orders.a'], perSubject: 200, startIndex: 1 });
      const captured = await capturing;
      expect(captured.length).toBeGreaterThan(0);

      const pubStats = await pub.call<{ incarnation: number }>('stats');
      const P: PeerId = { name: 'sec-pub', incarnation: pubStats.incarnation };
      const forged: Frame[] = [
        { kind: 'bye', sender: P, streams: [] },
        { kind: 'data', sender: { name: 'sec-pub', incarnation: P.incarnation + 1 }, streams: [{ subject: 'orders.a', startSeq: 1 }], messages: [{ subject: 'orders.a', seq: 1, flags: 0, payload: new Uint8Array([1]) }] },
        { kind: 'heartbeat', sender: P, streams: [{ subject: 'orders.a', startSeq: 1, lowSeq: 2 ** 53 - 1, highSeq: 2 ** 53 - 1 }] },
        { kind: 'data', sender: P, streams: [{ subject: 'orders.a', startSeq: 1 }], messages: range(201, 300).map((seq) => ({ subject: 'orders.a', seq, flags: 0, payload: new TextEncoder().encode('{"s":"forged","i":-1}') })) },
      ];
      await attacker.call('send', { to, datagrams: forged.map((f) => hex(encodeFrame(f))), repeat: 3 });
      await attacker.call('send', { to, datagrams: captured, repeat: 2 });

      await pub.call('publish', { subjects: ['orders.a'], perSubject: 300, startIndex: 201 });
      const got = await sub.call<{ records: [string, string, number, string | undefined, number | undefined][][]; dataLoss: unknown[] }>('collect', { expect: [500], timeoutMs: 20_000, quietMs: 500 });
      const stream = byStream(got.records[0]).get('sec-pub|orders.a') ?? [];
      expect(stream.map((r) => r[2])).toEqual(range(1, 500));
      expect(stream.map((r) => r[4])).toEqual(range(1, 500));
      expect(stream.filter((r) => r[3] === 'forged')).toEqual([]);
      expect(got.dataLoss).toEqual([]);

      const s = await sub.call<{ actors: { socket: { refused: Record<string, number> } } }>('stats');
      const refused = s.actors.socket.refused;
      // A forged frame is refused as unsealed, or, when its last bytes happen to look like a
      // trailer, for its key id, its mode or its tag.
      expect(refused.unsealed + refused.unknownKey + refused.modeMismatch + refused.badTag).toBeGreaterThanOrEqual(forged.length * 3);
      expect(refused.replayed + refused.staleSession + refused.behindWindow).toBeGreaterThanOrEqual(captured.length);
    } finally {
      attacker.kill();
    }
  });
});
