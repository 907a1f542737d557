/**
 * What the sender window keeps per stream and per datagram (actors/sender/sender-window.ts).
 */
import { RecordIndex } from './record-index.js';

/** One held datagram and how many of its records are held. */
export interface HeldDatagram {
  readonly bytes: Uint8Array;
  refs: number;
}

/**
 * A stream holding records: its held records (it is their {@link RecordIndex}, oldest first;
 * seqs never decrease, the fragments of a message share its seq) and its facts. One object.
 */
export class StreamWindow extends RecordIndex {
  /** Fragment index of the newest held record: -1 when it is a whole message or none is held. */
  lastFrag = -1;
  /**
   * Newest seq the receivers the flow actor waits for confirmed (`SenderWindow.setConfirmed`):
   * held messages up to it may be evicted first. Until told, the window's `awaitConfirmation`
   * says (none, or all).
   */
  confirmed: number;
  /**
   * Held messages of this stream taken out of the eviction order because they were not confirmed
   * when their turn came: its held messages are its ids in the order plus these.
   */
  deferred = 0;
  /** Messages held (a fragmented message once). */
  messages = 0;

  constructor(
    readonly subject: string,
    /** Index in the window's `byId` (the eviction order names streams by id). */
    readonly id: number,
    /** Newest sequence ever added (0 when none). */
    public highSeq: number,
    confirmed: number,
  ) {
    super();
    this.confirmed = confirmed;
  }
}
