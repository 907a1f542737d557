/**
 * A peer of an authenticated domain says once, per reason, that it hears datagrams it cannot
 * open (another key, the other mode, no key): a misconfigured peer shows, a hostile host cannot
 * flood the application's `error` handler. Before 6 December it was said once per (reason, key
 * id), and key ids are one byte: a user-style check's hostile process raised 29-60 `ERR_DOMAIN_KEY`
 * events per peer in 13 s.
 */
import { createSocket } from 'node:dgram';
import { expect, it } from 'vitest';
import { createPeer } from '../../dist/index.js';
import { DomainSeal } from '../../actors/socket/domain-seal.js';
import { generateDomainKey, resolveSecurityOptions } from '../../actors/socket/security-options.js';
import { encodeFrame } from '../../codecs/frame-codec.js';
import { freshNetwork, sleep } from '../e2e/helpers.js';

it('says ERR_DOMAIN_KEY once per reason however many foreign key ids a host makes up, and counts every datagram', async () => {
  const peer = await createPeer({ ...freshNetwork(), name: 'fk-peer', security: { key: generateDomainKey() } });
  const codes: string[] = [];
  peer.on('error', (e) => codes.push((e as { code?: string }).code ?? '?'));
  const sock = createSocket('udp4');
  try {
    const port = (await peer.stats()).actors.socket.unicastPort as number;
    const forger = { name: 'fk-forger', incarnation: 1 };
    const frame = encodeFrame({ kind: 'bye', sender: forger, streams: [] } as never);
    const datagrams: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      const seal = new DomainSeal(resolveSecurityOptions({ key: generateDomainKey(), encrypt: i % 2 === 0 }), forger, () => Date.now());
      datagrams.push(Buffer.concat(seal.seal(frame)));
    }
    datagrams.push(frame); // unsealed
    for (const d of datagrams) await new Promise<void>((resolve, reject) => sock.send(d, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    const deadline = Date.now() + 3000;
    let refused = 0;
    while (Date.now() < deadline) {
      const r = (await peer.stats()).actors.socket.refused as Record<string, number>;
      refused = r.unsealed + r.unknownKey + r.modeMismatch + r.badTag;
      if (refused >= datagrams.length) break;
      await sleep(50);
    }
    await sleep(100);
    expect(refused).toBe(datagrams.length);
    // Made-up keys: 'unknownKey' (or 'modeMismatch' / 'badTag' when a key id matches ours by
    // chance), and one unsealed: at most one event per reason.
    expect(codes.filter((c) => c === 'ERR_DOMAIN_KEY').length).toBeGreaterThanOrEqual(2);
    expect(codes.filter((c) => c === 'ERR_DOMAIN_KEY').length).toBeLessThanOrEqual(3);
  } finally {
    sock.close();
    await peer.close();
  }
}, 30_000);
