/**
 * The one rule for cutting data into cross-thread messages: application publishes to the
 * sender (`actors/app/publisher.ts`), the sender's datagrams to the socket and the window and
 * its sequenced messages to the ledger (`actors/sender/sender-actor.ts`), deliveries to the
 * application (`actors/receiver/receiver-actor.ts`).
 *
 * A message carries items until their bytes reach {@link MAX_BATCH_BYTES}: the item that reaches
 * it is the message's last, so one item larger than the bound still goes, alone. Bytes are the
 * payload plus {@link recordBytes}'s fixed share per record (subject, header). The bound keeps
 * a message far below a ring's size (a message crosses threads as one ring record) and lets
 * the next actor start on the first part while the rest is cut.
 */

/** Bytes of one cross-thread message at most, but for its last item. */
export const MAX_BATCH_BYTES = 256 * 1024;

/** What one record counts for: its payload, its subject and a fixed 32 bytes of header. */
export function recordBytes(payloadBytes: number, subjectLength: number): number {
  return payloadBytes + subjectLength + 32;
}

/**
 * The end index (exclusive) of each message when `count` items, the i-th of `bytesAt(i)`
 * bytes, are cut by the rule above; `[count]` when they fit one message (and `[]` for none).
 */
export function batchEnds(count: number, bytesAt: (i: number) => number): number[] {
  const ends: number[] = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    bytes += bytesAt(i);
    if (bytes >= MAX_BATCH_BYTES) {
      ends.push(i + 1);
      bytes = 0;
    }
  }
  if (ends.length === 0 ? count > 0 : ends[ends.length - 1] < count) ends.push(count);
  return ends;
}
