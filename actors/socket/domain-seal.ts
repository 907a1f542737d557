/**
 * Authenticated domains: every datagram a peer sends under a domain key carries a trailer that
 * proves it comes from a holder of the key, was not changed, and is not a replay; with
 * `encrypt`, its body is also encrypted. The socket actor seals on the way out and opens on the
 * way in, before anything else reads the datagram. Layout: docs/PROTOCOL.md "Sealed datagrams";
 * threat model: docs/SECURITY.md.
 *
 * ```
 * sealed datagram = frame (header in clear; body in clear, or encrypted with `encrypt`) + trailer
 * trailer (40 bytes):
 *   0  1 mode       1 = MAC (Poly1305 over frame + trailer[0..24), one-time key from ChaCha20; nothing encrypted)
 *                   2 = AEAD (AES-256-GCM: header + trailer[0..24) as associated data, body encrypted)
 *   1  1 keyId      first byte of SHA-256(key): which of the receiver's keys to try
 *   2  8 session    random per peer start (never reused: restarts and incarnations get new ones)
 *  10  8 counter    u64 LE, 1, 2, 3, ... per session: the AEAD nonce and the replay sequence
 *  18  6 sentAtMs   u48 LE, the sender's wall clock (ms): how old the datagram is
 *  24 16 tag
 * ```
 *
 * Nonces cannot repeat: keys are derived per sending session (HKDF-SHA256 of the domain key with
 * the session, the sender's name and incarnation, per mode) and the nonce is the session's
 * counter. MAC mode: Poly1305 keyed per datagram by ChaCha20(session key, counter nonce), as in
 * ChaCha20-Poly1305 (libsodium through sodium-native): about 2 µs per datagram of 1 KB here, where
 * a node:crypto AES-GCM object per datagram cost about 5 µs whatever its size. Replays: a
 * session's counters must be new (a 65,536-entry window behind
 * the highest seen, as IPsec's), a datagram sent longer than `maxClockSkewMs` ago by the
 * receiver's clock is stale, and once a newer session of a sender name is seen (one that began
 * later), an older one is refused. The window moves only after the tag verified, so a forged counter moves nothing.
 *
 * Costs: one Poly1305 (MAC) or AES-GCM (AEAD) per datagram (measured in docs/SECURITY.md); no copy in
 * MAC mode (the trailer is sent as a second buffer of the same datagram).
 */
import { createCipheriv, createDecipheriv, createHash, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import sodium from 'sodium-native';
import type { PeerId } from '../../codecs/frame.js';
import { HEADER_LENGTH, INCARNATION_OFFSET, SENDER_NAME_LENGTH_OFFSET, SENDER_NAME_OFFSET } from '../../codecs/frames/header.js';

/** Bytes the trailer adds to every datagram (the room `maxDatagramBytes` keeps for it). */
export const SEAL_TRAILER_BYTES = 40;

const MODE_MAC = 1;
const MODE_AEAD = 2;
const AUTHENTICATED_TRAILER = 24; // mode, keyId, session, counter, sentAtMs: covered by the tag
/**
 * Counters of a session a receiver tells apart behind the newest: a datagram further behind is
 * refused (`behindWindow`). Wide (8 KiB of bits per session), because one sender's datagrams
 * reach a receiver by several sockets (multicast, unicast) whose receive buffers hold thousands
 * each: a datagram read from a deep multicast backlog is thousands behind a unicast one read at
 * once (4,096 was measured too narrow on loopback).
 */
const REPLAY_WINDOW = 65_536;
const MAX_U48 = 2 ** 48 - 1;
/** Sending sessions a receiver remembers (their replay windows and AEAD keys); oldest forgotten first. Only key holders make sessions. */
const MAX_SESSIONS = 1024;

/** The resolved `security` option. */
export interface ResolvedSecurity {
  /** The domain key (32 bytes) this peer seals with. */
  readonly key: Uint8Array;
  /** A second key accepted on receipt (rotation). */
  readonly nextKey?: Uint8Array;
  /** AEAD (encrypted bodies) instead of MAC only. */
  readonly encrypt: boolean;
  /** A datagram older than this by the receiver's clock is refused as a replay. */
  readonly maxClockSkewMs: number;
}

/** Why an incoming datagram was refused. */
export const OPEN_FAILURES = ['unsealed', 'unknownKey', 'modeMismatch', 'badTag', 'replayed', 'behindWindow', 'stale', 'staleSession'] as const;
export type OpenFailure = (typeof OPEN_FAILURES)[number];

export type OpenResult = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly reason: OpenFailure; readonly keyId?: number };

/** The id a key goes by in the trailer: the first byte of its SHA-256. */
export function keyIdOf(key: Uint8Array): number {
  return createHash('sha256').update(key).digest()[0];
}

interface DomainKey {
  readonly key: Buffer;
  readonly id: number;
}

interface Session {
  /** The key of this sending session (derived once): raw bytes (MAC) and as a KeyObject (AES-GCM). */
  readonly sessionKey: SessionKey | undefined;
  highest: number;
  /** Bit `counter % REPLAY_WINDOW` set: that counter was seen (for counters within the window). */
  readonly seen: Uint32Array;
  readonly name: string;
  /** `sentAtMs` of the first datagram seen of the session. */
  readonly first: number;
}

/** Seals and opens the datagrams of one peer under its domain key(s). Not thread-safe: one per socket actor. */
export class DomainSeal {
  private readonly keys: DomainKey[];
  private readonly mode: number;
  private readonly session: Buffer;
  private counter = 0;
  private readonly sendKeys = new Map<number, SessionKey>();
  private readonly mac = new Poly1305Mac();
  private readonly sessions = new Map<string, Session>();
  /** Per sender name, the newest session seen (the `sentAtMs` of its first datagram): older sessions are replays. */
  private readonly newestByName = new Map<string, { readonly key: string; readonly first: number }>();

  constructor(
    private readonly security: ResolvedSecurity,
    private readonly self: PeerId,
    /** Wall-clock milliseconds (Date.now in the shell; a test passes its own). */
    private readonly wallClockMs: () => number,
    session: Uint8Array = randomBytes(8),
  ) {
    this.keys = [security.key, ...(security.nextKey !== undefined ? [security.nextKey] : [])].map((k) => ({ key: Buffer.from(k), id: keyIdOf(k) }));
    this.mode = security.encrypt ? MODE_AEAD : MODE_MAC;
    this.session = Buffer.from(session);
  }

  /** The key ids this peer accepts (for diagnostics). */
  get keyIds(): number[] {
    return this.keys.map((k) => k.id);
  }

  /**
   * Seals one plain frame: the buffers to send as one datagram, in order (the frame itself is not
   * changed, so the sender window may keep it).
   */
  seal(frame: Uint8Array): Uint8Array[] {
    const k = this.keys[0];
    const trailer = Buffer.allocUnsafe(SEAL_TRAILER_BYTES);
    trailer[0] = this.mode;
    trailer[1] = k.id;
    this.session.copy(trailer, 2);
    this.counter++;
    writeCounter(trailer, 10, this.counter);
    trailer.writeUIntLE(Math.max(0, Math.min(MAX_U48, Math.floor(this.wallClockMs()))), 18, 6);
    const key = this.sendKey(k);
    if (this.mode === MODE_MAC) {
      this.mac.tag(key.bytes, this.counter, frame, trailer.subarray(0, AUTHENTICATED_TRAILER), trailer.subarray(AUTHENTICATED_TRAILER));
      return [frame, trailer];
    }
    const cipher = createCipheriv('aes-256-gcm', key.object, nonceOf(this.counter));
    const header = headerLength(frame);
    cipher.setAAD(frame.subarray(0, header));
    cipher.setAAD(trailer.subarray(0, AUTHENTICATED_TRAILER));
    const body = cipher.update(frame.subarray(header));
    cipher.final();
    cipher.getAuthTag().copy(trailer, AUTHENTICATED_TRAILER);
    return [frame.subarray(0, header), body, trailer];
  }

  /**
   * Opens one received datagram: the plain frame (a view of `bytes`: an encrypted body is
   * decrypted in place, so pass the receive buffer, not a datagram kept elsewhere), or why it is
   * refused. Never throws. Checks,
   * in order: room for a header and the trailer, the mode, a key of that id, the tag (and
   * decryption), then freshness (clock, newest session of the name, replay window).
   */
  open(bytes: Uint8Array): OpenResult {
    const length = bytes.byteLength;
    if (length < HEADER_LENGTH + SEAL_TRAILER_BYTES) return { ok: false, reason: 'unsealed' };
    const t = length - SEAL_TRAILER_BYTES;
    const mode = bytes[t];
    if (mode !== MODE_MAC && mode !== MODE_AEAD) return { ok: false, reason: 'unsealed' };
    const keyId = bytes[t + 1];
    if (mode !== this.mode) return { ok: false, reason: 'modeMismatch', keyId };
    const frame = bytes.subarray(0, t);
    const header = headerLength(frame);
    if (header > t) return { ok: false, reason: 'unsealed' };
    if (!this.sameSender(bytes, t)) this.rememberSender(bytes, t);
    const { name, incarnation, sessionKey } = this;
    const counter = readCounter(bytes, t + 10);
    const sentAtMs = bytes[t + 18] + bytes[t + 19] * 0x100 + bytes[t + 20] * 0x1_0000 + bytes[t + 21] * 0x100_0000 + bytes[t + 22] * 0x1_0000_0000 + bytes[t + 23] * 0x100_0000_0000;
    const authenticated = bytes.subarray(t, t + AUTHENTICATED_TRAILER);
    const tag = bytes.subarray(t + AUTHENTICATED_TRAILER, length);
    let plain: Uint8Array | undefined;
    let key: SessionKey | undefined;
    let tried = false;
    for (const k of this.keys) {
      if (k.id !== keyId) continue;
      tried = true;
      key = this.sessions.get(sessionKey)?.sessionKey ?? deriveKey(k.key, bytes.subarray(t + 2, t + 10), name, incarnation, mode);
      if (mode === MODE_MAC) {
        if (this.mac.verify(key.bytes, counter, frame, authenticated, tag)) {
          plain = frame;
          break;
        }
        continue;
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key.object, nonceOf(counter));
        decipher.setAuthTag(tag);
        decipher.setAAD(frame.subarray(0, header));
        decipher.setAAD(authenticated);
        const body = decipher.update(frame.subarray(header));
        decipher.final();
        // The received buffer is ours: the plain body goes where the ciphertext was.
        frame.set(body, header);
        plain = frame;
        break;
      } catch {
        // A wrong key or a forged tag: try the next key of that id, if any.
      }
    }
    if (!tried) return { ok: false, reason: 'unknownKey', keyId };
    if (plain === undefined) return { ok: false, reason: 'badTag', keyId };
    // Authentic from here on: freshness.
    if (sentAtMs < this.wallClockMs() - this.security.maxClockSkewMs) return { ok: false, reason: 'stale' };
    const newest = this.newestByName.get(name);
    if (newest !== undefined && newest.key !== sessionKey && sentAtMs < newest.first) return { ok: false, reason: 'staleSession' };
    let s = this.sessions.get(sessionKey);
    if (s === undefined) {
      if (this.sessions.size >= MAX_SESSIONS) this.forgetOldestSession();
      s = { sessionKey: key, highest: counter, seen: new Uint32Array(REPLAY_WINDOW / 32), name, first: sentAtMs };
      markSeen(s.seen, counter);
      this.sessions.set(sessionKey, s);
      this.newestByName.set(name, { key: sessionKey, first: sentAtMs });
      return { ok: true, bytes: plain };
    }
    if (s.highest - counter >= REPLAY_WINDOW) return { ok: false, reason: 'behindWindow' };
    if (!acceptCounter(s, counter)) return { ok: false, reason: 'replayed' };
    return { ok: true, bytes: plain };
  }

  // The sender identity of the last datagram opened (a burst comes from one sender): its bytes
  // (name length and name, incarnation, session, key id) and what was made of them.
  private lastIdentity = new Uint8Array(0);
  private name = '';
  private incarnation = 0;
  private sessionKey = '';

  /** Whether the datagram's sender identity is the one last opened (a byte compare, no string). */
  private sameSender(bytes: Uint8Array, t: number): boolean {
    const id = this.lastIdentity;
    const nameBytes = bytes[SENDER_NAME_LENGTH_OFFSET];
    if (id.byteLength !== 1 + nameBytes + 4 + 8 + 1 || id[0] !== nameBytes) return false;
    for (let i = 0; i < nameBytes; i++) if (id[1 + i] !== bytes[SENDER_NAME_OFFSET + i]) return false;
    let o = 1 + nameBytes;
    for (let i = 0; i < 4; i++) if (id[o + i] !== bytes[INCARNATION_OFFSET + i]) return false;
    o += 4;
    for (let i = 0; i < 8; i++) if (id[o + i] !== bytes[t + 2 + i]) return false;
    return id[o + 8] === bytes[t + 1];
  }

  private rememberSender(bytes: Uint8Array, t: number): void {
    const nameBytes = bytes[SENDER_NAME_LENGTH_OFFSET];
    const id = new Uint8Array(1 + nameBytes + 4 + 8 + 1);
    id[0] = nameBytes;
    id.set(bytes.subarray(SENDER_NAME_OFFSET, SENDER_NAME_OFFSET + nameBytes), 1);
    id.set(bytes.subarray(INCARNATION_OFFSET, INCARNATION_OFFSET + 4), 1 + nameBytes);
    id.set(bytes.subarray(t + 2, t + 10), 1 + nameBytes + 4);
    id[id.byteLength - 1] = bytes[t + 1];
    this.lastIdentity = id;
    this.name = Buffer.from(bytes.buffer, bytes.byteOffset + SENDER_NAME_OFFSET, nameBytes).toString('utf8');
    this.incarnation = bytes[INCARNATION_OFFSET] + bytes[INCARNATION_OFFSET + 1] * 0x100 + bytes[INCARNATION_OFFSET + 2] * 0x1_0000 + bytes[INCARNATION_OFFSET + 3] * 0x100_0000;
    this.sessionKey = `${bytes[t + 1]}:${Buffer.from(bytes.buffer, bytes.byteOffset + t + 2, 8).toString('hex')}:${this.incarnation}:${this.name}`;
  }

  private sendKey(k: DomainKey): SessionKey {
    let key = this.sendKeys.get(k.id);
    if (key === undefined) {
      key = deriveKey(k.key, this.session, this.self.name, this.self.incarnation, this.mode);
      this.sendKeys.set(k.id, key);
    }
    return key;
  }

  private forgetOldestSession(): void {
    const oldest = this.sessions.keys().next().value as string;
    const s = this.sessions.get(oldest) as Session;
    this.sessions.delete(oldest);
    if (this.newestByName.get(s.name)?.key === oldest) this.newestByName.delete(s.name);
  }
}

/** Marks `counter` (within the window) seen in `s` unless it was: returns whether it is new. */
function acceptCounter(s: Session, counter: number): boolean {
  if (counter > s.highest) {
    // The counters between the old and the new highest enter the window unseen.
    if (counter - s.highest >= REPLAY_WINDOW) s.seen.fill(0);
    else for (let c = s.highest + 1; c < counter; c++) clearSeen(s.seen, c);
    s.highest = counter;
    markSeen(s.seen, counter);
    return true;
  }
  if (s.highest - counter >= REPLAY_WINDOW) return false;
  const bit = counter % REPLAY_WINDOW;
  if ((s.seen[bit >>> 5] & (1 << (bit & 31))) !== 0) return false;
  markSeen(s.seen, counter);
  return true;
}

function markSeen(seen: Uint32Array, counter: number): void {
  const bit = counter % REPLAY_WINDOW;
  seen[bit >>> 5] |= 1 << (bit & 31);
}

function clearSeen(seen: Uint32Array, counter: number): void {
  const bit = counter % REPLAY_WINDOW;
  seen[bit >>> 5] &= ~(1 << (bit & 31));
}

/** Common header plus sender name: the part that stays in clear. */
function headerLength(frame: Uint8Array): number {
  return HEADER_LENGTH + (frame.byteLength > SENDER_NAME_LENGTH_OFFSET ? frame[SENDER_NAME_LENGTH_OFFSET] : 0);
}

/** The key of one sending session: its bytes, and a KeyObject for AES-GCM (imported once, not per datagram). */
interface SessionKey {
  readonly bytes: Buffer;
  readonly object: KeyObject;
}

/** HKDF-SHA256 of the domain key with the session id, per mode, sender name and incarnation. */
function deriveKey(domainKey: Uint8Array, session: Uint8Array, name: string, incarnation: number, mode: number): SessionKey {
  const info = mode === MODE_MAC ? `ledgecast/2 session-mac ${incarnation} ${name}` : `ledgecast/1 session ${incarnation} ${name}`;
  const bytes = Buffer.from(hkdfSync('sha256', domainKey, session, info, 32));
  return { bytes, object: createSecretKey(bytes) };
}

/**
 * MAC-only mode's tag: Poly1305 (libsodium) over the frame and the authenticated trailer, with a
 * one-time key per datagram drawn from ChaCha20 of the session key and the counter nonce (the MAC
 * of ChaCha20-Poly1305, RFC 8439 §2.6). Per datagram it costs a fraction of AES-GCM through
 * node:crypto, whose fixed cost (a cipher object per datagram, about 5 µs here) dominated small
 * datagrams. Scratch buffers are reused: one per DomainSeal, used synchronously.
 */
class Poly1305Mac {
  private readonly nonce = Buffer.alloc(12);
  private readonly oneTimeKey = Buffer.alloc(32);
  private readonly state = Buffer.alloc(sodium.crypto_onetimeauth_STATEBYTES);
  private readonly computed = Buffer.alloc(16);

  /** Writes the 16-byte tag of (`frame`, `authenticated`) into `out`. */
  tag(key: Buffer, counter: number, frame: Uint8Array, authenticated: Uint8Array, out: Uint8Array): void {
    writeCounter(this.nonce, 0, counter);
    sodium.crypto_stream_chacha20_ietf(this.oneTimeKey, this.nonce, key);
    sodium.crypto_onetimeauth_init(this.state, this.oneTimeKey);
    sodium.crypto_onetimeauth_update(this.state, frame);
    sodium.crypto_onetimeauth_update(this.state, authenticated);
    sodium.crypto_onetimeauth_final(this.state, out);
  }

  /** Whether `tag` is the tag of (`frame`, `authenticated`): compared in constant time. */
  verify(key: Buffer, counter: number, frame: Uint8Array, authenticated: Uint8Array, tag: Uint8Array): boolean {
    if (tag.byteLength !== 16) return false;
    this.tag(key, counter, frame, authenticated, this.computed);
    return sodium.sodium_memcmp(this.computed, tag);
  }
}

/** The 96-bit AES-GCM nonce of a counter: the counter (u64 LE) and 4 zero bytes. */
function nonceOf(counter: number): Buffer {
  const n = Buffer.alloc(12);
  writeCounter(n, 0, counter);
  return n;
}

function writeCounter(b: Buffer, offset: number, value: number): void {
  b.writeUInt32LE(value % 0x1_0000_0000, offset);
  b.writeUInt32LE(Math.floor(value / 0x1_0000_0000), offset + 4);
}

function readCounter(b: Uint8Array, offset: number): number {
  const low = (b[offset] | (b[offset + 1] << 8) | (b[offset + 2] << 16) | (b[offset + 3] << 24)) >>> 0;
  const high = (b[offset + 4] | (b[offset + 5] << 8) | (b[offset + 6] << 16) | (b[offset + 7] << 24)) >>> 0;
  return high * 0x1_0000_0000 + low;
}
