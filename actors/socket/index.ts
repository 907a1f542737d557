/**
 * The socket folder: the only code that touches the network.
 *
 * What it owns: one {@link UdpEndpoint} per peer (the unicast listener, the multicast send socket
 * and one socket per joined group), owned by the socket actor (`socket-actor.ts`, name `socket`,
 * loaded by the runtime as a module of its own): opened in its `start`, closed in its `stop`, never
 * touched from another thread. The actor also owns the DATA batch builder (one per peer, reused)
 * and the address book PeerId → unicast address, which only the receivers actor updates.
 *
 * Messages ({@link SocketInbox}): `dataOut` (messages packed into DATA datagrams up to
 * `maxDatagramBytes`, sent to every destination), `frameOut` (one control frame), `groupsWanted`
 * (the full set of groups: joins and leaves follow, one at a time), `peerAddress`. It emits
 * `localAddress` to `receivers` once bound, raw {@link DatagramIn}s to the owner of each frame type
 * (DATA, HEARTBEAT → `receiver`; NAK, ACK, RETRANSMIT → `retransmit`; ADVERT, BYE → `receivers`),
 * `heard` to `receivers` (at most once per {@link HEARD_INTERVAL_MS} per peer, path and source address), and
 * `error` events for socket-level failures.
 *
 * Invariants:
 * - Only the common header of a received datagram is checked here; the owner decodes the body.
 *   Malformed datagrams, our own looped-back frames and datagrams an owner cannot take are counted
 *   per reason and dropped: nothing received ever throws.
 * - No group send while multicast is off; no send to a peer without a known address (both counted).
 * - Unicast goes freely only to an address proven for its peer ({@link AddressValidator}: a
 *   unicast datagram naming that peer came from it, or it is a configured seed); to any other
 *   address at most 3 bytes per byte received on its account, headers included (QUIC's
 *   anti-amplification rule),
 *   the rest dropped and counted (`unicastGuard`).
 * - After `stop` resolves no socket is left open, even with a group join in flight.
 * - Bounded: the address book holds the listed peers only; the `heard` throttle at most 4096 pairs;
 *   the address validator at most 4096 addresses and 4096 claimed addresses.
 *
 * @packageDocumentation
 */
export { DEFAULT_SOCKET_OPTIONS, resolveSocketOptions } from './options.js';
export { AddressValidator, addressKey, AMPLIFICATION_FACTOR } from './address-validator.js';
export type { AddressValidatorCounters, AddressValidatorOptions } from './address-validator.js';
export { HEARD_INTERVAL_MS } from './socket-actor.js';
export { UdpEndpoint } from './udp-endpoint.js';

export type { DatagramIn, Destination, SocketInbox } from './messages.js';
export type { FaultOptions, SocketOptions } from './options.js';
export type { InboundDrops, SocketActorCounters } from './socket-actor.js';
export type { DatagramHandler, Endpoint, OpenEndpoint, RemoteAddress, UdpCounters, Via } from './udp-endpoint.js';
