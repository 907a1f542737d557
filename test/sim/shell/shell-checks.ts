/**
 * What the shell simulator checks of each peer beyond the delivery invariants
 * (`invariants.ts`): the shells' own glue. Every one of these is zero or equal in a good run:
 *
 * - `actorError`: a throw out of a `receive` or a timer (the runtime would report it);
 * - `errorEvent`: an `error` event other than a publish refusal or a legitimate give-up (a
 *   failed group join, a socket error, ...);
 * - `channelGaveUp`: a reliable channel gave up on a frame some of whose attempts the socket
 *   actor dropped for want of the peer's address (only attempts that reached the lossy network
 *   may use up a channel: a give-up after `maxAttempts` of those is the network's doing, counted
 *   in `ShellScenarioResult.channelGiveUps`);
 * - `mailboxFull`: a mailbox refused a message (the runtime's, or an actor's `mailboxFull`);
 * - `socketDrop`: a datagram the socket actor dropped for a reason the simulator did not inject
 *   (`backpressure`, `ownerClosed`; undecodable ones are the checker's `decode`). Own frames,
 *   looped back by the simulated multicast, are the one expected drop;
 * - `misrouted`: a frame that reached an actor that does not own its kind;
 * - `unavailableDropped`: a RETRANSMIT `unavailable` range for a stream the receiver follows
 *   that did not reach the receiver core (a heartbeat's `lowSeq` would report the same loss
 *   later, so deliveries alone do not show it);
 * - `windowMirror`: the retransmit actor's window counters differ from the mirror that records
 *   evictions for the checker (`ShellPeer.shadowWindow`): the mirror would then excuse losses
 *   the actor's window did not cause;
 * - `windowRejected`: the window refused a message the sender sent;
 * - `publishUnsettled`: a batch neither accepted nor refused when the run ends (the network was
 *   quiet for 20 s), or messages still queued in the sender;
 * - `timerSpin`, `badTimer`: a timer re-armed in the past without end, or armed at NaN;
 * - `groupNotJoined`: the peer did not join the base group; `oversizeDatagram`: a datagram
 *   larger than `maxDatagramBytes`, or than UDP allows.
 */
import type { SenderWindow } from '../../../actors/sender/sender-window.js';
import type { Violation } from '../invariants.js';
import type { ShellPeer } from './shell-peer.js';

/** Socket drops that are never expected: every datagram the simulator delivers has an owner with room. */
const UNEXPECTED_SOCKET_DROPS = ['backpressure', 'ownerClosed'] as const;

const MIRRORED_COUNTERS: readonly (keyof SenderWindow['counters'])[] = ['messages', 'bytes', 'peakMessages', 'peakBytes', 'evicted', 'fragmentsDropped'];

export function checkShellPeer(peer: ShellPeer): Violation[] {
  const out: Violation[] = [];
  const who = peer.id.name;
  const add = (kind: string, detail: string): void => {
    out.push({ kind, detail: `${who}: ${detail}` });
  };
  for (const e of peer.system.errors.slice(0, 5)) add('actorError', `actor ${e.actor} threw at ${e.atMs} ms: ${e.message}`);
  for (const e of peer.errorEvents.filter((x) => x.name !== 'ChannelGaveUpError').slice(0, 5)) {
    add('errorEvent', `actor ${e.actor} emitted ${e.name} (${e.code}): ${e.message}`);
  }
  for (const e of peer.errorEvents.filter((x) => x.name === 'ChannelGaveUpError')) {
    const culprit = /to peer (\S+) gave up: channel sequence (\d+) /.exec(e.message);
    if (culprit === null) add('channelGaveUp', `a give-up the checker cannot read: ${e.message}`);
    else if (peer.unaddressedChannelFrames.has(`${culprit[1]} ${culprit[2]}`)) {
      add('channelGaveUp', `${e.message}, though the socket actor had no address for it at some of those transmissions`);
    }
  }
  for (const name of peer.system.names) {
    const { actor, mailbox } = peer.system.stats(name);
    if (mailbox.rejectedFull > 0) add('mailboxFull', `the mailbox of ${name} refused ${mailbox.rejectedFull} messages`);
    const full = actor.mailboxFull;
    if (typeof full === 'number' && full > 0) add('mailboxFull', `${name} had ${full} sends refused by a full mailbox`);
  }
  const socket = peer.stats('socket');
  const dropped = socket.dropped as Record<string, number>;
  for (const reason of UNEXPECTED_SOCKET_DROPS) if (dropped[reason] > 0) add('socketDrop', `the socket actor dropped ${dropped[reason]} datagrams (${reason})`);
  const misrouted = [
    ['receivers', peer.stats('receivers').unexpectedFrames as number],
    ['retransmit', peer.stats('retransmit').unexpectedFrames as number],
    ['receiver', (peer.stats('receiver').dropped as Record<string, number>).wrongActor ?? 0],
  ] as const;
  for (const [actor, n] of misrouted) if (n > 0) add('misrouted', `${actor} got ${n} frames of a kind it does not own`);
  const reports = peer.stats('receiver').unavailableReports as number;
  if (reports < peer.unavailableForFollowedStreams) {
    add('unavailableDropped', `the receiver actor was handed ${peer.unavailableForFollowedStreams} unavailable ranges of streams it follows; its core got ${reports}`);
  }
  const real = peer.windowCounters;
  const mirror = peer.shadowWindow.counters;
  for (const key of MIRRORED_COUNTERS) {
    if (real[key] !== mirror[key]) add('windowMirror', `window ${key} is ${real[key]}, its mirror's ${mirror[key]}`);
  }
  const rejected = peer.stats('retransmit').windowRejected as number;
  if (rejected > 0) add('windowRejected', `the window refused ${rejected} sent messages`);
  const unsettled = peer.batches.filter((b) => b.state === 'pending');
  if (unsettled.length > 0) add('publishUnsettled', `${unsettled.length} batches neither accepted nor refused (first: ${unsettled[0].batchId})`);
  const queued = peer.stats('sender').queued as number;
  if (queued > 0) add('publishUnsettled', `the sender still holds ${queued} messages`);
  for (const [actor, n] of peer.system.timerSpins) add('timerSpin', `the timer of ${actor} fired over and over at one instant (${n} times)`);
  if (peer.system.badTimers > 0) add('badTimer', `${peer.system.badTimers} timers armed at NaN`);
  const ep = peer.endpoint;
  if (!ep.joinedGroups.includes(peer.config.groupMap.baseGroup)) add('groupNotJoined', `not a member of ${peer.config.groupMap.baseGroup} (joined: ${ep.joinedGroups.join(', ')})`);
  if (ep.largestSent > peer.config.maxDatagramBytes) add('oversizeDatagram', `sent a ${ep.largestSent}-byte datagram (maxDatagramBytes ${peer.config.maxDatagramBytes})`);
  if (ep.counters.sendErrors > 0) add('oversizeDatagram', `${ep.counters.sendErrors} datagrams too large for UDP`);
  return out;
}
