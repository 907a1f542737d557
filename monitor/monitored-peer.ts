/**
 * What the monitor, the metrics and the logger use of a `Peer`. A `Peer` is one; declared here,
 * from the peer's event and stats types, so that the peer can start them without the two
 * modules importing each other.
 */
import type { EventEmitter } from 'node:events';
import type { PeerEvents, PeerJoinedEvent } from '../actors/app/peer-events.js';
import type { PeerStats } from '../actors/app/peer-stats.js';
import type { Message } from '../actors/app/message.js';
import type { Subscription } from '../actors/app/subscription.js';

export interface MonitoredPeer extends Pick<EventEmitter<PeerEvents>, 'on' | 'off'> {
  readonly name: string;
  readonly incarnation: number;
  stats(): Promise<PeerStats>;
  peers(): PeerJoinedEvent[];
  subscribe(pattern: string, handler: (msg: Message) => void): Subscription;
}
