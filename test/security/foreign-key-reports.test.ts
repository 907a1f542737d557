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
    // Sent twice, 600 ms apart, as a misconfigured peer keeps sending (it advertises every second):
    // one datagram is no evidence of such a peer.
    for (const d of datagrams) await new Promise<void>((resolve, reject) => sock.send(d, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    await sleep(600);
    for (const d of datagrams) await new Promise<void>((resolve, reject) => sock.send(d, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    const deadline = Date.now() + 3000;
    let refused = 0;
    while (Date.now() < deadline) {
      const r = (await peer.stats()).actors.socket.refused as Record<string, number>;
      refused = r.unsealed + r.unknownKey + r.modeMismatch + r.badTag;
      if (refused >= 2 * datagrams.length) break;
      await sleep(50);
    }
    await sleep(100);
    expect(refused).toBe(2 * datagrams.length);
    // Made-up keys: 'unknownKey' (or 'modeMismatch' / 'badTag' when a key id matches ours by
    // chance), and one unsealed: at most one event per reason.
    expect(codes.filter((c) => c === 'ERR_DOMAIN_KEY').length).toBeGreaterThanOrEqual(2);
    expect(codes.filter((c) => c === 'ERR_DOMAIN_KEY').length).toBeLessThanOrEqual(3);
  } finally {
    sock.close();
    await peer.close();
  }
}, 30_000);

it('says nothing of datagrams it cannot open that come once (bit-flipped copies, junk): no evidence of a peer of another domain', async () => {
  const net = freshNetwork();
  const key = generateDomainKey();
  const peer = await createPeer({ ...net, name: 'fk-quiet', security: { key } });
  const codes: string[] = [];
  peer.on('error', (e) => codes.push((e as { code?: string }).code ?? '?'));
  const sock = createSocket('udp4');
  try {
    const port = (await peer.stats()).actors.socket.unicastPort as number;
    const forger = { name: 'fk-junk', incarnation: 1 };
    const sealed = Buffer.concat(new DomainSeal(resolveSecurityOptions({ key }), forger, () => Date.now()).seal(encodeFrame({ kind: 'bye', sender: forger, streams: [] } as never)));
    // Every single-bit flip of the first 8 bytes (the seal's header: mode, key id), each once.
    for (let bit = 0; bit < 64; bit++) {
      const d = Buffer.from(sealed);
      d[bit >> 3]! ^= 1 << (bit & 7);
      await new Promise<void>((resolve, reject) => sock.send(d, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    }
    await sleep(1500);
    const r = (await peer.stats()).actors.socket.refused as Record<string, number>;
    expect(r.unsealed + r.unknownKey + r.modeMismatch + r.badTag).toBeGreaterThan(0);
    expect(codes.filter((c) => c === 'ERR_DOMAIN_KEY')).toEqual([]);
  } finally {
    sock.close();
    await peer.close();
  }
}, 30_000);

it('a peer started with another key is named within seconds by the peers of the domain, once', async () => {
  const net = freshNetwork();
  const peer = await createPeer({ ...net, name: 'fk-right', security: { key: generateDomainKey() } });
  const other = await createPeer({ ...net, name: 'fk-wrong', security: { key: generateDomainKey() } });
  const messages: string[] = [];
  peer.on('error', (e) => messages.push(`${(e as { code?: string }).code} ${e.message}`));
  other.on('error', () => undefined);
  try {
    const deadline = Date.now() + 6000;
    while (messages.length === 0 && Date.now() < deadline) await sleep(50);
    await sleep(1500);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^ERR_DOMAIN_KEY datagrams from 127\.0\.0\.1:\d+ are sealed with a key this peer does not hold/);
  } finally {
    await Promise.all([other.close(), peer.close()]);
  }
}, 30_000);
