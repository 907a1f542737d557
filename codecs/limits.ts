/**
 * Size limits shared by both ends, defined once: `publish` (actors/app/peer.ts), the fragmenter
 * (actors/sender/fragmenter.ts) and the reassembler (actors/receiver/reassembler.ts) all ask
 * here, so a payload the publisher accepts is one every receiver with the same options accepts.
 */

/**
 * Whether a message of `byteLength` payload bytes is allowed under `maxMessageBytes`: a payload of
 * exactly `maxMessageBytes` is, one byte more is not.
 */
export function fitsMessageSize(byteLength: number, maxMessageBytes: number): boolean {
  return byteLength <= maxMessageBytes;
}
