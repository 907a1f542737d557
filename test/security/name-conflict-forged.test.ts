/**
 * Copies of a peer's own frames under another incarnation (bit-flipped by a hostile process, no
 * key) are not two processes sharing a name: the peer must not say ERR_NAME_CONFLICT for them.
 * Found by a hostile-process check (6 December): every peer under such traffic said it once, a
 * false alarm. A real second process with the name (its own listener, advertising every
 * interval) is still said (test/e2e/name-conflict.test.ts).
 */
import { afterEach, expect, it } from 'vitest';
import { createPeer, ERROR_CODES, type LedgecastError, type Peer } from '../../dist/index.js';
import { encodeFrame } from '../../codecs/frame-codec.js';
import { ADVERT_FLAGS, type Frame } from '../../codecs/frame.js';
import { freshNetwork, sleep } from '../e2e/helpers.js';
import { Attacker, hex } from './attacker-process.js';

let peer: Peer | undefined;
let attacker: Attacker | undefined;
afterEach(async () => {
  attacker?.kill();
  await peer?.close();
});

it('copies of its own adverts and DATA under another incarnation, from a forger\'s socket, raise no ERR_NAME_CONFLICT; they are counted', async () => {
  const net = { ...freshNetwork(), advertIntervalMs: 250 };
  peer = await createPeer({ ...net, name: 'victim' });
  const said: string[] = [];
  peer.on('error', (e) => said.push((e as LedgecastError).code));
  const stats = async () => ((await peer!.stats()) as unknown as { actors: { socket: { unicastPort: number; dropped: Record<string, number> } } }).actors.socket;
  const port = (await stats()).unicastPort;
  const inc = peer.incarnation;
  const frames: Frame[] = [0x1, 0x80, 0x10000].map((flip) => ({
    kind: 'advert',
    sender: { name: 'victim', incarnation: (inc ^ flip) >>> 0 },
    host: '127.0.0.1',
    port, // a copy of its own advert names its own listener
    flags: ADVERT_FLAGS.multicast,
    patterns: [],
  }));
  // A copy with a bit flipped in the listener's port too (seen in the check): another listener,
  // but an incarnation one bit from ours.
  frames.push({ kind: 'advert', sender: { name: 'victim', incarnation: (inc ^ 0x100) >>> 0 }, host: '127.0.0.1', port: port ^ 0x4, flags: ADVERT_FLAGS.multicast, patterns: [] });
  frames.push({ kind: 'data', sender: { name: 'victim', incarnation: (inc ^ 2) >>> 0 }, streams: [{ subject: 'x.a', startSeq: 1 }], messages: [{ subject: 'x.a', seq: 1, flags: 0, payload: new Uint8Array([1]) }] });
  const datagrams = frames.map((f) => hex(encodeFrame(f)));
  attacker = new Attacker();
  await attacker.alive;
  for (let k = 0; k < 5; k++) {
    await attacker.call('send', { to: { host: net.group, port: net.port }, datagrams });
    await attacker.call('send', { to: { host: '127.0.0.1', port }, datagrams });
    await sleep(300);
  }
  expect(said.filter((c) => c === ERROR_CODES.nameConflict)).toEqual([]);
  expect((await stats()).dropped.ownNameOtherIncarnation).toBeGreaterThanOrEqual(20);
}, 20_000);
