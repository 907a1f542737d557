/**
 * `ledgecast monitor`: joins the domain as a passive peer (subscribing only to the --subscribe
 * patterns, if any) and serves the HTTP monitor (`/`, `/api/state`, `/metrics`) until Ctrl-C.
 */
import { createPeer } from '../../actors/app/peer.js';
import type { MonitorCliOptions } from '../cli-options.js';
import { aborted, stopExitCode, type CliIo } from '../cli-io.js';
import { toJsonLine } from '../json-line.js';

/** Runs `monitor` until a stop signal; returns the exit code. */
export async function runMonitor(o: MonitorCliOptions, io: CliIo): Promise<number> {
  const peer = await createPeer({ ...o.peer, monitor: { port: o.httpPort, host: o.httpHost, subscribe: [...o.subscribe] } });
  try {
    peer.on('error', (err: Error) => io.err(toJsonLine({ event: 'error', message: err.message })));
    io.err(`ledgecast: monitor of peer ${peer.name} at ${peer.monitorUrl} (metrics: ${peer.monitorUrl}metrics); Ctrl-C to stop`);
    await aborted(io.stop);
    return stopExitCode(io.stop);
  } finally {
    await peer.close({ timeoutMs: 0 });
  }
}
