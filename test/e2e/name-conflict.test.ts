/**
 * Two processes started with the same `name` (one configuration deployed twice) are one sender
 * name with two incarnations to every other peer, which takes one at a time: a subscriber got
 * only the second's messages and nobody was told (found on 5 December: 5 of 10 messages
 * dropped, no event anywhere). Each of the two now says so once, as an `ERR_NAME_CONFLICT`
 * error event naming the other's incarnation and address.
 */
import { expect, it } from 'vitest';
import { createPeer, ERROR_CODES, generateDomainKey, type LedgecastError } from '../../dist/index.js';
import { freshNetwork, sleep } from './helpers.js';

it('two peers started with the same name each get one ERR_NAME_CONFLICT error event naming the other', async () => {
  const net = { ...freshNetwork(), advertIntervalMs: 250 };
  const a = await createPeer({ ...net, name: 'twin' });
  const b = await createPeer({ ...net, name: 'twin' });
  const said: { a: LedgecastError[]; b: LedgecastError[] } = { a: [], b: [] };
  a.on('error', (e) => said.a.push(e as LedgecastError));
  b.on('error', (e) => said.b.push(e as LedgecastError));
  try {
    for (let t = Date.now(); (said.a.length === 0 || said.b.length === 0) && Date.now() - t < 5000; ) await sleep(50);
    await sleep(1000); // more adverts: still said once
    expect(said.a.map((e) => e.code)).toEqual([ERROR_CODES.nameConflict]);
    expect(said.b.map((e) => e.code)).toEqual([ERROR_CODES.nameConflict]);
    expect(said.a[0]!.message).toContain('"twin"');
    expect(said.a[0]!.message).toContain(`incarnation ${b.incarnation}`);
    expect(said.b[0]!.message).toContain(`incarnation ${a.incarnation}`);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}, 20_000);

it('a peer restarted under its name (the first one closed) gets no such event', async () => {
  const net = { ...freshNetwork(), advertIntervalMs: 250 };
  const first = await createPeer({ ...net, name: 'again' });
  await sleep(600);
  await first.close();
  const second = await createPeer({ ...net, name: 'again' });
  const said: string[] = [];
  second.on('error', (e) => said.push((e as LedgecastError).code));
  try {
    await sleep(1500);
    expect(said).toEqual([]);
  } finally {
    await second.close();
  }
}, 20_000);

it('in an authenticated domain, only a frame that opens with our key says so: a same-named peer with another key (or a forger) does not', async () => {
  const net = { ...freshNetwork(), advertIntervalMs: 250 };
  const key = generateDomainKey();
  const a = await createPeer({ ...net, name: 'sealed-twin', security: { key } });
  const outsider = await createPeer({ ...net, name: 'sealed-twin', security: { key: generateDomainKey() } });
  const said: string[] = [];
  a.on('error', (e) => said.push((e as LedgecastError).code));
  outsider.on('error', () => undefined);
  try {
    await sleep(1500);
    expect(said.filter((c) => c === ERROR_CODES.nameConflict)).toEqual([]);
    // One of the domain under the same name: said.
    const b = await createPeer({ ...net, name: 'sealed-twin', security: { key } });
    b.on('error', () => undefined);
    try {
      for (let t = Date.now(); !said.includes(ERROR_CODES.nameConflict) && Date.now() - t < 5000; ) await sleep(50);
      expect(said.filter((c) => c === ERROR_CODES.nameConflict)).toEqual([ERROR_CODES.nameConflict]);
    } finally {
      await b.close();
    }
  } finally {
    await Promise.all([a.close(), outsider.close()]);
  }
}, 20_000);
