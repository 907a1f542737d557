/**
 * The `security` option of `createPeer`: the domain key(s) and mode, resolved and checked. A key
 * is never echoed in an error message.
 */
import { randomBytes } from 'node:crypto';
import { InvalidOptionError } from '../../errors.js';
import { checkBoolean, checkInteger, rejectUnknownKeys } from '../option-checks.js';
import type { ResolvedSecurity } from './domain-seal.js';

/** Bytes of a domain key. */
export const DOMAIN_KEY_BYTES = 32;

/**
 * An authenticated domain: only peers holding the same key hear each other. See docs/SECURITY.md.
 */
export interface SecurityOptions {
  /** The domain key: 32 bytes, as a `Uint8Array` or a base64 string (`ledgecast keygen` writes one). */
  key: Uint8Array | string;
  /**
   * A second key accepted on receipt while keys rotate (this peer still seals with `key`).
   * Rotation: every peer gets `{ key: old, nextKey: new }`, then `{ key: new, nextKey: old }`,
   * then `{ key: new }`. @default undefined
   */
  nextKey?: Uint8Array | string;
  /** Encrypt datagram bodies (AES-256-GCM) instead of authenticating them only (HMAC-SHA256). All peers of a domain must agree. @default false */
  encrypt?: boolean;
  /**
   * A datagram sent longer ago than this, by the receiver's clock, is refused as a replay: hosts'
   * clocks must agree within it. @default 120000
   */
  maxClockSkewMs?: number;
}

const DEFAULTS = { encrypt: false, maxClockSkewMs: 120_000 };

/** Resolves `options.security`; undefined when absent. */
export function resolveSecurityOptions(value: unknown, path = 'options.security'): ResolvedSecurity | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidOptionError(`${path} must be an object { key, nextKey?, encrypt? }`);
  rejectUnknownKeys(path, value as Record<string, unknown>, { key: 0, nextKey: 0, encrypt: 0, maxClockSkewMs: 0 });
  const o = value as Partial<SecurityOptions>;
  const key = parseDomainKey(o.key, `${path}.key`);
  const nextKey = o.nextKey === undefined ? undefined : parseDomainKey(o.nextKey, `${path}.nextKey`);
  return {
    key,
    ...(nextKey !== undefined ? { nextKey } : {}),
    encrypt: checkBoolean(`${path}.encrypt`, o.encrypt ?? DEFAULTS.encrypt),
    maxClockSkewMs: checkInteger(`${path}.maxClockSkewMs`, o.maxClockSkewMs ?? DEFAULTS.maxClockSkewMs, 1000, 24 * 3_600_000),
  };
}

/** A 32-byte key from bytes or base64 (standard or URL alphabet, padding optional). */
export function parseDomainKey(value: unknown, path: string): Uint8Array {
  let bytes: Uint8Array | undefined;
  if (value instanceof Uint8Array) bytes = new Uint8Array(value);
  else if (typeof value === 'string' && /^[A-Za-z0-9+/_-]+={0,2}$/.test(value.trim())) bytes = new Uint8Array(Buffer.from(value.trim(), 'base64'));
  if (bytes === undefined) throw new InvalidOptionError(`${path} must be ${DOMAIN_KEY_BYTES} bytes, as a Uint8Array or a base64 string`);
  if (bytes.byteLength !== DOMAIN_KEY_BYTES) {
    throw new InvalidOptionError(`${path} must be ${DOMAIN_KEY_BYTES} bytes; it is ${bytes.byteLength} (generate one with \`ledgecast keygen PATH\`)`);
  }
  if (bytes.every((b) => b === bytes![0])) throw new InvalidOptionError(`${path} is ${DOMAIN_KEY_BYTES} equal bytes: not a key (generate one with \`ledgecast keygen PATH\`)`);
  return bytes;
}

/** A new random domain key, as base64 (what `security.key` and `ledgecast keygen` use). */
export function generateDomainKey(): string {
  return randomBytes(DOMAIN_KEY_BYTES).toString('base64');
}
