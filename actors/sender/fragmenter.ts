/**
 * Fragmentation: splits a payload larger than one DATA message into fragments, all sent under
 * the message's one sequence number and addressed by their index, and the maximum-message-size
 * check.
 */
import { fitsMessageSize } from '../../codecs/limits.js';
import { MESSAGE_FLAGS, MESSAGE_FLAGS_MASK } from '../../codecs/frame.js';
import { ERROR_CODES, LedgecastError, PayloadTooLargeError } from '../../errors.js';

/** One record to send: its flags, payload (a view into the original payload) and address. */
export interface Fragment {
  readonly flags: number;
  readonly payload: Uint8Array;
  /** Index in the message (0 for a message that is not fragmented). */
  readonly fragIndex: number;
  /** Fragments of the message (1 for a message that is not fragmented). */
  readonly fragCount: number;
}

const FRAGMENT_BITS = MESSAGE_FLAGS.fragment | MESSAGE_FLAGS.firstFragment | MESSAGE_FLAGS.lastFragment;

/**
 * Splits `payload` into messages of at most `maxFragmentBytes` payload bytes.
 *
 * - A payload that fits (empty included) is one message with `baseFlags` and no fragment bit.
 * - A larger one becomes `ceil(length / maxFragmentBytes)` fragments, in order, all of
 *   `maxFragmentBytes` but the last; each carries `baseFlags | fragment`, the first also
 *   `firstFragment` and the last `lastFragment`, and its `fragIndex` of `fragCount`.
 *   Concatenating their payloads gives `payload`.
 *
 * Fragments are `subarray` views (no copy): the caller must not reuse `payload`'s buffer while
 * they are held (sender window). Every fragment goes out under the message's one sequence
 * number (a seq numbers application messages); a receiver collects fragments by index. Check
 * the size with {@link assertMessageSize} first: the fragment count is not bounded here.
 *
 * Throws (caller bug) when `maxFragmentBytes` is not a positive integer or `baseFlags` has a
 * fragment bit or an undefined bit.
 */
export function fragmentPayload(payload: Uint8Array, maxFragmentBytes: number, baseFlags: number): Fragment[] {
  if (!Number.isSafeInteger(maxFragmentBytes) || maxFragmentBytes < 1) {
    throw new LedgecastError(ERROR_CODES.internal, `maxFragmentBytes must be a positive integer, got ${String(maxFragmentBytes)}`);
  }
  if (!Number.isInteger(baseFlags) || (baseFlags & ~MESSAGE_FLAGS_MASK) !== 0 || (baseFlags & FRAGMENT_BITS) !== 0) {
    throw new LedgecastError(ERROR_CODES.internal, `baseFlags must be message flags without fragment bits, got ${String(baseFlags)}`);
  }
  const length = payload.byteLength;
  if (length <= maxFragmentBytes) return [{ flags: baseFlags, payload, fragIndex: 0, fragCount: 1 }];
  const count = Math.ceil(length / maxFragmentBytes);
  const fragments: Fragment[] = new Array<Fragment>(count);
  for (let i = 0; i < count; i++) {
    let flags = baseFlags | MESSAGE_FLAGS.fragment;
    if (i === 0) flags |= MESSAGE_FLAGS.firstFragment;
    if (i === count - 1) flags |= MESSAGE_FLAGS.lastFragment;
    const start = i * maxFragmentBytes;
    fragments[i] = { flags, payload: payload.subarray(start, Math.min(start + maxFragmentBytes, length)), fragIndex: i, fragCount: count };
  }
  return fragments;
}

/** Number of messages {@link fragmentPayload} makes of a payload of `byteLength` bytes. */
export function fragmentCount(byteLength: number, maxFragmentBytes: number): number {
  return byteLength <= maxFragmentBytes ? 1 : Math.ceil(byteLength / maxFragmentBytes);
}

/**
 * Throws `PayloadTooLargeError` when a payload of `byteLength` bytes exceeds `maxMessageBytes`
 * (option `maxMessageBytes`, 16 MiB by default): a payload of exactly `maxMessageBytes` is
 * accepted. `publish` calls it before sequencing, so an oversized message consumes no sequence
 * number.
 */
export function assertMessageSize(byteLength: number, maxMessageBytes: number): void {
  if (!fitsMessageSize(byteLength, maxMessageBytes)) {
    throw new PayloadTooLargeError(
      `payload of ${byteLength} bytes exceeds the maximum message size of ${maxMessageBytes} bytes (options.maxMessageBytes)`,
    );
  }
}
