/**
 * The sender's DATA datagrams: encoded here, on the publishing side, once, then handed as they are
 * to the socket (per destination set) and to the retransmit actor, whose window keeps them as sent.
 * The socket actor (maybe on another thread) gets a few byte arrays per batch, not an object per
 * message.
 *
 * Datagram memory is reused when the window runs on this thread: datagrams are cut from slabs
 * (codecs/slab-pool.ts), and the socket and the window each hold the datagrams they get and give
 * them back (`datagramsReleased`; a socket on another thread gets a copy, and its hold ends when
 * the copy is made: `onCopied`). A window on another thread gets copies too, and then fresh
 * memory is used.
 *
 * Ownership: one per sender actor, on its thread; the shell calls it from its flush.
 */
import type { PeerId, StreamStart } from '../../codecs/frame.js';
import { DataBatchBuilder, FREE_SLAB_BYTES, slabBytesFor } from '../../codecs/data-batch.js';
import { SlabPool } from '../../codecs/slab-pool.js';
import type { ActorRef } from '../../runtime/actor-ref.js';
import { MAX_BATCH_BYTES } from '../../runtime/batching.js';
import type { RetransmitInbox } from '../retransmit/messages.js';
import type { Destination, SocketInbox } from '../socket/messages.js';
import type { Unit } from './batch-sequencer.js';

/** The sender's counters this part adds to. */
export interface DataDatagramCounters {
  dataOuts: number;
  mailboxFull: number;
}

/** Builds every DATA datagram of this peer and hands it to the socket and the window. */
export class DataDatagrams {
  private readonly builder: DataBatchBuilder;
  /** Reused datagram memory, when the window runs on this thread (see the module comment). */
  private slabs: SlabPool | undefined;
  private socket!: ActorRef<SocketInbox>;
  private retransmit!: ActorRef<RetransmitInbox>;

  /** @param thread the sender actor's thread. */
  constructor(
    sender: PeerId,
    maxDatagramBytes: number,
    private readonly thread: string,
    private readonly counters: DataDatagramCounters,
  ) {
    this.builder = new DataBatchBuilder({ sender, maxDatagramBytes });
  }

  /** The actor started: where datagrams go, and whether their memory can be reused. */
  start(socket: ActorRef<SocketInbox>, retransmit: ActorRef<RetransmitInbox>): void {
    this.socket = socket;
    this.retransmit = retransmit;
    // The window must be here (it holds datagrams by reference); the socket may be anywhere.
    if (retransmit.thread === this.thread) {
      const slabBytes = slabBytesFor(this.builder.maxDatagramBytes);
      this.slabs = new SlabPool(slabBytes, Math.floor(FREE_SLAB_BYTES / slabBytes));
      this.builder.useSlabPool(this.slabs);
    }
  }

  /**
   * Encodes `units` into DATA datagrams: they go to the socket as they are (unless there is no
   * destination) and are appended to `kept` for the window. One actor message may cross threads
   * as one ring record: each `datagramsOut` holds at most MAX_BATCH_BYTES.
   */
  build(units: readonly Unit[], entryOf: (subject: string) => StreamStart, destinations: readonly Destination[], kept: Uint8Array[]): void {
    const builder = this.builder;
    const slabs = this.slabs;
    const socket = this.socket;
    const counters = this.counters;
    const thread = this.thread;
    let datagrams: Uint8Array[] = [];
    let bytes = 0;
    const keptBefore = kept.length;
    const toSocket = (): void => {
      if (destinations.length > 0) {
        counters.dataOuts++;
        const out = datagrams;
        const pool = slabs;
        // A socket on another thread gets a copy in the ring: the hold ends when it is made.
        const onCopied = pool !== undefined && socket.thread !== thread ? () => releaseAll(pool, out) : undefined;
        if (!socket.trySend(onCopied === undefined ? { kind: 'datagramsOut', datagrams, destinations } : { kind: 'datagramsOut', datagrams, destinations, onCopied })) {
          counters.mailboxFull++;
          if (pool !== undefined) releaseAll(pool, out);
        }
      }
      datagrams = [];
      bytes = 0;
    };
    const seal = (): void => {
      const d = builder.finish();
      // The holds of the socket and the window, before the next `finish` may release the builder's.
      if (slabs !== undefined) {
        if (destinations.length > 0) slabs.hold(d);
        slabs.hold(d);
      }
      datagrams.push(d);
      kept.push(d);
      bytes += d.byteLength;
      if (bytes >= MAX_BATCH_BYTES) toSocket();
    };
    try {
      let st: StreamStart | undefined;
      for (let i = 0; i < units.length; i++) {
        const u = units[i];
        if (st?.subject !== u.subject) st = entryOf(u.subject);
        if (u.fragments === undefined) {
          if (!builder.tryAddFields(u.subject, u.seq, u.flags, u.payload, st.startSeq, u.replyTo, undefined, undefined, st.ageMs, st.resumed)) {
            seal();
            builder.tryAddFields(u.subject, u.seq, u.flags, u.payload, st.startSeq, u.replyTo, undefined, undefined, st.ageMs, st.resumed);
          }
          continue;
        }
        for (let k = 0; k < u.fragments.length; k++) {
          const f = u.fragments[k];
          if (!builder.tryAdd(f, st.startSeq, st.ageMs, st.resumed)) {
            seal();
            builder.tryAdd(f, st.startSeq, st.ageMs, st.resumed);
          }
        }
      }
      if (!builder.isEmpty) seal();
    } catch (err) {
      // A sender bug (a record that fits no datagram): the builder is reused; what this call
      // sealed goes nowhere, so the socket's and the window's holds are given back.
      builder.reset();
      if (slabs !== undefined) {
        if (destinations.length > 0) releaseAll(slabs, datagrams);
        releaseAll(slabs, kept.slice(keptBefore));
      }
      throw err;
    }
    if (datagrams.length > 0) toSocket();
  }

  /** Hands `kept` (the datagrams of one flush) to the window, in `sent` messages of at most MAX_BATCH_BYTES. */
  toWindow(streams: readonly StreamStart[], kept: readonly Uint8Array[]): void {
    const retransmit = this.retransmit;
    const slabs = this.slabs;
    let part: Uint8Array[] = [];
    let bytes = 0;
    const send = (): void => {
      if (!retransmit.trySend({ kind: 'sent', streams, datagrams: part })) {
        this.counters.mailboxFull++;
        if (slabs !== undefined) releaseAll(slabs, part);
      }
      part = [];
      bytes = 0;
    };
    for (const d of kept) {
      part.push(d);
      bytes += d.byteLength;
      if (bytes >= MAX_BATCH_BYTES) send();
    }
    if (part.length > 0) send();
  }

  /** The window or the socket (on this thread) is done with these datagrams: one hold each is given back. */
  released(buffers: readonly ArrayBufferLike[]): void {
    if (this.slabs !== undefined) for (let i = 0; i < buffers.length; i++) this.slabs.release(buffers[i]);
  }

  /** The slab pool's part of the sender's stats (none when datagram memory is not reused). */
  stats() {
    const slabs = this.slabs;
    return slabs !== undefined ? { slabs: { ...slabs.counters, inUse: slabs.slabsInUse, free: slabs.freeSlabs } } : {};
  }
}

/** Gives back one hold on each of `datagrams` (cut from `pool`). */
function releaseAll(pool: SlabPool, datagrams: readonly Uint8Array[]): void {
  for (let i = 0; i < datagrams.length; i++) pool.release(datagrams[i].buffer);
}
