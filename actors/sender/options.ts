/**
 * Options of the sender cores: stream count, sender window, fragmentation and message size,
 * flow control (rate, in-flight window, slow-consumer policy) and heartbeats.
 *
 * Resolved once by {@link resolveSenderOptions}; each core takes the resolved object (or the
 * `Pick` of it that it reads), so the cores never validate options themselves.
 */
import { InvalidOptionError } from '../../errors.js';
import { checkInteger, checkOneOf, rejectUnknownKeys } from '../option-checks.js';

/** How the in-flight window of a stream follows its receivers (see {@link SenderOptions.flowPolicy}). */
export type FlowPolicy = 'min' | 'max';

/** The accepted values of {@link SenderOptions.flowPolicy}. */
export const FLOW_POLICIES: readonly FlowPolicy[] = Object.freeze(['min', 'max'] as const);

export interface SenderOptions {
  /**
   * Most streams (subjects published on) one sender keeps state for; publishing on one more
   * subject throws `BackpressureError`. Bounds the sequence generator, the sender window's
   * per-stream index and the heartbeat set.
   * @default 100000
   */
  maxStreams?: number;
  /**
   * Most messages the sender window holds in memory for retransmission, across all streams
   * (oldest evicted first, whatever its stream). A fragmented message counts once (it is held
   * and evicted as a unit); its bytes count against `windowMaxBytes`.
   * @default 65536
   */
  windowMaxMessages?: number;
  /**
   * Most payload bytes the sender window holds, across all streams (oldest evicted first).
   * Must be at least `maxMessageBytes`, so the newest whole message always fits.
   * @default 67108864 (64 MiB)
   */
  windowMaxBytes?: number;
  /**
   * Largest application payload `publish` accepts, before fragmentation; a larger one throws
   * `PayloadTooLargeError`. Receivers reassemble up to the same size, so every peer of a group
   * should use the same value. At most 1 GiB.
   * @default 16777216 (16 MiB)
   */
  maxMessageBytes?: number;
  /**
   * Most payload bytes per DATA message: a larger payload is split into fragments of at most
   * this size (less the 8-byte fragment extension), all sent under the message's one sequence
   * number. The shell may pass a smaller value per message so that the frame headers, subject and
   * reply subject fit its datagram. Fragments do not consume sequence numbers, so this option
   * has no relation to `windowMaxMessages` or `flowWindowMessages` (which count messages).
   * @default 1200
   */
  maxFragmentBytes?: number;
  /** Byte-rate limit of new data (token bucket); 0 = unlimited. @default 0 */
  rateBytesPerSec?: number;
  /** Token-bucket size: bytes that may go out at once after an idle period. @default 1048576 (1 MiB) */
  burstBytes?: number;
  /**
   * In-flight window per stream: message `seq` may be sent only while
   * `seq - position <= flowWindowMessages`, `position` being what receivers reported as
   * delivered (chosen by `flowPolicy`). Also the lag past which a receiver is a slow consumer.
   * The window must outlast a repair: a gap holds the position until its NAK is answered, and
   * meanwhile the stream may send only what is left of the window. 32,768 is where
   * `flowWindowBytes` takes over for 64-byte messages; 16,384 (the earlier default) lasted about
   * 12 ms at 1.3 M msg/s and, under 5 % loss, ran out in most repairs (0.8x the throughput).
   * @default 32768
   */
  flowWindowMessages?: number;
  /**
   * The same window in payload bytes: the credit of a stream is at most this many bytes (at the
   * stream's average message size) beyond the receivers' position, so one window's burst fits
   * in half of the receivers' socket buffers. The kernel charges a datagram more than its
   * payload: an 8 MiB buffer holds about 4 MiB of 8 KB datagrams, and about 7.8 MiB of 32 KB ones
   * (loopback's default size). A message larger than this still goes, alone in the window.
   * @default 2097152 (2 MiB); 4194304 (4 MiB) when the peer's datagrams are 32 KiB or more
   *   (`maxDatagramBytes`, its default on a loopback interface)
   */
  flowWindowBytes?: number;
  /**
   * `'min'` (default): pace the slowest live receiver, so a subscriber that keeps up on average
   * loses nothing. A receiver that makes no progress (moves less than 1/16 of the window) for
   * `stallTimeoutMs` while it blocks the stream is named in a `slowConsumer` event and no longer
   * waited for until it has caught up (lag at most half the window); when every receiver of a
   * stream is excluded, nothing limits it. So no receiver, stuck, dead or forged, holds a
   * publisher for longer than `stallTimeoutMs`. `'max'`: keep pace with the fastest receiver;
   * one lagging more than `flowWindowMessages` behind is reported as a slow consumer and must
   * recover by NAK or get `dataLoss`.
   * @default 'min'
   */
  flowPolicy?: FlowPolicy;
  /**
   * How long a receiver may block a stream without progress before it stops being waited for.
   * The clock runs from the start of the block, which lasts until the window has moved 1/16 of
   * itself: a position creeping a message at a time does not restart it, nor does a receiver
   * that appears meanwhile.
   * @default 2000
   */
  stallTimeoutMs?: number;
  /**
   * Most (receiver, stream) positions flow control tracks; reports for new pairs beyond it are
   * ignored (counted), so those receivers neither limit nor get slow-consumer events.
   * @default 262144
   */
  maxTrackedPositions?: number;
  /** First heartbeat after the last message of a stream (then doubling). @default 5 */
  heartbeatMinMs?: number;
  /** Longest interval between heartbeats of an active stream. @default 1000 */
  heartbeatMaxMs?: number;
  /**
   * A stream stays in heartbeats this long after its last message, longer (up to 10 more times
   * this) while a receiver that wants it has not confirmed its newest message (docs/PROTOCOL.md,
   * HEARTBEAT). Past it, once nothing of the
   * stream is in flight, the publisher keeps it parked (its numbering and the messages its window
   * still holds, little else) until its next message: docs/SCALE.md "Streams → memory".
   * @default 30000
   */
  activeStreamTtlMs?: number;
  /** Most streams named in one heartbeat; more due streams rotate, most overdue first. @default 64 */
  maxStreamsPerHeartbeat?: number;
  /**
   * Most stream entries heartbeats carry per second, whatever the number of active streams
   * (about 40 bytes each on the wire). Past it, due streams wait their turn, most overdue first:
   * with N active streams each is still announced every N / this seconds. Idle streams (named once
   * already `heartbeatMaxMs` or more after their last message) take at most an eighth of it, and
   * streams that just had data go first. Raise it for faster tail-loss detection across a very
   * large burst of new streams; lower it to cap the traffic.
   * @default 20000
   */
  heartbeatStreamsPerSec?: number;
}

/** Every sender option, resolved. */
export type ResolvedSenderOptions = Required<SenderOptions>;

/** `flowWindowBytes` by default: half of what an 8 MiB receive buffer holds of 8 KB datagrams. */
export const FLOW_WINDOW_BYTES = 2 * 1024 * 1024;
/**
 * `flowWindowBytes` by default when the peer's datagrams are at least
 * {@link LARGE_DATAGRAM_BYTES}: an 8 MiB buffer holds about 7.8 MiB of 32 KB datagrams, and the
 * same half of it gave 1 KB messages more throughput on loopback (docs/PROFILE.md).
 */
export const FLOW_WINDOW_BYTES_LARGE_DATAGRAMS = 4 * 1024 * 1024;
/** The datagram size from which {@link FLOW_WINDOW_BYTES_LARGE_DATAGRAMS} is the default. */
export const LARGE_DATAGRAM_BYTES = 32 * 1024;

export const DEFAULT_SENDER_OPTIONS: Readonly<ResolvedSenderOptions> = Object.freeze({
  maxStreams: 100_000,
  windowMaxMessages: 65_536,
  windowMaxBytes: 64 * 1024 * 1024,
  maxMessageBytes: 16 * 1024 * 1024,
  maxFragmentBytes: 1200,
  rateBytesPerSec: 0,
  burstBytes: 1024 * 1024,
  flowWindowMessages: 32_768,
  flowWindowBytes: FLOW_WINDOW_BYTES,
  flowPolicy: 'min',
  stallTimeoutMs: 2000,
  maxTrackedPositions: 262_144,
  heartbeatMinMs: 5,
  heartbeatMaxMs: 1000,
  activeStreamTtlMs: 30_000,
  maxStreamsPerHeartbeat: 64,
  heartbeatStreamsPerSec: 20_000,
});

const ONE_GIB = 1024 * 1024 * 1024;
const ONE_DAY_MS = 24 * 3600 * 1000;

/** Merges `o` over the defaults and validates every value and the relations between them. */
export function resolveSenderOptions(o: SenderOptions = {}, path = 'options'): ResolvedSenderOptions {
  if (typeof o !== 'object' || o === null) throw new InvalidOptionError(`${path} must be an object`);
  rejectUnknownKeys(path, o, DEFAULT_SENDER_OPTIONS);
  const m = { ...DEFAULT_SENDER_OPTIONS } as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) if (v !== undefined) m[k] = v;
  const int = (key: keyof SenderOptions, min: number, max?: number): number =>
    checkInteger(`${path}.${key}`, m[key], min, max);
  const r: ResolvedSenderOptions = {
    maxStreams: int('maxStreams', 1, 100_000_000),
    windowMaxMessages: int('windowMaxMessages', 1, 100_000_000),
    windowMaxBytes: int('windowMaxBytes', 1),
    maxMessageBytes: int('maxMessageBytes', 1, ONE_GIB),
    maxFragmentBytes: int('maxFragmentBytes', 1, 65_507),
    rateBytesPerSec: int('rateBytesPerSec', 0),
    burstBytes: int('burstBytes', 1),
    flowWindowMessages: int('flowWindowMessages', 1, 100_000_000),
    flowWindowBytes: int('flowWindowBytes', 1024, ONE_GIB),
    flowPolicy: checkOneOf(`${path}.flowPolicy`, m.flowPolicy, FLOW_POLICIES),
    stallTimeoutMs: int('stallTimeoutMs', 1, ONE_DAY_MS),
    maxTrackedPositions: int('maxTrackedPositions', 1, 100_000_000),
    heartbeatMinMs: int('heartbeatMinMs', 1, ONE_DAY_MS),
    heartbeatMaxMs: int('heartbeatMaxMs', 1, ONE_DAY_MS),
    activeStreamTtlMs: int('activeStreamTtlMs', 1, ONE_DAY_MS),
    maxStreamsPerHeartbeat: int('maxStreamsPerHeartbeat', 1, 65_535),
    heartbeatStreamsPerSec: int('heartbeatStreamsPerSec', 1, 100_000_000),
  };
  if (r.windowMaxBytes < r.maxMessageBytes) {
    throw new InvalidOptionError(
      `${path}.windowMaxBytes (${r.windowMaxBytes}) must be at least ${path}.maxMessageBytes (${r.maxMessageBytes})`,
    );
  }
  if (r.heartbeatMaxMs < r.heartbeatMinMs) {
    throw new InvalidOptionError(
      `${path}.heartbeatMaxMs (${r.heartbeatMaxMs}) must be at least ${path}.heartbeatMinMs (${r.heartbeatMinMs})`,
    );
  }
  if (r.activeStreamTtlMs < r.heartbeatMinMs) {
    throw new InvalidOptionError(
      `${path}.activeStreamTtlMs (${r.activeStreamTtlMs}) must be at least ${path}.heartbeatMinMs (${r.heartbeatMinMs})`,
    );
  }
  return r;
}
