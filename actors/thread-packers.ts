/**
 * How the data path's messages cross threads: each in a byte layout of its own, written straight
 * into the ring (`runtime/payload-packers.ts`), not msgpack-encoded. Registered when this module
 * loads; every module that sends or receives one of these messages imports it, so each thread
 * that encodes or decodes them has them.
 *
 * | kind              | id | from → to              | layout (little-endian)                                                      |
 * |-------------------|----|------------------------|-----------------------------------------------------------------------------|
 * | `datagramsOut`    | 2  | sender → socket        | u8 destinations, each destination; u32 datagrams, u32 length each; bytes    |
 * | `datagramIn`      | 3  | socket → owner actors  | u8 via (0 multicast, 1 unicast), u16 port, string host; the datagram        |
 * | `publishedPacked` | 4  | application → sender   | f64 batchId, u8 echo (0 absent, 1 false, 2 true); the packed batch          |
 * | `deliveredPacked` | 5  | receiver → application | the packed batch                                                            |
 *
 * A destination: u8 tag (0 group, 1 peer, 2 address), then the group (string); the peer's name
 * (string) and incarnation (f64); or the host (string) and port (u16). A string is a u16 length
 * and UTF-8 (`codecs/wire-primitives.ts`). Reading copies the bytes once into an array of their own (a message's datagrams are
 * views of one such array). Writing a `datagramsOut` calls its `onCopied`, if any, once the bytes
 * are in the ring.
 *
 * @packageDocumentation
 */
import { readUtf8, utf8Length, writeUtf8 } from '../codecs/wire-primitives.js';
import { getF64, getU32, putF64, putU32, registerPayloadPacker, type PayloadPacker } from '../runtime/payload-packers.js';
import type { AppEvent } from './app/events.js';
import { writeDelivered, type PreparedDelivered } from './receiver/delivered-batch.js';
import { writePublishItems, type PreparedPublish } from './sender/publish-batch.js';
import type { SenderInbox } from './sender/messages.js';
import type { DatagramIn, Destination, SocketInbox } from './socket/messages.js';

type DatagramsOut = Extract<SocketInbox, { kind: 'datagramsOut' }>;
type PublishedPacked = Extract<SenderInbox, { kind: 'publishedPacked' }>;
type DeliveredPacked = Extract<AppEvent, { kind: 'deliveredPacked' }>;

/** What the application thread sends a sender on a worker: a publish batch measured for packing, packed into the ring by {@link PUBLISHED_PACKED_PACKER}. */
export type PublishedToPack = {
  readonly kind: 'publishedPacked';
  readonly batchId: number;
  readonly batch: PreparedPublish;
  readonly echo?: boolean;
};

/** What a receiver on a worker emits: deliveries measured for packing, packed into the ring by {@link DELIVERED_PACKED_PACKER}. */
export type DeliveredToPack = {
  readonly kind: 'deliveredPacked';
  readonly batch: PreparedDelivered;
};

/** Bytes {@link putString} takes for `s`: a u16 length, then UTF-8. Throws a RangeError past 65,535 bytes or on a lone surrogate. */
function stringSize(s: string): number {
  const n = utf8Length(s);
  if (n < 0 || n > 0xffff) throw new RangeError(`a string of ${n < 0 ? 'malformed UTF-16' : `${n} bytes`} cannot cross threads`);
  return 2 + n;
}

/** Writes `s` ({@link stringSize} checked it); returns the offset after it. */
function putString(b: Uint8Array, o: number, s: string): number {
  const end = writeUtf8(b, o + 2, s);
  const n = end - o - 2;
  b[o] = n & 0xff;
  b[o + 1] = n >>> 8;
  return end;
}

/** Reads a string {@link putString} wrote at `o`: `[value, offset after it]`. */
function getString(b: Uint8Array, o: number, end: number): [string, number] {
  if (o + 2 > end) throw new RangeError('packed string: truncated length');
  const n = b[o] | (b[o + 1] << 8);
  if (o + 2 + n > end) throw new RangeError('packed string: truncated bytes');
  const s = readUtf8(b, o + 2, n);
  if (s === undefined) throw new RangeError('packed string: not UTF-8');
  return [s, o + 2 + n];
}

const DESTINATION_TAGS = { group: 0, peer: 1, address: 2 } as const;

function destinationSize(d: Destination): number {
  switch (d.kind) {
    case 'group':
      return 1 + stringSize(d.group);
    case 'peer':
      return 1 + stringSize(d.peer.name) + 8;
    case 'address':
      return 1 + stringSize(d.host) + 2;
  }
}

function putDestination(b: Uint8Array, o: number, d: Destination): number {
  b[o++] = DESTINATION_TAGS[d.kind];
  switch (d.kind) {
    case 'group':
      return putString(b, o, d.group);
    case 'peer':
      return putF64(b, putString(b, o, d.peer.name), d.peer.incarnation);
    case 'address': {
      o = putString(b, o, d.host);
      b[o] = d.port & 0xff;
      b[o + 1] = d.port >>> 8;
      return o + 2;
    }
  }
}

function getDestination(b: Uint8Array, o: number, end: number): [Destination, number] {
  if (o >= end) throw new RangeError('datagramsOut: truncated destination');
  const tag = b[o++];
  if (tag === DESTINATION_TAGS.group) {
    const [group, next] = getString(b, o, end);
    return [{ kind: 'group', group }, next];
  }
  if (tag === DESTINATION_TAGS.peer) {
    const [name, next] = getString(b, o, end);
    if (next + 8 > end) throw new RangeError('datagramsOut: truncated incarnation');
    return [{ kind: 'peer', peer: { name, incarnation: getF64(b, next) } }, next + 8];
  }
  if (tag === DESTINATION_TAGS.address) {
    const [host, next] = getString(b, o, end);
    if (next + 2 > end) throw new RangeError('datagramsOut: truncated port');
    return [{ kind: 'address', host, port: b[next] | (b[next + 1] << 8) }, next + 2];
  }
  throw new RangeError(`datagramsOut: unknown destination tag ${tag}`);
}

/** Built DATA datagrams for the socket: the datagrams' bytes cross once, not through msgpack. */
export const DATAGRAMS_OUT_PACKER: PayloadPacker<DatagramsOut> = registerPayloadPacker<DatagramsOut>({
  id: 2,
  kind: 'datagramsOut',
  size(msg) {
    // Checked here, before the ring record is claimed: `write` never throws.
    if (msg.destinations.length > 255) throw new RangeError(`datagramsOut: ${msg.destinations.length} destinations (at most 255 cross threads)`);
    let n = 1 + 4 + 4 * msg.datagrams.length;
    for (let i = 0; i < msg.destinations.length; i++) n += destinationSize(msg.destinations[i]);
    for (let i = 0; i < msg.datagrams.length; i++) n += msg.datagrams[i].length;
    return n;
  },
  write(msg, b, o) {
    b[o++] = msg.destinations.length;
    for (let i = 0; i < msg.destinations.length; i++) o = putDestination(b, o, msg.destinations[i]);
    const datagrams = msg.datagrams;
    o = putU32(b, o, datagrams.length);
    for (let i = 0; i < datagrams.length; i++) o = putU32(b, o, datagrams[i].length);
    for (let i = 0; i < datagrams.length; i++) {
      b.set(datagrams[i], o);
      o += datagrams[i].length;
    }
    // The sender's memory may be reused from now on (its hold for the socket is given back).
    msg.onCopied?.();
  },
  read(b, o, length) {
    const end = o + length;
    if (o >= end) throw new RangeError('datagramsOut: empty');
    const destinationCount = b[o++];
    const destinations: Destination[] = [];
    for (let i = 0; i < destinationCount; i++) {
      const [d, next] = getDestination(b, o, end);
      destinations.push(d);
      o = next;
    }
    if (o + 4 > end) throw new RangeError('datagramsOut: truncated count');
    const count = getU32(b, o);
    o += 4;
    if (o + 4 * count > end) throw new RangeError('datagramsOut: truncated lengths');
    const lengthsAt = o;
    o += 4 * count;
    let total = 0;
    for (let i = 0; i < count; i++) total += getU32(b, lengthsAt + 4 * i);
    if (o + total !== end) throw new RangeError(`datagramsOut: ${end - o} bytes of datagrams, the lengths say ${total}`);
    const all = b.slice(o, end);
    const datagrams: Uint8Array[] = new Array(count);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const n = getU32(b, lengthsAt + 4 * i);
      datagrams[i] = all.subarray(at, at + n);
      at += n;
    }
    return { kind: 'datagramsOut', datagrams, destinations };
  },
});

const VIA_CODES = { multicast: 0, unicast: 1 } as const;

/** A received datagram for the actor that decodes it. */
export const DATAGRAM_IN_PACKER: PayloadPacker<DatagramIn> = registerPayloadPacker<DatagramIn>({
  id: 3,
  kind: 'datagramIn',
  size(msg) {
    return 3 + stringSize(msg.host) + msg.bytes.length;
  },
  write(msg, b, o) {
    b[o] = VIA_CODES[msg.via];
    b[o + 1] = msg.port & 0xff;
    b[o + 2] = msg.port >>> 8;
    o = putString(b, o + 3, msg.host);
    b.set(msg.bytes, o);
  },
  read(b, o, length) {
    const end = o + length;
    if (o + 3 > end) throw new RangeError('datagramIn: truncated');
    const code = b[o];
    if (code !== VIA_CODES.multicast && code !== VIA_CODES.unicast) throw new RangeError(`datagramIn: unknown via ${code}`);
    const port = b[o + 1] | (b[o + 2] << 8);
    const [host, at] = getString(b, o + 3, end);
    return { kind: 'datagramIn', bytes: b.slice(at, end), via: code === VIA_CODES.multicast ? 'multicast' : 'unicast', host, port };
  },
});

/**
 * A publish batch for a sender on another thread: packed bytes (`sender/publish-batch.ts`), or
 * a batch measured for packing ({@link PublishedToPack}), written straight into the ring record.
 * Read back as bytes either way.
 */
export const PUBLISHED_PACKED_PACKER: PayloadPacker<PublishedPacked | PublishedToPack> = registerPayloadPacker<PublishedPacked | PublishedToPack>({
  id: 4,
  kind: 'publishedPacked',
  size(msg) {
    return 9 + ('bytes' in msg ? msg.bytes.length : msg.batch.size);
  },
  write(msg, b, o) {
    o = putF64(b, o, msg.batchId);
    b[o] = msg.echo === undefined ? 0 : msg.echo ? 2 : 1;
    if ('bytes' in msg) b.set(msg.bytes, o + 1);
    else writePublishItems(msg.batch, b, o + 1);
  },
  read(b, o, length) {
    if (length < 9) throw new RangeError('publishedPacked: truncated');
    const batchId = getF64(b, o);
    const echo = b[o + 8];
    if (echo > 2) throw new RangeError(`publishedPacked: bad echo byte ${echo}`);
    const bytes = b.slice(o + 9, o + length);
    return echo === 0 ? { kind: 'publishedPacked', batchId, bytes } : { kind: 'publishedPacked', batchId, bytes, echo: echo === 2 };
  },
});

/**
 * Deliveries from a receiver on a worker thread: packed bytes (`receiver/delivered-batch.ts`), or
 * a batch measured for packing ({@link DeliveredToPack}), written straight into the ring record
 * (one copy of each payload fewer). Read back as bytes either way.
 */
export const DELIVERED_PACKED_PACKER: PayloadPacker<DeliveredPacked | DeliveredToPack> = registerPayloadPacker<DeliveredPacked | DeliveredToPack>({
  id: 5,
  kind: 'deliveredPacked',
  size(msg) {
    return 'bytes' in msg ? msg.bytes.length : msg.batch.size;
  },
  write(msg, b, o) {
    if ('bytes' in msg) b.set(msg.bytes, o);
    else writeDelivered(msg.batch, b, o);
  },
  read(b, o, length) {
    return { kind: 'deliveredPacked', bytes: b.slice(o, o + length) };
  },
});
