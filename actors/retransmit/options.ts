/**
 * Options of the retransmit cores: the reliable-unicast channel (RTO estimator, outbound and
 * inbound halves) and the NAK planner.
 *
 * Resolved once by {@link resolveRetransmitOptions}; each core takes the resolved object (or the
 * `Pick` of it that it reads), so the cores never validate options themselves.
 *
 * The RTO defaults suit loopback and a LAN (round trips well under a few milliseconds). Across a
 * WAN raise `rtoInitialMs` (RFC 6298 says 1000 ms when nothing is known) and `rtoMaxMs`.
 */
import { InvalidOptionError } from '../../errors.js';
import { checkInteger, rejectUnknownKeys } from '../option-checks.js';

export interface RetransmitOptions {
  /** Lower clamp of the retransmission timeout (loopback/LAN default). @default 10 */
  rtoMinMs?: number;
  /**
   * Upper clamp of the retransmission timeout, also the cap of per-item exponential backoff
   * (loopback/LAN default).
   * @default 2000
   */
  rtoMaxMs?: number;
  /** Retransmission timeout before the first round-trip sample (loopback/LAN default). @default 100 */
  rtoInitialMs?: number;
  /**
   * Most unacknowledged items one outbound channel holds; `send` refuses more (counted in
   * `rejectedFull`). Bounds the channel's memory and the work of one ACK.
   * @default 256
   */
  maxInFlight?: number;
  /**
   * Transmissions of one item (the first one included) before the outbound channel gives up,
   * drops everything in flight and reports it. With the defaults an item is given up after about
   * 9 s (100 + 200 + … ms, each wait capped at `rtoMaxMs`).
   * @default 8
   */
  maxAttempts?: number;
  /**
   * Inbound channel window: a frame more than this many channel sequences above the cumulative
   * point is refused (`'invalid'`). Bounds the out-of-order set.
   * @default 4096
   */
  maxAhead?: number;
  /** Most channel sequences listed in one ACK's `selective` (the most recently seen ones). @default 64 */
  maxSelective?: number;
  /**
   * How long the inbound channel may hold an ACK to coalesce several frames into it;
   * 0 = send an ACK for every frame at once.
   * @default 0
   */
  ackDelayMs?: number;
  /**
   * The inbound channel skips a hole in the channel sequence when a frame above it arrived this
   * long ago and the hole is still not filled: the remote must have given up on it (the wire has
   * no "skip" signal), and without skipping the window would stay stuck forever. Must exceed the
   * remote's whole retry span (about `maxAttempts * rtoMaxMs`, 16 s with the defaults).
   * 0 = never skip.
   * @default 30000
   */
  holeSkipMs?: number;
  /** How long NAKed sequences wait for more askers before they are served. @default 4 */
  coalesceMs?: number;
  /** Distinct askers of one sequence within `coalesceMs` that make it go out once by multicast. @default 2 */
  multicastThreshold?: number;
  /**
   * After a sequence is served, repeats are ignored for this long: from anyone after a multicast,
   * from the same asker after a unicast.
   * @default 20
   */
  repeatSuppressMs?: number;
  /** Most sequences taken from one NAK (and most ranges read from it); the rest is ignored. @default 1024 */
  maxMessagesPerNak?: number;
  /**
   * A NAK range wider than this many sequences is implausible and refused whole (counted in
   * `implausibleRanges`), as a receiver drops a message more than `maxGapMessages` ahead: no
   * receiver asks for more than its `maxNakSeqs` at once.
   * @default 1000000
   */
  maxNakRangeMessages?: number;
  /**
   * NAK service budget per asker: bytes of messages resent to one peer by unicast per second (a
   * token bucket; 0 = no limit). What a NAK asks beyond it is not served now (counted in
   * `overAskerBudget`); the asker's next NAK asks again. Bounds what one peer, real or forged,
   * can pull from a sender.
   * @default 16777216
   */
  askerRepairBytesPerSec?: number;
  /** The per-asker bucket's size: bytes resent to one peer at once after a quiet time. @default 4194304 */
  askerRepairBurstBytes?: number;
  /**
   * NAK service budget in total: bytes of messages resent per second, by unicast and multicast
   * together (a token bucket; 0 = no limit), so repairs cannot crowd out new data. Beyond it,
   * counted in `overTotalBudget`.
   * @default 67108864
   */
  totalRepairBytesPerSec?: number;
  /** The total bucket's size. @default 16777216 */
  totalRepairBurstBytes?: number;
  /** Most (asker, sequence) pairs waiting to be served, across all subjects. @default 65536 */
  maxPending?: number;
  /** Most ranges remembered for repeat suppression; the oldest are forgotten first. @default 4096 */
  maxSuppressedRanges?: number;
}

/** Every retransmit option, resolved. */
export type ResolvedRetransmitOptions = Required<RetransmitOptions>;

export const DEFAULT_RETRANSMIT_OPTIONS: Readonly<ResolvedRetransmitOptions> = Object.freeze({
  rtoMinMs: 10,
  rtoMaxMs: 2000,
  rtoInitialMs: 100,
  maxInFlight: 256,
  maxAttempts: 8,
  maxAhead: 4096,
  maxSelective: 64,
  ackDelayMs: 0,
  holeSkipMs: 30_000,
  coalesceMs: 4,
  multicastThreshold: 2,
  repeatSuppressMs: 20,
  maxMessagesPerNak: 1024,
  maxNakRangeMessages: 1_000_000,
  askerRepairBytesPerSec: 16 * 1024 * 1024,
  askerRepairBurstBytes: 4 * 1024 * 1024,
  totalRepairBytesPerSec: 64 * 1024 * 1024,
  totalRepairBurstBytes: 16 * 1024 * 1024,
  maxPending: 65_536,
  maxSuppressedRanges: 4096,
});

const ONE_HOUR_MS = 3600 * 1000;
const ONE_TIB = 2 ** 40;

/** Merges `o` over the defaults and validates every value and the relations between them. */
export function resolveRetransmitOptions(o: RetransmitOptions = {}, path = 'options'): ResolvedRetransmitOptions {
  if (typeof o !== 'object' || o === null) throw new InvalidOptionError(`${path} must be an object`);
  rejectUnknownKeys(path, o, DEFAULT_RETRANSMIT_OPTIONS);
  const m = { ...DEFAULT_RETRANSMIT_OPTIONS } as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) if (v !== undefined) m[k] = v;
  const int = (key: keyof RetransmitOptions, min: number, max?: number): number =>
    checkInteger(`${path}.${key}`, m[key], min, max);
  const r: ResolvedRetransmitOptions = {
    rtoMinMs: int('rtoMinMs', 1, ONE_HOUR_MS),
    rtoMaxMs: int('rtoMaxMs', 1, ONE_HOUR_MS),
    rtoInitialMs: int('rtoInitialMs', 1, ONE_HOUR_MS),
    maxInFlight: int('maxInFlight', 1, 65_536),
    maxAttempts: int('maxAttempts', 1, 1_000_000),
    maxAhead: int('maxAhead', 1, 1_000_000),
    maxSelective: int('maxSelective', 0, 4096),
    ackDelayMs: int('ackDelayMs', 0, ONE_HOUR_MS),
    holeSkipMs: int('holeSkipMs', 0, ONE_HOUR_MS),
    coalesceMs: int('coalesceMs', 0, ONE_HOUR_MS),
    multicastThreshold: int('multicastThreshold', 1, 1_000_000),
    repeatSuppressMs: int('repeatSuppressMs', 0, ONE_HOUR_MS),
    maxMessagesPerNak: int('maxMessagesPerNak', 1, 1_000_000),
    maxNakRangeMessages: int('maxNakRangeMessages', 1, Number.MAX_SAFE_INTEGER),
    askerRepairBytesPerSec: int('askerRepairBytesPerSec', 0, ONE_TIB),
    askerRepairBurstBytes: int('askerRepairBurstBytes', 1, ONE_TIB),
    totalRepairBytesPerSec: int('totalRepairBytesPerSec', 0, ONE_TIB),
    totalRepairBurstBytes: int('totalRepairBurstBytes', 1, ONE_TIB),
    maxPending: int('maxPending', 1, 100_000_000),
    maxSuppressedRanges: int('maxSuppressedRanges', 0, 10_000_000),
  };
  if (!(r.rtoMinMs <= r.rtoInitialMs && r.rtoInitialMs <= r.rtoMaxMs)) {
    throw new InvalidOptionError(
      `${path}.rtoMinMs (${r.rtoMinMs}) <= ${path}.rtoInitialMs (${r.rtoInitialMs}) <= ` +
        `${path}.rtoMaxMs (${r.rtoMaxMs}) must hold`,
    );
  }
  if (r.maxPending < r.maxMessagesPerNak) {
    throw new InvalidOptionError(
      `${path}.maxPending (${r.maxPending}) must be at least ${path}.maxMessagesPerNak (${r.maxMessagesPerNak})`,
    );
  }
  return Object.freeze(r);
}
