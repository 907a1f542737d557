/**
 * Checks the {@link ReceiverList} (receiver-list.ts) makes of what an ADVERT carries: a peer id,
 * an IPv4 listener address and port, and whether its pattern set is whole.
 */
import type { AdvertFrame, PeerId } from '../../codecs/frame.js';
import { patternSetDigest } from '../../codecs/frames/advert.js';

/** A dotted-quad IPv4 address, each part 0-255 without leading zeros. */
export const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A peer id as the wire allows it: a non-empty name and a u32 incarnation. */
export function isPeerId(p: PeerId): boolean {
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.name === 'string' &&
    p.name.length > 0 &&
    Number.isInteger(p.incarnation) &&
    p.incarnation >= 0 &&
    p.incarnation <= 0xffffffff
  );
}

/** A UDP port other than 0. */
export function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** A frozen copy of `p` (entries and sink calls never share the caller's object). */
export function copyPeer(p: PeerId): PeerId {
  return Object.freeze({ name: p.name, incarnation: p.incarnation });
}

/**
 * Whether an advert carries its sender's whole pattern set: unversioned, or versioned with every
 * pattern of the set inline and the digest matching.
 */
export function isWholeSet(advert: AdvertFrame): boolean {
  const version = advert.setVersion ?? 0;
  if (version === 0) return true;
  if ((advert.fromIndex ?? 0) !== 0 || advert.patterns.length !== advert.setSize) return false;
  return patternSetDigest(advert.patterns) === advert.setDigest;
}

