/**
 * Every bad input gets a typed error whose `code` callers can test and whose message names
 * the subject or option at fault. In-process, against the compiled library (dist/), as an
 * application would see it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPeer, LedgecastError, type Peer } from '../../dist/index.js';
import { freshNetwork } from './helpers.js';

/** The error `fn` throws or its promise rejects with (fails the test when there is none). */
async function errorOf(fn: () => unknown): Promise<LedgecastError> {
  let result: unknown;
  try {
    result = await fn();
  } catch (err) {
    return err as LedgecastError;
  }
  throw new Error(`expected an error, got ${JSON.stringify(result)}`);
}

function expectTyped(err: LedgecastError, code: string, name: string, mentions: readonly string[]): void {
  expect(err).toBeInstanceOf(LedgecastError);
  expect(err.code).toBe(code);
  expect(err.name).toBe(name);
  for (const m of mentions) expect(err.message).toContain(m);
}

describe('bad input on an open peer', () => {
  let peer: Peer;
  beforeAll(async () => {
    peer = await createPeer({ ...freshNetwork(), name: 'errors', maxMessageBytes: 100 });
  });
  afterAll(async () => {
    await peer?.close();
  });

  it.each([
    ['a..b', 'empty'],
    ['a b', 'invalid character'],
    ['.a', 'empty'],
    ['a.', 'empty'],
  ])('publishing on the invalid subject %j fails with ERR_INVALID_SUBJECT naming the subject', async (subject, why) => {
    for (const call of [() => peer.publish(subject, 1), () => peer.tryPublish(subject, 1), () => peer.request(subject, 1, { timeoutMs: 100 })]) {
      expectTyped(await errorOf(call), 'ERR_INVALID_SUBJECT', 'InvalidSubjectError', [JSON.stringify(subject), why]);
    }
  });

  it('publishing on the empty subject fails with ERR_INVALID_SUBJECT saying it is empty', async () => {
    expectTyped(await errorOf(() => peer.publish('', 1)), 'ERR_INVALID_SUBJECT', 'InvalidSubjectError', ['subject', 'empty']);
    expectTyped(await errorOf(() => peer.tryPublish('', 1)), 'ERR_INVALID_SUBJECT', 'InvalidSubjectError', ['subject', 'empty']);
  });

  it('publishing on a subject that is not a string or is over 255 bytes fails with ERR_INVALID_SUBJECT', async () => {
    expectTyped(await errorOf(() => peer.publish(42 as unknown as string, 1)), 'ERR_INVALID_SUBJECT', 'InvalidSubjectError', ['subject must be a string']);
    expectTyped(await errorOf(() => peer.publish('x'.repeat(256), 1)), 'ERR_INVALID_SUBJECT', 'InvalidSubjectError', ['256', '255']);
  });

  it('the same with a subscription open (its own publishes are delivered to it: the subject is matched), for publish, tryPublish and request', async () => {
    const sub = peer.subscribe('>', () => undefined);
    try {
      for (const bad of [undefined, null, 42, {}]) {
        const subject = bad as unknown as string;
        for (const call of [() => peer.publish(subject, 1), () => peer.tryPublish(subject, 1), () => peer.request(subject, 1, { timeoutMs: 100 })]) {
          expectTyped(await errorOf(call), 'ERR_INVALID_SUBJECT', 'InvalidSubjectError', ['subject must be a string']);
        }
      }
    } finally {
      sub.unsubscribe();
    }
  });

  it.each(['a.*', 'a.>', '*', '>'])('publishing on the wildcard subject %j fails with ERR_INVALID_SUBJECT explaining wildcards are for patterns', async (subject) => {
    const err = await errorOf(() => peer.publish(subject, 1));
    expectTyped(err, 'ERR_INVALID_SUBJECT', 'InvalidSubjectError', [JSON.stringify(subject), 'wildcard']);
    expectTyped(await errorOf(() => peer.tryPublish(subject, 1)), 'ERR_INVALID_SUBJECT', 'InvalidSubjectError', [JSON.stringify(subject), 'wildcard']);
  });

  it('a reply-to subject is validated like any subject', async () => {
    expectTyped(await errorOf(() => peer.publish('a.b', 1, { replyTo: 'r..x' })), 'ERR_INVALID_SUBJECT', 'InvalidSubjectError', ['"r..x"']);
  });

  it.each([
    ['a.>.b', '">" may only be the last token'],
    ['>.a', '">" may only be the last token'],
    ['a.b*', 'whole token'],
    ['a..b', 'empty'],
    ['', 'empty'],
  ])('subscribing to the invalid pattern %j fails with ERR_INVALID_SUBJECT naming the pattern', (pattern, why) => {
    let err: LedgecastError | undefined;
    try {
      peer.subscribe(pattern, () => {});
    } catch (e) {
      err = e as LedgecastError;
    }
    expect(err, 'subscribe must throw').toBeDefined();
    expectTyped(err!, 'ERR_INVALID_SUBJECT', 'InvalidSubjectError', ['pattern', why, ...(pattern ? [JSON.stringify(pattern)] : [])]);
  });

  it('a payload over maxMessageBytes fails with ERR_PAYLOAD_TOO_LARGE giving both sizes, and one at the limit is accepted', async () => {
    const err = await errorOf(() => peer.publish('big.raw', new Uint8Array(101)));
    expectTyped(err, 'ERR_PAYLOAD_TOO_LARGE', 'PayloadTooLargeError', ['101', 'maxMessageBytes', '100']);
    expectTyped(await errorOf(() => peer.tryPublish('big.raw', new Uint8Array(101))), 'ERR_PAYLOAD_TOO_LARGE', 'PayloadTooLargeError', ['maxMessageBytes']);
    // A msgpack value is measured encoded: a 200-character string is over 100 bytes.
    expectTyped(await errorOf(() => peer.publish('big.value', 'x'.repeat(200))), 'ERR_PAYLOAD_TOO_LARGE', 'PayloadTooLargeError', ['maxMessageBytes']);
    await expect(peer.publish('big.raw', new Uint8Array(100))).resolves.toBeUndefined();
  });

  it('a payload the codec cannot encode fails with ERR_ENCODE naming the subject, the codec error as its cause (a symbol, a function, a circular object, a BigInt under json)', async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    for (const [data, codec] of [[Symbol('s'), undefined], [() => 1, undefined], [circular, undefined], [10n, 'json']] as const) {
      const options = codec === undefined ? undefined : { codec };
      const err = await errorOf(() => peer.publish('enc.x', data, options));
      expectTyped(err, 'ERR_ENCODE', 'EncodeError', ['enc.x', 'cannot be encoded']);
      expect(err.cause).toBeInstanceOf(Error);
      expectTyped(await errorOf(() => peer.tryPublish('enc.x', data, options)), 'ERR_ENCODE', 'EncodeError', ['enc.x']);
    }
    expectTyped(await errorOf(() => peer.request('enc.x', circular, { timeoutMs: 100 })), 'ERR_ENCODE', 'EncodeError', ['enc.x']);
  });

  it('a misspelt option of publish, tryPublish or request is refused, not ignored ({ timeout } would wait the default 5 s)', async () => {
    expectTyped(await errorOf(() => peer.publish('o.p', 1, { replyto: 'x' } as never)), 'ERR_INVALID_OPTION', 'InvalidOptionError', ['publish options.replyto', 'replyTo']);
    expectTyped(await errorOf(() => peer.tryPublish('o.p', 1, { codex: 'json' } as never)), 'ERR_INVALID_OPTION', 'InvalidOptionError', ['tryPublish options.codex']);
    const t0 = Date.now();
    expectTyped(await errorOf(() => peer.request('o.q', 1, { timeout: 200 } as never)), 'ERR_INVALID_OPTION', 'InvalidOptionError', ['request options.timeout', 'timeoutMs']);
    expect(Date.now() - t0).toBeLessThan(1000);
    // publish rejects (a promise), it does not throw at the call.
    const rejected = peer.publish('o.p', 1, { replyto: 'x' } as never);
    const settled = rejected.catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(Promise);
    expect(await settled).toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });

  it('request options and subscribe handlers are checked too', async () => {
    expectTyped(await errorOf(() => peer.request('a.b', 1, { timeoutMs: -5 })), 'ERR_INVALID_OPTION', 'InvalidOptionError', ['timeoutMs', '-5']);
    // A string is shown quoted: why it was refused shows.
    expectTyped(await errorOf(() => peer.request('a.b', 1, { timeoutMs: '100' as unknown as number })), 'ERR_INVALID_OPTION', 'InvalidOptionError', ['timeoutMs', 'got "100"']);
    expectTyped(await errorOf(() => peer.close({ timeoutMs: '100' as unknown as number })), 'ERR_INVALID_OPTION', 'InvalidOptionError', ['timeoutMs', 'got "100"']);
    let err: LedgecastError | undefined;
    try {
      peer.subscribe('a.b', 5 as unknown as () => void);
    } catch (e) {
      err = e as LedgecastError;
    }
    expectTyped(err!, 'ERR_INVALID_OPTION', 'InvalidOptionError', ['handler']);
  });
});

describe('bad options to createPeer', () => {
  const net = freshNetwork();
  it.each([
    [{ nmae: 'x' }, ['options.nmae', 'not a known option']],
    [{ interface: '300.1.1.1' }, ['options.interface', '"300.1.1.1"']],
    [{ group: '10.0.0.1' }, ['options.group', 'multicast', '"10.0.0.1"']],
    [{ peers: ['nohost'] }, ['options.peers[0]', '"nohost"']],
    [{ peers: ['127.0.0.1:0'] }, ['options.peers[0]', 'port']],
    [{ peers: '127.0.0.1:1234' }, ['options.peers', 'array']],
    [{ multicast: false }, ['options.peers', 'options.multicast']],
    [{ port: 70000 }, ['options.port', '70000']],
    [{ topology: 'fast' }, ['options.topology', '"fast"']],
    [{ fault: { dorpRate: 0.1 } }, ['options.fault.dorpRate', 'not a known option']],
    [{ receiver: { lateJoin: 1 } }, ['options.receiver.lateJoin', 'not a known option']],
    [{ advertIntervalMs: 4000, peerExpiryMs: 5000 }, ['options.peerExpiryMs', 'options.advertIntervalMs']],
  ] as [Record<string, unknown>, string[]][])('createPeer(%j) rejects with ERR_INVALID_OPTION naming the option', async (bad, mentions) => {
    const err = await errorOf(() => createPeer({ ...net, ...bad } as never));
    expectTyped(err, 'ERR_INVALID_OPTION', 'InvalidOptionError', mentions);
  });
});

describe('a closed peer', () => {
  it('refuses publish, tryPublish, subscribe, request and stats with ERR_PEER_CLOSED, and close() again is a no-op', async () => {
    const peer = await createPeer({ ...freshNetwork(), name: 'closing' });
    // A publish accepted before close() is flushed, not failed.
    const inFlight = peer.publish('before.close', { i: 1 });
    await peer.close();
    await expect(inFlight).resolves.toBeUndefined();
    const calls: (() => unknown)[] = [
      () => peer.publish('a.b', 1),
      () => peer.tryPublish('a.b', 1),
      () => peer.subscribe('a.>', () => {}),
      () => peer.request('a.b', 1, { timeoutMs: 100 }),
      () => peer.stats(),
    ];
    for (const call of calls) expectTyped(await errorOf(call), 'ERR_PEER_CLOSED', 'PeerClosedError', ['closed']);
    await expect(peer.close()).resolves.toBeUndefined();
  });
});
