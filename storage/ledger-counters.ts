/**
 * The ledger store's counters, apart from the store (which imports lmdb) so that the public
 * `PeerStats` type can name them without pulling lmdb's type declarations into users' builds.
 */

/** Counters of one store since open. */
export interface LedgerCounters {
  appendCalls: number;
  messagesAppended: number;
  bytesAppended: number;
  messagesDeleted: number;
  bytesDeleted: number;
  /** `'async'` appends that waited because a stream had `maxUnflushedPerStream` unflushed sequences. */
  flushWaits: number;
  writeErrors: number;
}
