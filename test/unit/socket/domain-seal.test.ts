import { describe, it, expect } from 'vitest';
import { DomainSeal, SEAL_TRAILER_BYTES, keyIdOf, type ResolvedSecurity } from '../../../actors/socket/domain-seal.js';
import { encodeFrame, decodeFrame } from '../../../codecs/frame-codec.js';
import type { Frame, PeerId } from '../../../codecs/frame.js';
import { generateDomainKey, parseDomainKey, resolveSecurityOptions } from '../../../actors/socket/security-options.js';

const A: PeerId = { name: 'alice', incarnation: 7 };
const B: PeerId = { name: 'bob', incarnation: 9 };
const key = parseDomainKey(generateDomainKey(), 'key');
/** Another key with another key id (ids are one byte: two random keys share one 1 time in 256, and then a datagram of the other is 'badTag', not 'unknownKey'). */
const otherKey = (() => {
  for (;;) {
    const k = parseDomainKey(generateDomainKey(), 'key');
    if (keyIdOf(k) !== keyIdOf(key)) return k;
  }
})();

function security(o: Partial<ResolvedSecurity> = {}): ResolvedSecurity {
  return { key, encrypt: false, maxClockSkewMs: 120_000, ...o };
}

const data: Frame = { kind: 'data', sender: A, streams: [{ subject: 'orders.eu', startSeq: 1 }], messages: [{ subject: 'orders.eu', seq: 1, flags: 0, payload: new TextEncoder().encode('secret payload') }] };
const bye: Frame = { kind: 'bye', sender: A, streams: [] };

/** The parts `seal` returns, as the one datagram the network delivers. */
const joined = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

describe.each([false, true])('DomainSeal (encrypt: %s)', (encrypt) => {
  it('opens what a peer with the same key sealed, giving the frame back unchanged', () => {
    let now = 1_000_000;
    const sender = new DomainSeal(security({ encrypt }), A, () => now);
    const receiver = new DomainSeal(security({ encrypt }), B, () => now);
    const frame = encodeFrame(data);
    const wire = joined(sender.seal(frame));
    expect(wire.byteLength).toBe(frame.byteLength + SEAL_TRAILER_BYTES);
    const opened = receiver.open(wire);
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(Buffer.from(opened.bytes).equals(Buffer.from(frame))).toBe(true);
    expect(decodeFrame(opened.bytes)).toMatchObject({ ok: true, frame: { kind: 'data' } });
    now += 10;
    expect(receiver.open(joined(sender.seal(encodeFrame(bye))))).toMatchObject({ ok: true });
  });

  it(`${encrypt ? 'hides' : 'leaves readable'} the body on the wire`, () => {
    const sender = new DomainSeal(security({ encrypt }), A, () => 1_000_000);
    const wire = Buffer.from(joined(sender.seal(encodeFrame(data))));
    expect(wire.includes('secret payload')).toBe(!encrypt);
    expect(wire.includes('alice')).toBe(true); // the header (sender name) stays in clear
  });

  it('refuses a changed byte anywhere, a captured datagram replayed, and one from another key', () => {
    const sender = new DomainSeal(security({ encrypt }), A, () => 1_000_000);
    const receiver = new DomainSeal(security({ encrypt }), B, () => 1_000_000);
    const wire = joined(sender.seal(encodeFrame(data)));
    for (const at of [3, 20, wire.byteLength - SEAL_TRAILER_BYTES + 12, wire.byteLength - 1]) {
      const bad = wire.slice();
      bad[at] ^= 1;
      expect(receiver.open(bad)).toMatchObject({ ok: false, reason: 'badTag' });
    }
    // A replay is a copy of what was captured (open decrypts in place, in the receive buffer).
    expect(receiver.open(wire.slice()).ok).toBe(true);
    expect(receiver.open(wire.slice())).toMatchObject({ ok: false, reason: 'replayed' });
    const stranger = new DomainSeal(security({ encrypt, key: otherKey }), A, () => 1_000_000);
    expect(receiver.open(joined(stranger.seal(encodeFrame(data))))).toMatchObject({ ok: false, reason: 'unknownKey', keyId: keyIdOf(otherKey) });
    expect(receiver.open(encodeFrame(bye))).toMatchObject({ ok: false, reason: 'unsealed' });
    const otherMode = new DomainSeal(security({ encrypt: !encrypt }), A, () => 1_000_000);
    expect(receiver.open(joined(otherMode.seal(encodeFrame(data))))).toMatchObject({ ok: false, reason: 'modeMismatch' });
  });

  it('accepts out-of-order datagrams once each, and refuses stale ones and older sessions of a name', () => {
    let now = 5_000_000;
    const sender = new DomainSeal(security({ encrypt }), A, () => now);
    const receiver = new DomainSeal(security({ encrypt }), B, () => now);
    const wires = [0, 1, 2, 3].map(() => joined(sender.seal(encodeFrame(bye))));
    for (const i of [3, 0, 2, 1]) expect(receiver.open(wires[i].slice()).ok).toBe(true);
    for (const w of wires) expect(receiver.open(w.slice())).toMatchObject({ ok: false, reason: 'replayed' });
    // Captured long ago: stale by the receiver's clock.
    const old = joined(sender.seal(encodeFrame(bye)));
    now += 121_000;
    expect(receiver.open(old)).toMatchObject({ ok: false, reason: 'stale' });
    // The same name restarted (a new session): the old session's datagrams are replays now.
    const before = joined(sender.seal(encodeFrame(bye)));
    now += 10;
    const restarted = new DomainSeal(security({ encrypt }), { name: 'alice', incarnation: 8 }, () => now);
    expect(receiver.open(joined(restarted.seal(encodeFrame({ ...bye, sender: { name: 'alice', incarnation: 8 } })))).ok).toBe(true);
    expect(receiver.open(before)).toMatchObject({ ok: false, reason: 'staleSession' });
  });

  it('opens with nextKey during a rotation', () => {
    const oldPeer = new DomainSeal(security({ encrypt }), A, () => 1_000_000);
    const rotating = new DomainSeal(security({ encrypt, key: otherKey, nextKey: key }), B, () => 1_000_000);
    expect(rotating.open(joined(oldPeer.seal(encodeFrame(data)))).ok).toBe(true);
  });
});

describe('security options', () => {
  it('takes a 32-byte key as bytes or base64 and refuses anything else without echoing it', () => {
    const b64 = generateDomainKey();
    expect(resolveSecurityOptions({ key: b64 })).toMatchObject({ encrypt: false, maxClockSkewMs: 120_000 });
    expect(resolveSecurityOptions({ key: Buffer.from(b64, 'base64'), encrypt: true })?.encrypt).toBe(true);
    expect(() => resolveSecurityOptions({ key: 'c2hvcnQ=' })).toThrow(/must be 32 bytes; it is 5/);
    expect(() => resolveSecurityOptions({ key: 'not base64!' })).toThrow(/must be 32 bytes, as a Uint8Array or a base64 string/);
    expect(() => resolveSecurityOptions({ key: new Uint8Array(32) })).toThrow(/equal bytes/);
    expect(() => resolveSecurityOptions({ key: b64, keyFile: 'x' })).toThrow(/keyFile is not a known option/);
    try {
      resolveSecurityOptions({ key: `${b64}AAAA` });
    } catch (err) {
      expect(String((err as Error).message)).not.toContain(b64);
    }
  });
});
