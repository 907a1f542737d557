/**
 * Options of the socket actor: interface, group port, TTL, buffers, datagram size.
 */
import type { FrameKind } from '../../codecs/frame.js';
import { FRAME_TYPE } from '../../codecs/frames/header.js';
import { InvalidOptionError } from '../../errors.js';
import { checkBoolean, checkInteger, checkIpv4, checkNumber, checkOneOf, definedOnly, rejectUnknownKeys } from '../option-checks.js';

/** Test-only fault injection on received datagrams (seeded, so runs replay). */
export interface FaultOptions {
  /** Share of inbound datagrams dropped, 0..1. @default 0 */
  dropRate: number;
  /** Share of inbound datagrams delivered twice, 0..1. @default 0 */
  duplicateRate: number;
  /** Share of inbound datagrams held back and delivered after the next one, 0..1. @default 0 */
  reorderRate: number;
  /** PRNG seed. @default 1 */
  seed: number;
  /** Drop every datagram that arrives by multicast (a host where multicast does not reach, as in some containers and clouds). @default false */
  dropMulticast?: boolean;
  /**
   * Drop every received datagram of these frame kinds (its type byte), e.g. `['heartbeat']`: a
   * receiver that never hears a sender's heartbeats, to test what it learns from other frames.
   * @default []
   */
  dropFrameKinds?: readonly FrameKind[];
  /**
   * Share of the DATA datagrams this peer sends by multicast that are not sent (loss before the
   * fan-out: every receiver misses the same ones). Retransmissions are not dropped.
   * @default 0
   */
  dropMulticastDataOutRate?: number;
}

export interface SocketOptions {
  /** Interface address for multicast and the unicast listener. @default '127.0.0.1' */
  interface: string;
  /** UDP port of the multicast groups (and of the unicast listener when free). @default 47800 */
  port: number;
  /** Unicast listener port; 0 = the group port when free, else an ephemeral port. @default 0 */
  unicastPort: number;
  /** Multicast TTL; 1 keeps traffic on the local network segment. @default 1 */
  ttl: number;
  /** Deliver our own multicast to other peers on this host. @default true */
  loopback: boolean;
  /** Send and listen by multicast; false = unicast only (seed peers). @default true */
  multicast: boolean;
  /** Requested receive buffer (the kernel caps it at net.core.rmem_max). @default 8388608 */
  recvBufferBytes: number;
  /** Requested send buffer (capped at net.core.wmem_max). @default 8388608 */
  sendBufferBytes: number;
  /** Test-only inbound fault injection; undefined in production. @default undefined */
  fault?: FaultOptions;
}

export const DEFAULT_SOCKET_OPTIONS: Readonly<Required<Omit<SocketOptions, 'fault'>>> = Object.freeze({
  interface: '127.0.0.1',
  port: 47800,
  unicastPort: 0,
  ttl: 1,
  loopback: true,
  multicast: true,
  recvBufferBytes: 8 * 1024 * 1024,
  sendBufferBytes: 8 * 1024 * 1024,
});

const DEFAULT_FAULT: Readonly<Required<FaultOptions>> = Object.freeze({
  dropRate: 0,
  duplicateRate: 0,
  reorderRate: 0,
  seed: 1,
  dropMulticast: false,
  dropFrameKinds: [],
  dropMulticastDataOutRate: 0,
});

const FRAME_KINDS = Object.keys(FRAME_TYPE) as FrameKind[];

export function resolveSocketOptions(o: Partial<SocketOptions> = {}, path = 'options'): SocketOptions {
  rejectUnknownKeys(path, o, { ...DEFAULT_SOCKET_OPTIONS, fault: undefined });
  const m = { ...DEFAULT_SOCKET_OPTIONS, ...definedOnly(o) };
  const resolved: SocketOptions = {
    interface: checkIpv4(`${path}.interface`, m.interface),
    port: checkInteger(`${path}.port`, m.port, 1, 65535),
    unicastPort: checkInteger(`${path}.unicastPort`, m.unicastPort, 0, 65535),
    ttl: checkInteger(`${path}.ttl`, m.ttl, 0, 255),
    loopback: checkBoolean(`${path}.loopback`, m.loopback),
    multicast: checkBoolean(`${path}.multicast`, m.multicast),
    recvBufferBytes: checkInteger(`${path}.recvBufferBytes`, m.recvBufferBytes, 4096, 1 << 30),
    sendBufferBytes: checkInteger(`${path}.sendBufferBytes`, m.sendBufferBytes, 4096, 1 << 30),
  };
  if (o.fault !== undefined) {
    if (typeof o.fault !== 'object' || o.fault === null) throw new InvalidOptionError(`${path}.fault must be an object`);
    rejectUnknownKeys(`${path}.fault`, o.fault, DEFAULT_FAULT);
    const f = { ...DEFAULT_FAULT, ...definedOnly(o.fault) };
    resolved.fault = {
      dropRate: checkNumber(`${path}.fault.dropRate`, f.dropRate, 0, 1),
      duplicateRate: checkNumber(`${path}.fault.duplicateRate`, f.duplicateRate, 0, 1),
      reorderRate: checkNumber(`${path}.fault.reorderRate`, f.reorderRate, 0, 1),
      seed: checkInteger(`${path}.fault.seed`, f.seed, 0, 0xffffffff),
      dropMulticast: checkBoolean(`${path}.fault.dropMulticast`, f.dropMulticast),
      dropFrameKinds: checkFrameKinds(`${path}.fault.dropFrameKinds`, f.dropFrameKinds),
      dropMulticastDataOutRate: checkNumber(`${path}.fault.dropMulticastDataOutRate`, f.dropMulticastDataOutRate, 0, 1),
    };
  }
  return resolved;
}

function checkFrameKinds(path: string, value: unknown): readonly FrameKind[] {
  if (!Array.isArray(value)) throw new InvalidOptionError(`${path} must be an array of frame kinds (${FRAME_KINDS.join(', ')})`);
  return Object.freeze(value.map((k, i) => checkOneOf(`${path}[${i}]`, k, FRAME_KINDS)));
}
