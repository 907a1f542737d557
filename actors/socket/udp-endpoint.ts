/**
 * The only code that touches `node:dgram`: the multicast sockets (one per joined group, all
 * on the group port, shared with other peers on the host through SO_REUSEADDR) and the
 * peer's unicast socket. It reads and writes bytes; it never decodes a frame.
 */
import dgram from 'node:dgram';
import type { Rng } from '../core.js';
import { createRng } from '../core.js';
import { InvalidOptionError } from '../../errors.js';
import { frameKindOf, TYPE_OFFSET } from '../../codecs/frames/header.js';
import type { SocketOptions, FaultOptions } from './options.js';
import { raiseAllocatorThresholds } from './allocator-thresholds.js';

/** Which socket a datagram came in on. */
export type Via = 'multicast' | 'unicast';

/** Where a datagram came from. */
export interface RemoteAddress {
  readonly host: string;
  readonly port: number;
}

export type DatagramHandler = (bytes: Uint8Array, via: Via, from: RemoteAddress) => void;

/** One datagram to send: its bytes, or the parts that make it up in order (sent as one datagram). */
export type OutDatagram = Uint8Array | readonly Uint8Array[];

/** An {@link OutDatagram} as one byte array (a copy when it is in parts). */
export function flattenDatagram(d: OutDatagram): Uint8Array {
  if (d instanceof Uint8Array) return d;
  const out = new Uint8Array(outDatagramBytes(d));
  let o = 0;
  for (const part of d) {
    out.set(part, o);
    o += part.byteLength;
  }
  return out;
}

/** Bytes of an {@link OutDatagram}. */
export function outDatagramBytes(d: OutDatagram): number {
  if (d instanceof Uint8Array) return d.byteLength;
  let n = 0;
  for (const part of d) n += part.byteLength;
  return n;
}

/** Counters of the socket layer (exposed through `(await peer.stats()).actors.socket`). */
export interface UdpCounters {
  datagramsSent: number;
  bytesSent: number;
  sendErrors: number;
  datagramsReceived: number;
  bytesReceived: number;
  faultDropped: number;
  faultDuplicated: number;
  faultReordered: number;
}

/**
 * What the socket actor needs of its network end: {@link UdpEndpoint} on real sockets, or the
 * simulator's endpoint on a simulated network (`test/sim/shell/sim-endpoint.ts`).
 */
export interface Endpoint {
  readonly counters: UdpCounters;
  /** The address other peers reach this peer's unicast listener on. */
  readonly unicastAddress: RemoteAddress;
  readonly joinedGroups: readonly string[];
  /** Where socket-level errors (not per-datagram ones) go. */
  setErrorHandler(onError: (err: Error) => void): void;
  /** Joins a multicast group (idempotent). */
  joinGroup(group: string): Promise<void>;
  /** Leaves a multicast group (idempotent). */
  leaveGroup(group: string): void;
  /**
   * Sends `bytes` to the group. The endpoint may read `bytes` until it calls `onDone` (once:
   * sent, failed, or not sent at all), never after: the caller may then reuse the memory.
   */
  sendMulticast(group: string, bytes: OutDatagram, onDone?: () => void): void;
  /** Sends `bytes` to one address; `onDone` as for {@link sendMulticast}. */
  sendUnicast(to: RemoteAddress, bytes: OutDatagram, onDone?: () => void): void;
  /** Releases everything; no datagram is handed to the handler once it resolves. */
  close(): Promise<void>;
}

/** Opens an {@link Endpoint} as `options` say; every datagram received goes to `handler`. */
export type OpenEndpoint = (options: SocketOptions, handler: DatagramHandler) => Promise<Endpoint>;

export class UdpEndpoint implements Endpoint {
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
  private readonly groupSockets = new Map<string, dgram.Socket>();
  private sender!: dgram.Socket;
  private unicast!: dgram.Socket;
  private unicastPort = 0;
  private closed = false;
  private readonly fault: InboundFault | undefined;
  /** Test-only: whether to drop an outbound multicast datagram (`fault.dropMulticastDataOutRate`). */
  private readonly outDrop: ((bytes: OutDatagram) => boolean) | undefined;
  private onError: (err: Error) => void = () => {};

  private constructor(
    private readonly options: SocketOptions,
    private readonly handler: DatagramHandler,
  ) {
    this.fault = options.fault ? new InboundFault(options.fault, this.counters, handler) : undefined;
    const outRate = options.fault?.dropMulticastDataOutRate ?? 0;
    if (outRate > 0) {
      const rng = createRng(((options.fault?.seed ?? 1) + 1) >>> 0);
      this.outDrop = (bytes) => {
        const first = bytes instanceof Uint8Array ? bytes : bytes[0];
        return first.length > TYPE_OFFSET && frameKindOf(first[TYPE_OFFSET]) === 'data' && rng() < outRate;
      };
    }
  }

  /** Binds the unicast socket and the multicast send socket; groups are joined later. */
  static async open(options: SocketOptions, handler: DatagramHandler): Promise<UdpEndpoint> {
    const ep = new UdpEndpoint(options, handler);
    try {
      await ep.openSockets();
    } catch (err) {
      // Nothing may stay bound when opening fails: the caller never gets the endpoint.
      await ep.close();
      throw err;
    }
    return ep;
  }

  /** Where the application's errors (socket-level, not per-datagram) go. */
  setErrorHandler(onError: (err: Error) => void): void {
    this.onError = onError;
  }

  /** The address other peers reach this peer's unicast listener on. */
  get unicastAddress(): RemoteAddress {
    return { host: this.options.interface, port: this.unicastPort };
  }

  get joinedGroups(): readonly string[] {
    return [...this.groupSockets.keys()];
  }

  /** Joins a multicast group on the configured interface (idempotent). */
  async joinGroup(group: string): Promise<void> {
    if (this.closed || this.groupSockets.has(group) || !this.options.multicast) return;
    const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    sock.on('message', (msg, rinfo) => this.receive(msg, 'multicast', rinfo));
    try {
      // Binding to the group address (not 0.0.0.0) keeps unicast traffic to the group port
      // and other groups' traffic out of this socket.
      await bindSocket(sock, this.options.port, group);
      sock.addMembership(group, this.options.interface);
    } catch (err) {
      sock.close();
      throw err;
    }
    // Attached only once bound, so a failed join is reported once (by the rejection above).
    sock.on('error', (err) => this.onError(err));
    trySetBuffer(() => sock.setRecvBufferSize(this.options.recvBufferBytes));
    this.groupSockets.set(group, sock);
  }

  /** Leaves a multicast group (idempotent). */
  leaveGroup(group: string): void {
    const sock = this.groupSockets.get(group);
    if (!sock) return;
    this.groupSockets.delete(group);
    try {
      sock.dropMembership(group, this.options.interface);
    } catch {
      // Already gone with the interface: nothing left to undo.
    }
    sock.close();
  }

  sendMulticast(group: string, bytes: OutDatagram, onDone?: () => void): void {
    if (this.outDrop !== undefined && this.outDrop(bytes)) {
      this.counters.faultDropped++;
      onDone?.();
      return;
    }
    this.send(this.sender, bytes, this.options.port, group, onDone);
  }

  sendUnicast(to: RemoteAddress, bytes: OutDatagram, onDone?: () => void): void {
    this.send(this.unicast, bytes, to.port, to.host, onDone);
  }

  /** Closes every socket; returns when all have closed (no handle left open). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fault?.close();
    const all = [this.sender, this.unicast, ...this.groupSockets.values()].filter((s) => s !== undefined);
    this.groupSockets.clear();
    await Promise.all(all.map((s) => new Promise<void>((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        resolve();
      }
    })));
  }

  private send(sock: dgram.Socket, bytes: OutDatagram, port: number, host: string, onDone: (() => void) | undefined): void {
    if (this.closed) {
      onDone?.();
      return;
    }
    this.counters.datagramsSent++;
    this.counters.bytesSent += outDatagramBytes(bytes);
    // Node keeps `bytes` until this callback (libuv may queue the send): only then is it done.
    sock.send(bytes as Uint8Array, port, host, (err) => {
      if (err) this.counters.sendErrors++;
      onDone?.();
    });
  }

  private receive(msg: Buffer, via: Via, rinfo: dgram.RemoteInfo): void {
    this.counters.datagramsReceived++;
    this.counters.bytesReceived += msg.byteLength;
    const from = { host: rinfo.address, port: rinfo.port };
    if (this.fault) this.fault.offer(msg, via, from);
    else this.handler(msg, via, from);
  }

  private async openSockets(): Promise<void> {
    const o = this.options;
    raiseAllocatorThresholds();
    this.unicast = dgram.createSocket({ type: 'udp4' });
    this.unicast.on('error', (err) => this.onError(err));
    this.unicast.on('message', (msg, rinfo) => this.receive(msg, 'unicast', rinfo));
    this.unicastPort = await bindUnicast(this.unicast, o.interface, o.unicastPort, o.port);
    trySetBuffer(() => this.unicast.setRecvBufferSize(o.recvBufferBytes));
    trySetBuffer(() => this.unicast.setSendBufferSize(o.sendBufferBytes));

    // Multicast goes out of its own socket so the interface and TTL are set once and
    // explicitly: never through whatever interface the default route names. Not shared
    // (no SO_REUSEADDR): receivers take its address as this peer's (a BYE counts from there),
    // and with the option any local process could bind it too and send from it.
    this.sender = dgram.createSocket({ type: 'udp4' });
    this.sender.on('error', (err) => this.onError(err));
    await bindSocket(this.sender, 0, o.interface);
    this.sender.setMulticastInterface(o.interface);
    this.sender.setMulticastTTL(o.ttl);
    this.sender.setMulticastLoopback(o.loopback);
    trySetBuffer(() => this.sender.setSendBufferSize(o.sendBufferBytes));
  }
}

function bindSocket(sock: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    sock.once('error', onError);
    sock.bind(port, address, () => {
      sock.off('error', onError);
      resolve();
    });
  });
}

/**
 * Binds the unicast listener: the explicit port when one is given, else the group port when
 * it is free on the interface, else an ephemeral port (which the peer then advertises).
 */
async function bindUnicast(sock: dgram.Socket, iface: string, explicitPort: number, groupPort: number): Promise<number> {
  if (explicitPort > 0) {
    try {
      await bindSocket(sock, explicitPort, iface);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') throw notLocal(iface, err);
      throw new InvalidOptionError(`options.unicastPort ${explicitPort} cannot be bound on ${iface}: ${(err as Error).message}`, { cause: err });
    }
    return sock.address().port;
  }
  try {
    await bindSocket(sock, groupPort, iface);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') throw notLocal(iface, err);
    // Another peer on this host holds the group port for its unicast listener.
    try {
      await bindSocket(sock, 0, iface);
    } catch (err2) {
      if ((err2 as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') throw notLocal(iface, err2);
      throw err2;
    }
  }
  return sock.address().port;
}

function notLocal(iface: string, cause: unknown): InvalidOptionError {
  return new InvalidOptionError(`options.interface ${iface} is not an address of this host`, { cause });
}

function trySetBuffer(set: () => void): void {
  try {
    set();
  } catch {
    // The kernel refused the size (e.g. above rmem_max without privileges): keep its default.
  }
}

/**
 * Test-only inbound fault injection: drops, duplicates and reorders received datagrams with
 * a seeded PRNG, so end-to-end tests can prove recovery on real sockets; drops every datagram
 * by multicast (`dropMulticast`) or of chosen frame kinds (`dropFrameKinds`).
 */
class InboundFault {
  private readonly rng: Rng;
  private held: { bytes: Uint8Array; via: Via; from: RemoteAddress } | undefined;
  private heldTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fault: FaultOptions,
    private readonly counters: UdpCounters,
    private readonly handler: DatagramHandler,
  ) {
    this.rng = createRng(fault.seed);
  }

  offer(bytes: Uint8Array, via: Via, from: RemoteAddress): void {
    if ((this.fault.dropMulticast === true && via === 'multicast') || this.dropsKind(bytes) || this.rng() < this.fault.dropRate) {
      this.counters.faultDropped++;
      return;
    }
    if (this.rng() < this.fault.duplicateRate) {
      this.counters.faultDuplicated++;
      // A copy, as the network would deliver it: the handler may change its buffer (decryption in place).
      this.handler(bytes.slice(), via, from);
    }
    if (!this.held && this.rng() < this.fault.reorderRate) {
      this.counters.faultReordered++;
      this.held = { bytes, via, from };
      // Released after the next datagram, or after a few ms when traffic stops.
      this.heldTimer = setTimeout(() => this.release(), 5);
      return;
    }
    this.handler(bytes, via, from);
    this.release();
  }

  /** `dropFrameKinds` looks at the type byte only: the frame is decoded by its owner, if kept. */
  private dropsKind(bytes: Uint8Array): boolean {
    const kinds = this.fault.dropFrameKinds;
    if (kinds === undefined || kinds.length === 0 || bytes.length <= TYPE_OFFSET) return false;
    const kind = frameKindOf(bytes[TYPE_OFFSET]);
    return kind !== undefined && kinds.includes(kind);
  }

  close(): void {
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.held = undefined;
  }

  private release(): void {
    const h = this.held;
    if (!h) return;
    this.held = undefined;
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = undefined;
    this.handler(h.bytes, h.via, h.from);
  }
}
