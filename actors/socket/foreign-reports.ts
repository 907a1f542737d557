/**
 * When a peer of an authenticated domain says it hears a peer of another domain (datagrams
 * sealed with another key, in the other mode, or not sealed): once per reason, and only on the
 * evidence of such a peer, the same reason and key id from one address twice, at least half an
 * advert interval apart (a peer advertises every `advertIntervalMs`).
 *
 * Before 6 December it was said once per (reason, key id): a host sending datagrams with made-up
 * key ids (one byte) raised up to 256 errors, 29-60 in 13 s in a user-style check. Before 7
 * December one bit-flipped copy of a real datagram said "sealed with a key this peer does not
 * hold" in a domain where every peer held the key (a hostile-process check).
 *
 * Pure: time passed in. Ownership: one per socket actor. Bounded: at most
 * {@link MAX_FOREIGN_SIGHTINGS} sightings remembered (then forgotten at once).
 */
import type { OpenFailure } from './domain-seal.js';

/** Sightings (reason, key id, address) remembered at most. */
export const MAX_FOREIGN_SIGHTINGS = 1024;

export class ForeignReports {
  private readonly said = new Set<OpenFailure>();
  /** When each (reason, key id, address) was first seen. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly advertIntervalMs: number) {}

  /** A datagram from `address` could not be opened for `reason`: whether to say so now. */
  sighted(reason: OpenFailure, keyId: number | undefined, address: string, nowMs: number): boolean {
    if (this.said.has(reason)) return false;
    const key = `${reason}|${keyId ?? ''}|${address}`;
    const firstMs = this.seen.get(key);
    if (firstMs === undefined) {
      if (this.seen.size >= MAX_FOREIGN_SIGHTINGS) this.seen.clear();
      this.seen.set(key, nowMs);
      return false;
    }
    if (nowMs - firstMs < this.advertIntervalMs / 2) return false;
    this.said.add(reason);
    return true;
  }
}
