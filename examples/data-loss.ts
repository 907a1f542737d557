/**
 * Handling data loss: a receiver learns exactly which messages of which stream it will never
 * get (the sender no longer held them), instead of a silent gap.
 */
import { createPeer, type DataLossEvent } from '../index.js';

const peer = await createPeer({ name: `example-loss-${process.pid}` });

peer.on('dataLoss', (e: DataLossEvent) => {
  // For example: ask the sender's application for a snapshot, or mark the view as stale.
  console.error(`lost ${e.subject} seq ${e.fromSeq}..${e.toSeq} from ${e.sender} (${e.reason})`);
});
peer.on('peerLeft', (p) => console.log(`${p.name} left (${p.reason})`));
peer.on('multicastUnreachable', (p) => console.warn(`multicast from ${p.name} does not get through: switched to unicast`));

const sub = peer.subscribe('telemetry.>');
const stop = setTimeout(() => sub.unsubscribe(), 10_000);
for await (const msg of sub) console.log(msg.subject, msg.seq, msg.data);
clearTimeout(stop);
await peer.close();
