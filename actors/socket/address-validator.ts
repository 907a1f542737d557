/**
 * Address validation of unicast destinations (QUIC's rule, RFC 9000 §8): unicast goes freely
 * only to an address proven to belong to the peer it is meant for; to any other address, at most
 * {@link AMPLIFICATION_FACTOR} times the bytes received on its account. So a hostile host that
 * names a third party's address (in an ADVERT, or as the sender of NAKs) can make this peer send
 * that third party at most 3 bytes per byte it sent itself, never a stream of DATA or RETRANSMIT.
 *
 * Pure: no clock, no I/O; the socket actor feeds it every datagram received and asks it before
 * every unicast send. Addresses are `host:port` strings, peers their `peerKey`.
 */

/** Bytes that may go to an address nobody proved, per byte received on its account (QUIC's 3). */
export const AMPLIFICATION_FACTOR = 3;

/**
 * The IPv4 and UDP headers of a datagram (20 + 8 bytes), counted with its payload on both sides
 * of the budget, so the bound holds on the wire: many small answers to one large datagram would
 * otherwise carry more header bytes than the factor allows (a check measured 3.02 wire bytes
 * sent per wire byte received when only payloads were counted).
 */
export const DATAGRAM_HEADER_BYTES = 28;

/** Most advertisers (source addresses) remembered per peer's claimed address. */
const MAX_ADVERTISERS = 4;

/** The bounds of an {@link AddressValidator}. */
export interface AddressValidatorOptions {
  /** Most addresses remembered (proof and budget); beyond it the oldest is forgotten. */
  readonly maxAddresses: number;
  /** Most peers whose claimed address is remembered; beyond it the oldest is forgotten. */
  readonly maxClaims: number;
}

/** What an {@link AddressValidator} counts (a live record: read it, do not write it). */
export interface AddressValidatorCounters {
  /** Sends to an address not proven for their peer, allowed within its budget. */
  unprovenSends: number;
  unprovenBytes: number;
  /** Sends refused: the address is not proven and its budget would be exceeded. */
  refusedSends: number;
  refusedBytes: number;
  /** Addresses forgotten to stay within `maxAddresses` (their proof and budget start again). */
  addressesEvicted: number;
  /** Claims forgotten to stay within `maxClaims`. */
  claimsEvicted: number;
}

interface AddressEntry {
  /** The peer whose unicast datagrams last came from this address: it is proven for that peer. */
  provenFor: string | undefined;
  /** Bytes received on this address's account, each datagram with its headers ({@link DATAGRAM_HEADER_BYTES}). */
  received: number;
  /** Bytes sent to it while it was not proven, each datagram with its headers. */
  sent: number;
}

/** Where a peer says its unicast listener is, and which source addresses said so. */
interface Claim {
  readonly address: string;
  readonly advertisers: string[];
}

/**
 * Proof and budget per address.
 *
 * - Proof: a datagram received by unicast from address A naming peer X proves A for X (the
 *   peer's own unicast socket is its listener, so its NAKs, ACKs and unicast adverts come from
 *   the address it advertises). Configured seed addresses are trusted ({@link trust}). A proof
 *   holds for one peer: an address proven for X is not proven for a forged Y that names it.
 * - Budget of an address A not proven for the destination peer: sends to A may total at most
 *   {@link AMPLIFICATION_FACTOR} times the bytes received on A's account (headers included on
 *   both sides: {@link DATAGRAM_HEADER_BYTES}), which are the
 *   datagrams received from A itself, plus the datagrams naming peer X that came from a source
 *   that advertised A as X's address ({@link onClaim}). The second part lets a subscriber ACK
 *   and NAK a publisher it has heard only by multicast (from its multicast socket, which also
 *   sent its adverts), and bounds what a forged advert buys: bytes sent to the address it names
 *   are at most 3 times what its sender sent, not 3 times the real peer's traffic.
 * - Bounded: at most `maxAddresses` addresses and `maxClaims` claims, the oldest forgotten first
 *   (a real peer proves its address again with its next unicast datagram).
 */
export class AddressValidator {
  readonly counters: AddressValidatorCounters = {
    unprovenSends: 0,
    unprovenBytes: 0,
    refusedSends: 0,
    refusedBytes: 0,
    addressesEvicted: 0,
    claimsEvicted: 0,
  };
  private readonly addresses = new Map<string, AddressEntry>();
  private readonly claims = new Map<string, Claim>();
  private readonly trusted = new Set<string>();

  constructor(private readonly options: AddressValidatorOptions) {}

  /** Addresses remembered. */
  get size(): number {
    return this.addresses.size;
  }

  /** `address` is trusted by configuration (a seed peer): always proven. */
  trust(address: string): void {
    this.trusted.add(address);
  }

  /**
   * A datagram of `bytes` naming `peer` came from `source` (by unicast when `viaUnicast`). Call
   * it for every datagram received whose header names a sender, after {@link onClaim} for an
   * ADVERT, so the advert's own bytes count for the address it names.
   */
  onReceived(source: string, peer: string, viaUnicast: boolean, bytes: number): void {
    const from = this.entry(source);
    const wire = bytes + DATAGRAM_HEADER_BYTES;
    from.received += wire;
    if (viaUnicast) from.provenFor = peer;
    const claim = this.claims.get(peer);
    if (claim !== undefined && claim.address !== source && claim.advertisers.includes(source)) {
      this.entry(claim.address).received += wire;
    }
  }

  /** An ADVERT from `source` says `peer` listens on `address`. */
  onClaim(source: string, peer: string, address: string): void {
    const claim = this.claims.get(peer);
    if (claim !== undefined && claim.address === address) {
      if (!claim.advertisers.includes(source)) {
        if (claim.advertisers.length >= MAX_ADVERTISERS) claim.advertisers.shift();
        claim.advertisers.push(source);
      }
      return;
    }
    if (claim === undefined && this.claims.size >= this.options.maxClaims) {
      const oldest = this.claims.keys().next().value as string;
      this.claims.delete(oldest);
      this.counters.claimsEvicted++;
    }
    // A new address (or a first claim): only its advertiser vouches for it.
    this.claims.delete(peer);
    this.claims.set(peer, { address, advertisers: [source] });
  }

  /** Whether `address` is proven for `peer` (for any peer when `peer` is undefined: a bare address). */
  isProven(address: string, peer: string | undefined): boolean {
    if (this.trusted.has(address)) return true;
    const e = this.addresses.get(address);
    if (e === undefined || e.provenFor === undefined) return false;
    return peer === undefined || e.provenFor === peer;
  }

  /**
   * May `bytes` go to `address`, not proven for the destination, now? When they may, they are
   * charged to its budget. Counts both answers.
   */
  spend(address: string, bytes: number): boolean {
    const e = this.addresses.get(address);
    if (e === undefined || e.sent + bytes + DATAGRAM_HEADER_BYTES > AMPLIFICATION_FACTOR * e.received) {
      this.counters.refusedSends++;
      this.counters.refusedBytes += bytes;
      return false;
    }
    e.sent += bytes + DATAGRAM_HEADER_BYTES;
    this.counters.unprovenSends++;
    this.counters.unprovenBytes += bytes;
    return true;
  }

  /** `bytes` to `address` for `peer`, proven or within budget (charged)? {@link isProven} then {@link spend}. */
  admit(address: string, peer: string | undefined, bytes: number): boolean {
    return this.isProven(address, peer) || this.spend(address, bytes);
  }

  /** `peer` left: forget its claim, and its proof of `address`. */
  forgetPeer(peer: string, address: string | undefined): void {
    this.claims.delete(peer);
    if (address === undefined) return;
    const e = this.addresses.get(address);
    if (e !== undefined && e.provenFor === peer) e.provenFor = undefined;
  }

  /** Forgets everything (the socket closed). */
  clear(): void {
    this.addresses.clear();
    this.claims.clear();
  }

  private entry(address: string): AddressEntry {
    let e = this.addresses.get(address);
    if (e === undefined) {
      if (this.addresses.size >= this.options.maxAddresses) {
        const oldest = this.addresses.keys().next().value as string;
        this.addresses.delete(oldest);
        this.counters.addressesEvicted++;
      }
      e = { provenFor: undefined, received: 0, sent: 0 };
      this.addresses.set(address, e);
    }
    return e;
  }
}

/** The key of an address in an {@link AddressValidator}. */
export function addressKey(host: string, port: number): string {
  return `${host}:${port}`;
}
