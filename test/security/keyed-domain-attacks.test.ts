/**
 * The attacks of issue 11 against an authenticated domain (`security.key`), by a hostile process
 * that holds no key: forged NAKs and a fake ADVERT naming a third party, a fake unicast-only
 * receiver at a third party's address, a receiver creeping its ACKs under `flowPolicy: 'min'`,
 * 1,200 invented peer names and 20,000 invented streams. The same attacks without a key are in
 * amplification.test.ts and table-exhaustion.test.ts; forged BYE, DATA, HEARTBEAT and replayed
 * datagrams with a key are in forged-frames.test.ts.
 *
 * What users rely on, with a key: nothing the attacker sends changes any state (every datagram is
 * refused and counted at the socket), so no byte goes to the third party (amplification factor
 * ≤ 1: here 0), the publisher is never held, no forged name is listed, and a real subscriber that
 * joins during the attack gets every message once, in order, with no data loss.
 *
 * Loopback only (127.0.0.1 and a fresh 239.255.x.y group).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../codecs/frame-codec.js';
import { ADVERT_FLAGS, type Frame, type PeerId } from '../../codecs/frame.js';
import { generateDomainKey } from '../../actors/socket/security-options.js';
import { freshNetwork, killAll, range, sleep, startPeer } from '../e2e/helpers.js';
import { Attacker, forgedStreams, hex } from './attacker-process.js';

const LOOPBACK = '127.0.0.1';

interface Counted {
  counts: number[];
  breaks: unknown[][];
  dataLoss: unknown[];
}

/** The parts of `stats` read here. */
interface Stats {
  incarnation: number;
  actors: {
    socket: { unicastPort: number; refused: Record<string, number> };
    receivers: Record<string, number>;
    retransmit: Record<string, number> & { planner: Record<string, number> };
    receiver: Record<string, number>;
  };
}

const frameHex = (f: Frame): string => hex(encodeFrame(f));

/** Every way a socket refuses a datagram that is not sealed with the domain's key. */
function refusedUnkeyed(refused: Record<string, number>): number {
  return refused.unsealed + refused.unknownKey + refused.modeMismatch + refused.badTag;
}

afterEach(async () => {
  await killAll();
});

describe('a hostile process without the key against an authenticated domain', () => {
  it.each([false, true])(
    'sends nothing to a third party, is never waited for and lists no forged name, while a real late subscriber gets every message (encrypt: %s)',
    async (encrypt) => {
      const net = freshNetwork();
      const group = { host: net.group, port: net.port };
      const security = { key: generateDomainKey(), encrypt };
      const pub = await startPeer('kd-pub', { ...net, security, flowPolicy: 'min', flowWindowMessages: 1024 });
      const first = await startPeer('kd-sub1', { ...net, security });
      await first.call('count', { patterns: ['orders.>'] });
      await pub.waitJoined(['kd-sub1']);
      const ps0 = await pub.call<Stats>('stats');
      const P: PeerId = { name: 'kd-pub', incarnation: ps0.incarnation };
      const pubAddress = { host: LOOPBACK, port: ps0.actors.socket.unicastPort };
      const attacker = new Attacker();
      try {
        await attacker.alive;
        const own = (await attacker.call<{ port: number }>('listen', {})).port;
        const victim = (await attacker.call<{ port: number }>('listen', {})).port;
        let attackerBytes = 0;
        const send = async (to: { host: string; port: number }, datagrams: string[]): Promise<void> => {
          attackerBytes += (await attacker.call<{ bytes: number }>('send', { to, datagrams, fromPort: own })).bytes;
        };

        await pub.call('blast', { subject: 'orders.a', count: 2000, size: 200 });
        // A fake receiver at the third party's address (multicast and unicast-only), NAKs in
        // its name for the whole stream, ACKs creeping forward under flowPolicy 'min'.
        const fake: PeerId = { name: 'kd-fake', incarnation: 1 };
        const adverts = [
          frameHex({ kind: 'advert', sender: fake, host: LOOPBACK, port: victim, flags: ADVERT_FLAGS.multicast, patterns: ['orders.>'] }),
          frameHex({ kind: 'advert', sender: { name: 'kd-unicast', incarnation: 1 }, host: LOOPBACK, port: victim, flags: ADVERT_FLAGS.viaUnicast, patterns: ['orders.>'] }),
        ];
        await send(group, adverts);
        await send(pubAddress, adverts);
        // 1,200 invented names and 20,000 invented streams, from 4 source addresses, again and again.
        const names = range(0, 1199).map((i) => frameHex({ kind: 'advert', sender: { name: `forged-${i}`, incarnation: 1 }, host: LOOPBACK, port: 9, flags: ADVERT_FLAGS.multicast, patterns: ['orders.>'] }));
        const streams = forgedStreams(20, 1000, 8000).map(hex);
        const { flood } = await attacker.call<{ flood: number }>('flood', { to: group, datagrams: [...names, ...streams], sources: 4, intervalMs: 500, paceEvery: 4, paceMs: 2 });

        let attacking = true;
        const harass = (async () => {
          let k = 0;
          while (attacking) {
            k++;
            await send(pubAddress, [
              frameHex({ kind: 'nak', sender: fake, channelSeq: k, target: P, subject: 'orders.a', ranges: [{ from: 1, to: 2000 }] }),
              frameHex({ kind: 'ack', sender: fake, target: P, cumulativeSeq: 0, selective: [], positions: [{ subject: 'orders.a', seq: k }] }),
            ]);
            if (k % 10 === 0) {
              await send(group, adverts);
              await send(pubAddress, adverts);
            }
            await sleep(50);
          }
        })();

        // A real subscriber joins during the attack; the publisher publishes 8,000 more.
        let second;
        try {
          await sleep(1000);
          second = await startPeer('kd-sub2', { ...net, security });
          await second.call('count', { patterns: ['orders.>'] });
          await pub.waitJoined(['kd-sub2']);
          const started = Date.now();
          await pub.call('publish', { subjects: ['orders.b'], perSubject: 8000, pauseEvery: 50, pauseMs: 5 }, 30_000);
          const publishMs = Date.now() - started;
          const gotFirst = await first.call<Counted>('counted', { expect: [10_000], timeoutMs: 15_000 }, 20_000);
          const gotSecond = await second.call<Counted>('counted', { expect: [8000], timeoutMs: 15_000 }, 20_000);
          expect(gotFirst.counts).toEqual([10_000]);
          expect(gotFirst.breaks).toEqual([[]]);
          expect(gotFirst.dataLoss).toEqual([]);
          expect(gotSecond.counts).toEqual([8000]);
          expect(gotSecond.breaks).toEqual([[]]);
          expect(gotSecond.dataLoss).toEqual([]);
          console.log(`keyed domain (encrypt ${encrypt}): 8,000 messages published in ${publishMs} ms during the attack`);
        } finally {
          attacking = false;
          await harass;
          await attacker.call('stop', { flood });
        }
        await sleep(300);

        const victimBytes = (await attacker.call<{ bytes: number }>('listened', { port: victim })).bytes;
        const factor = victimBytes / attackerBytes;
        const ps = (await pub.call<Stats>('stats')).actors;
        const ss = (await second.call<Stats>('stats')).actors;
        console.log(`keyed domain (encrypt ${encrypt}): ${JSON.stringify({ attackerBytes, victimBytes, factor, pubRefused: ps.socket.refused, subRefused: ss.socket.refused })}`);
        // Amplification: nothing at all goes to the address the attacker named.
        expect(factor).toBeLessThanOrEqual(1);
        expect(victimBytes).toBe(0);
        // Every forged datagram was refused at the socket, and nothing forged was listed, served or waited for.
        expect(refusedUnkeyed(ps.socket.refused)).toBeGreaterThan(1200);
        expect(refusedUnkeyed(ss.socket.refused)).toBeGreaterThan(1200);
        for (const s of [ps, ss]) {
          expect(s.receivers.peers).toBe(2);
          expect(s.retransmit.remotes).toBeLessThanOrEqual(2);
          expect(s.receiver.streamsRefusedUnlisted).toBe(0);
        }
      } finally {
        attacker.kill();
      }
    },
    60_000,
  );
});
