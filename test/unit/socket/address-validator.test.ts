import { describe, expect, it } from 'vitest';
import { AddressValidator, AMPLIFICATION_FACTOR, addressKey, DATAGRAM_HEADER_BYTES } from '../../../actors/socket/address-validator.js';

/** A datagram's size on the wire: its payload and its IPv4 and UDP headers. */
const wire = (payload: number): number => payload + DATAGRAM_HEADER_BYTES;

const PUB = addressKey('10.0.0.1', 5000); // a publisher's unicast listener
const PUB_MCAST = addressKey('10.0.0.1', 41234); // its multicast send socket
const VICTIM = addressKey('10.0.0.9', 53);
const ATTACKER = addressKey('10.0.0.66', 40000);

function validator(maxAddresses = 16, maxClaims = 16): AddressValidator {
  return new AddressValidator({ maxAddresses, maxClaims });
}

describe('AddressValidator', () => {
  it('refuses every byte to an address nothing was received from or for', () => {
    const v = validator();
    expect(v.isProven(VICTIM, 'y#1')).toBe(false);
    expect(v.admit(VICTIM, 'y#1', 1)).toBe(false);
    expect(v.admit(VICTIM, undefined, 1)).toBe(false);
    expect(v.counters).toMatchObject({ refusedSends: 2, refusedBytes: 2, unprovenSends: 0 });
  });

  it('proves an address for the peer whose unicast datagram came from it, and only for that peer', () => {
    const v = validator();
    v.onReceived(PUB, 'pub#1', true, 60);
    expect(v.isProven(PUB, 'pub#1')).toBe(true);
    expect(v.isProven(PUB, undefined)).toBe(true);
    // A forged peer naming the publisher's address gets no proof from the publisher's datagrams.
    expect(v.isProven(PUB, 'forged#1')).toBe(false);
    // Multicast datagrams come from another socket: they prove nothing.
    v.onReceived(PUB_MCAST, 'pub#1', false, 60);
    expect(v.isProven(PUB_MCAST, 'pub#1')).toBe(false);
  });

  it('lets an unproven address receive at most 3 times what was received from it, on the wire', () => {
    const v = validator();
    v.onReceived(VICTIM, 'y#1', false, 100);
    let sent = 0;
    while (v.admit(VICTIM, 'z#1', 7)) sent += 7;
    const sentOnWire = (sent / 7) * wire(7);
    expect(sentOnWire).toBeLessThanOrEqual(AMPLIFICATION_FACTOR * wire(100));
    expect(sentOnWire).toBeGreaterThan(AMPLIFICATION_FACTOR * wire(100) - wire(7));
    expect(v.counters).toMatchObject({ unprovenBytes: sent, refusedSends: 1, refusedBytes: 7 });
  });

  it('counts the headers of each datagram: many small answers to one datagram stay within 3 times its bytes on the wire', () => {
    const w = validator();
    w.onReceived(VICTIM, 'y#1', false, 1400);
    let sends = 0;
    while (w.admit(VICTIM, 'z#1', 20)) sends++;
    // 3 x 1,428 wire bytes = 4,284 = 89 datagrams of 48 wire bytes (payload alone: 210 of 20).
    expect(sends).toBe(Math.floor((AMPLIFICATION_FACTOR * wire(1400)) / wire(20)));
  });

  it('credits the address a peer advertised with what came from that advert’s source, so a multicast-only publisher can be ACKed', () => {
    const v = validator();
    // The publisher's advert and its DATA come from its multicast socket; its listener never spoke.
    v.onClaim(PUB_MCAST, 'pub#1', PUB);
    v.onReceived(PUB_MCAST, 'pub#1', false, 80);
    v.onReceived(PUB_MCAST, 'pub#1', false, 1400);
    expect(v.isProven(PUB, 'pub#1')).toBe(false);
    expect(v.admit(PUB, 'pub#1', 3 * (wire(80) + wire(1400)) - DATAGRAM_HEADER_BYTES)).toBe(true);
    expect(v.admit(PUB, 'pub#1', 1)).toBe(false);
  });

  it('bounds what a forged advert naming a third party buys to 3 times the forger’s own bytes', () => {
    const v = validator();
    // The real publisher advertises and sends; then a forger says it listens at the victim.
    v.onClaim(PUB_MCAST, 'pub#1', PUB);
    v.onReceived(PUB_MCAST, 'pub#1', false, 80);
    v.onClaim(ATTACKER, 'pub#1', VICTIM);
    v.onReceived(ATTACKER, 'pub#1', false, 60);
    // The real publisher's traffic (from a source that did not advertise the victim) credits nothing.
    for (let i = 0; i < 1000; i++) v.onReceived(PUB_MCAST, 'pub#1', false, 1400);
    let sent = 0;
    while (v.admit(VICTIM, 'pub#1', 10)) sent += wire(10);
    expect(sent).toBeLessThanOrEqual(3 * wire(60));
    // The forger's NAKs in a fake peer's name credit the address that fake peer advertised, 3 to 1.
    v.onClaim(ATTACKER, 'fake#1', VICTIM);
    v.onReceived(ATTACKER, 'fake#1', false, 60);
    v.onReceived(ATTACKER, 'fake#1', true, 40);
    let more = 0;
    while (v.admit(VICTIM, 'fake#1', 10)) more += wire(10);
    expect(more).toBeGreaterThan(0);
    expect(sent + more).toBeLessThanOrEqual(3 * (wire(60) + wire(60) + wire(40)));
  });

  it('keeps a few advertisers of one address and starts again when the address changes', () => {
    const v = validator();
    const other = addressKey('10.0.0.1', 41235);
    v.onClaim(PUB_MCAST, 'pub#1', PUB);
    v.onClaim(PUB, 'pub#1', PUB); // its unicast adverts, from its listener
    v.onClaim(other, 'pub#1', PUB);
    v.onReceived(other, 'pub#1', false, 10);
    expect(v.admit(PUB, 'pub#1', 3 * wire(10) - DATAGRAM_HEADER_BYTES)).toBe(true);
    v.onClaim(ATTACKER, 'pub#1', VICTIM);
    v.onReceived(other, 'pub#1', false, 10);
    v.onReceived(PUB_MCAST, 'pub#1', false, 10);
    expect(v.admit(PUB, 'pub#1', 1)).toBe(false);
  });

  it('trusts configured seeds', () => {
    const v = validator();
    v.trust(VICTIM);
    expect(v.isProven(VICTIM, undefined)).toBe(true);
    expect(v.admit(VICTIM, 'anyone#1', 10_000)).toBe(true);
    expect(v.counters.unprovenSends).toBe(0);
  });

  it('forgets a departed peer’s proof and claim', () => {
    const v = validator();
    v.onReceived(PUB, 'pub#1', true, 60);
    v.onClaim(PUB_MCAST, 'pub#1', PUB);
    v.forgetPeer('pub#1', PUB);
    expect(v.isProven(PUB, 'pub#1')).toBe(false);
    // Its budget remains what was received from the address itself: 3 x 60 and the headers.
    expect(v.admit(PUB, 'pub#1', 3 * wire(60) - DATAGRAM_HEADER_BYTES)).toBe(true);
    v.onReceived(PUB_MCAST, 'pub#1', false, 1000);
    expect(v.admit(PUB, 'pub#1', 1)).toBe(false);
  });

  it('stays within its bounds under a flood of sources and names, and a real peer proves itself again', () => {
    const v = validator(8, 8);
    v.onReceived(PUB, 'pub#1', true, 60);
    for (let i = 0; i < 1000; i++) {
      const src = addressKey('10.0.0.66', 10_000 + i);
      v.onClaim(src, `fake${i}#1`, VICTIM);
      v.onReceived(src, `fake${i}#1`, true, 20);
    }
    expect(v.size).toBeLessThanOrEqual(8);
    expect(v.counters.addressesEvicted).toBeGreaterThan(0);
    expect(v.counters.claimsEvicted).toBeGreaterThan(0);
    expect(v.isProven(PUB, 'pub#1')).toBe(false);
    v.onReceived(PUB, 'pub#1', true, 60);
    expect(v.isProven(PUB, 'pub#1')).toBe(true);
  });
});
