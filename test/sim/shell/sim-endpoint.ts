/**
 * The socket actor's {@link Endpoint} on the simulated network: what `UdpEndpoint` does with
 * `node:dgram`, done with {@link SimNetwork}.
 *
 * - `sendMulticast` goes to every other attached peer (the simulated network has one group,
 *   which every peer hears whatever it joined; joins and leaves are recorded, for the checks),
 *   and, as multicast loopback does on a real host, back to this peer at once, so the socket
 *   actor's own-frame drop is exercised.
 * - `sendUnicast` goes to the peer attached with that address (unknown address: counted lost).
 * - Received datagrams come with the sender's unicast address as their source.
 *
 * Bounds: a datagram larger than a UDP datagram can be (65507 bytes) is refused as the kernel
 * would (`sendErrors`); `largestSent` keeps the largest size sent, for the checks.
 */
import { flattenDatagram, type DatagramHandler, type Endpoint, type OutDatagram, type RemoteAddress, type UdpCounters, type Via } from '../../../actors/socket/udp-endpoint.js';
import type { EventQueue } from '../event-queue.js';
import type { SimNetwork } from '../sim-network.js';

/** The largest UDP payload over IPv4. */
const MAX_UDP_PAYLOAD = 65_507;

export class SimEndpoint implements Endpoint {
  readonly counters: UdpCounters = {
    datagramsSent: 0,
    bytesSent: 0,
    sendErrors: 0,
    datagramsReceived: 0,
    bytesReceived: 0,
    faultDropped: 0,
    faultDuplicated: 0,
    faultReordered: 0,
  };
  /** The largest datagram sent. */
  largestSent = 0;
  /** Every datagram sent, as its size (the replay test compares runs by it). */
  readonly sentSizes: number[] = [];
  /** Every datagram sent, as its frame type byte (the cost reports sort bytes by frame). */
  readonly sentTypes: number[] = [];
  readonly #groups = new Set<string>();
  #closed = false;

  constructor(
    private readonly name: string,
    readonly unicastAddress: RemoteAddress,
    private readonly network: SimNetwork,
    private readonly queue: EventQueue,
    private readonly now: () => number,
    private readonly handler: DatagramHandler,
  ) {
    network.attach(name, (bytes, from, via) => this.#receive(bytes, via, network.addressOf(from) ?? { host: from, port: 0 }), unicastAddress);
  }

  get joinedGroups(): readonly string[] {
    return [...this.#groups];
  }

  setErrorHandler(): void {
    // The simulated network raises no socket-level error.
  }

  async joinGroup(group: string): Promise<void> {
    if (!this.#closed) this.#groups.add(group);
  }

  leaveGroup(group: string): void {
    this.#groups.delete(group);
  }

  sendMulticast(_group: string, datagram: OutDatagram, onDone?: () => void): void {
    // A copy: the network delivers later, and the caller may reuse its memory after `onDone`.
    const bytes = flattenDatagram(datagram).slice();
    onDone?.();
    if (!this.#count(bytes)) return;
    this.network.multicast(this.name, bytes);
    const copy = bytes.slice();
    this.queue.push(this.now(), () => this.#receive(copy, 'multicast', this.unicastAddress));
  }

  sendUnicast(to: RemoteAddress, datagram: OutDatagram, onDone?: () => void): void {
    const bytes = flattenDatagram(datagram).slice();
    onDone?.();
    if (!this.#count(bytes)) return;
    this.network.unicastTo(this.name, to.host, to.port, bytes);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#groups.clear();
    this.network.detach(this.name);
  }

  #count(bytes: Uint8Array): boolean {
    if (this.#closed) return false;
    if (bytes.byteLength > MAX_UDP_PAYLOAD) {
      this.counters.sendErrors++;
      return false;
    }
    this.counters.datagramsSent++;
    this.counters.bytesSent += bytes.byteLength;
    this.largestSent = Math.max(this.largestSent, bytes.byteLength);
    this.sentSizes.push(bytes.byteLength);
    this.sentTypes.push(bytes.byteLength > 3 ? bytes[3] : 0);
    return true;
  }

  #receive(bytes: Uint8Array, via: Via, from: RemoteAddress): void {
    if (this.#closed) return;
    this.counters.datagramsReceived++;
    this.counters.bytesReceived += bytes.byteLength;
    this.handler(bytes, via, from);
  }
}
