/**
 * Watching a peer: the HTTP monitor (a page with charts, its JSON and Prometheus metrics on
 * 127.0.0.1), and its lifecycle in your logs through a pino-compatible logger (here a tiny
 * console one; `pino()` fits as is).
 */
import { createPeer, type Logger } from '../index.js';

const log =
  (level: string) =>
  (obj: Record<string, unknown>, msg?: string): void =>
    console.log(JSON.stringify({ level, time: Date.now(), ...obj, msg }));
const logger: Logger = { debug: () => undefined, info: log('info'), warn: log('warn'), error: log('error') };

const peer = await createPeer({
  name: `example-monitor-${process.pid}`,
  logger,
  // port 0: any free port; the page also lists the streams of 'telemetry.>' it hears.
  monitor: { port: 0, subscribe: ['telemetry.>'] },
});
console.log(`open ${peer.monitorUrl} (Prometheus: ${peer.monitorUrl}metrics)`);

for (let i = 0; i < 30; i++) {
  await peer.publish('telemetry.example', { i, at: Date.now() });
  await new Promise((r) => setTimeout(r, 1000));
}
await peer.close();
