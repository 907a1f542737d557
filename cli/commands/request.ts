/**
 * `ledgecast request <subject> <data>`: sends one request and prints the first reply as one
 * JSON line on stdout; no reply within --timeout is exit code 3.
 */
import { createPeer, type Peer } from '../../actors/app/peer.js';
import { ERROR_CODES } from '../../errors.js';
import { EXIT_CODES, type RequestCliOptions } from '../cli-options.js';
import { aborted, sleep, stopExitCode, type CliIo } from '../cli-io.js';
import { messageToJsonLine, toJsonLine } from '../json-line.js';
import { patternMatches } from '../../actors/subjects/subject.js';

/** How long a fresh peer waits, at most, to hear of a peer whose patterns match the subject. */
const DISCOVERY_WAIT_MS = 1000;

/** Runs `request`; returns the exit code. */
export async function runRequest(o: RequestCliOptions, io: CliIo): Promise<number> {
  const peer = await createPeer(o.peer);
  try {
    peer.on('error', (err: Error) => io.err(toJsonLine({ event: 'error', message: err.message })));
    // A process that just started knows no peer yet: give discovery (answered at once) its
    // round trip, so that a responder that is there is known before the request goes out.
    await whenResponderKnown(peer, o.subject, DISCOVERY_WAIT_MS, io.stop);
    if (io.stop.aborted) return stopExitCode(io.stop);
    const reply = peer.request(o.subject, o.data, { timeoutMs: Math.round(o.timeoutSec * 1000) });
    const outcome = await Promise.race([reply.then((msg) => ({ msg })), aborted(io.stop).then(() => undefined)]).catch((err: unknown) => ({ err }));
    if (outcome === undefined) {
      void reply.catch(() => undefined);
      return stopExitCode(io.stop);
    }
    if ('err' in outcome) {
      if ((outcome.err as { code?: unknown }).code === ERROR_CODES.timeout) {
        io.err(`ledgecast: no reply on ${o.subject} within ${o.timeoutSec} s`);
        return EXIT_CODES.timeout;
      }
      if ((outcome.err as { code?: unknown }).code === ERROR_CODES.noResponders) {
        io.err(`ledgecast: no responders for ${o.subject}: no known peer subscribes to it`);
        return EXIT_CODES.timeout;
      }
      throw outcome.err;
    }
    io.out(messageToJsonLine(outcome.msg));
    return EXIT_CODES.ok;
  } finally {
    await peer.close({ timeoutMs: 1000 });
  }
}

/** Resolves once a known peer's patterns match `subject`, or after `maxMs`. */
async function whenResponderKnown(peer: Peer, subject: string, maxMs: number, stop: AbortSignal): Promise<void> {
  const endMs = Date.now() + maxMs;
  while (Date.now() < endMs && !stop.aborted) {
    if (peer.peers().some((p) => p.patterns.some((pattern) => patternMatches(pattern, subject)))) return;
    await sleep(20, stop);
  }
}
