/**
 * Steps of a bridge's start that ask JetStream (the zone's stream, the lease bucket, the export
 * checkpoint) meet a cluster that is starting or electing leaders: requests time out, or a
 * stream of several replicas finds "no suitable peers for placement" until every node reported.
 * They are tried again every `retryDelayMs` within `connectTimeoutMs` (0: for ever), the first
 * failure said; a failure that no retry mends (a bad configuration) is thrown at once.
 */
import { JetStreamApiError } from '@nats-io/jetstream';
import { performance } from 'node:perf_hooks';
import { InvalidOptionError } from '../errors.js';

/** JetStream's error code for "no suitable peers for placement" (a cluster still forming, or a node down). */
const NO_SUITABLE_PEERS = 10005;

/** What a request says when nobody answered in time or at all, or the connection went: it may pass. */
const UNANSWERED = /timeout|timed out|no responders|503|disconnect|connection (closed|lost|refused)|reconnect/i;

/**
 * Whether `err` may pass by itself: JetStream's "unavailable" (status 503) and "no suitable
 * peers for placement", a request unanswered, a connection lost. Not a bad option, another
 * answer of the JetStream API (bad settings), nor a permissions violation.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof InvalidOptionError) return false;
  if (err instanceof JetStreamApiError) return err.status === 503 || err.code === NO_SUITABLE_PEERS;
  const text = err instanceof Error ? `${err.name} ${err.message}` : String(err);
  return UNANSWERED.test(text);
}

/**
 * Runs `op` until it succeeds, trying again after a failure `retryable` accepts every
 * `o.retryDelayMs` while `o.connectTimeoutMs` allows (0: for ever); the first failure is told
 * to `report` (`what`, its message, and that it is tried again).
 * @throws the last failure, when the time is up or it is not retryable.
 */
export async function withEngineRetry<T>(
  o: { readonly retryDelayMs: number; readonly connectTimeoutMs: number },
  what: string,
  op: () => Promise<T>,
  report: (err: Error) => void,
  retryable: (err: unknown) => boolean = isTransient,
): Promise<T> {
  const deadline = o.connectTimeoutMs === 0 ? Number.POSITIVE_INFINITY : performance.now() + o.connectTimeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (!retryable(err) || performance.now() + o.retryDelayMs >= deadline) throw err;
      if (attempt === 1) {
        report(new Error(`${what} failed (${err instanceof Error ? err.message : String(err)}); retrying every ${o.retryDelayMs} ms within connectTimeoutMs`, { cause: err }));
      }
      await new Promise((r) => setTimeout(r, o.retryDelayMs));
    }
  }
}
