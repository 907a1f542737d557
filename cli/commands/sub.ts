/**
 * `ledgecast sub <pattern>`: one JSON line per message on stdout; data-loss and stream-reset
 * events as JSON lines on stderr.
 */
import { createPeer } from '../../actors/app/peer.js';
import type { Message } from '../../actors/app/message.js';
import type { Subscription } from '../../actors/app/subscription.js';
import type { DataLossEvent } from '../../actors/app/peer.js';
import { EXIT_CODES, type SubOptions } from '../cli-options.js';
import { aborted, sleep, stopExitCode, type CliIo } from '../cli-io.js';
import { dataLossToJsonLine, messageToJsonLine, toJsonLine } from '../json-line.js';

/** Runs `sub` until --count, --timeout or a stop signal; returns the exit code. */
export async function runSub(o: SubOptions, io: CliIo): Promise<number> {
  const peer = await createPeer(o.peer);
  try {
    peer.on('dataLoss', (e: DataLossEvent) => io.err(dataLossToJsonLine(e)));
    peer.on('streamReset', (e: { sender: string; subject: string; fromSeq: number }) => io.err(toJsonLine({ event: 'streamReset', ...e })));
    peer.on('error', (err: Error) => io.err(toJsonLine({ event: 'error', message: err.message })));

    let received = 0;
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    let sub: Subscription | undefined;
    const print = (msg: Message): void => {
      if (o.count !== undefined && received >= o.count) return;
      io.out(messageToJsonLine(msg));
      received++;
      if (received === o.count) {
        // At once: a durable subscription confirms (acks) what its handler was given, and a
        // message past --count must stay for the next run.
        sub?.unsubscribe();
        resolveDone();
      }
    };
    // A durable subscription confirms each message once printed (the library's ack 'auto').
    sub = o.durable === undefined ? peer.subscribe(o.pattern, print) : peer.subscribe(o.pattern, { durable: o.durable }, print);

    const timedOut = o.timeoutSec === undefined ? new Promise<never>(() => undefined) : sleep(o.timeoutSec * 1000, io.stop).then(() => 'timeout' as const);
    const outcome = await Promise.race([done.then(() => 'count' as const), timedOut, aborted(io.stop).then(() => 'stop' as const)]);
    sub.unsubscribe();
    if (outcome === 'count') return EXIT_CODES.ok;
    if (outcome === 'stop' || io.stop.aborted) return stopExitCode(io.stop);
    return o.count !== undefined && received < o.count ? EXIT_CODES.timeout : EXIT_CODES.ok;
  } finally {
    await peer.close();
  }
}
