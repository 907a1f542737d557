/**
 * The retransmit actor's inbox: it keeps the sender window, serves NAKs, sends heartbeats,
 * and owns the reliable-unicast channels (NAKs out, RETRANSMITs out, ACKs both ways).
 */
import type { FragmentRange, PeerId, SeqRange, StreamPosition, StreamStart, WireMessage } from '../../codecs/frame.js';
import type { DatagramIn } from '../socket/messages.js';
import type { UnicastTarget } from '../sender/messages.js';
import type { LedgerStreamInfo } from '../ledger/messages.js';

export type RetransmitInbox =
  /** NAK, ACK and RETRANSMIT datagrams, raw (decoded here). */
  | DatagramIn
  /**
   * DATA datagrams the sender just built (and put on the wire, or not when no destination wants
   * them), kept in the window as they are; `streams` are the streams they hold, with their ages.
   */
  | { readonly kind: 'sent'; readonly streams: readonly StreamStart[]; readonly datagrams: readonly Uint8Array[] }
  /** Our receiver wants these ranges (and these fragments of partly received messages) of `target`'s stream `subject` again. */
  | {
      readonly kind: 'nakRequested';
      readonly target: PeerId;
      readonly subject: string;
      readonly ranges: readonly SeqRange[];
      readonly fragments?: readonly FragmentRange[];
    }
  /** Our receiver's positions on `sender`'s streams, to put in the next ACK to it. */
  | { readonly kind: 'positions'; readonly sender: PeerId; readonly positions: readonly StreamPosition[] }
  /** The full list of peers that get DATA by unicast (heartbeats and multicast retransmits go to them by unicast too). */
  | { readonly kind: 'unicastTargets'; readonly targets: readonly UnicastTarget[] }
  /** A peer left or restarted: drop its channels. */
  | { readonly kind: 'peerGone'; readonly peer: PeerId; /** It said BYE or restarted: it never comes back (an expired one may). */ readonly retired?: boolean }
  /**
   * The addresses listed `peer` is proven to use (`host:port`: its listener, where its adverts
   * came from), from the receivers actor whenever they change: its NAK, RETRANSMIT and ACK
   * frames count only from them (a forged ACK moves its flow position, forged channel frames
   * fill its channel's window).
   */
  | { readonly kind: 'peerSources'; readonly peer: PeerId; readonly sources: readonly string[] }
  /** This peer is about to say BYE: send a heartbeat naming every active stream's final seq now. */
  | { readonly kind: 'closing' }
  /**
   * The ledger opened (only with `options.ledger`): what it holds of every stream this peer used
   * before; a listed stream starts this incarnation at `max(highSeq, seqFloor) + 1`.
   */
  | { readonly kind: 'ledgerResumed'; readonly seqFloor: number; readonly streams: readonly LedgerStreamInfo[] }
  /** The oldest message the ledger holds of these streams moved (appends, retention). */
  | { readonly kind: 'ledgerStreams'; readonly streams: readonly LedgerStreamInfo[] }
  /** The ledger's answer to ranges the window could not serve for `peer`: send it as RETRANSMIT. */
  | {
      readonly kind: 'served';
      readonly peer: PeerId;
      readonly subject: string;
      readonly messages: readonly WireMessage[];
      readonly unavailable: readonly SeqRange[];
    }
  /**
   * The flow actor's answer to `streamsIdle`: of the streams that left the heartbeats, those a
   * receiver has not confirmed up to their newest seq (announce them for more rounds) and the rest.
   */
  | { readonly kind: 'streamsChecked'; readonly unconfirmed: readonly string[]; readonly confirmed: readonly string[] }
  /**
   * From the flow actor: a receiver joined whose patterns match these streams of ours: announce
   * those that left the heartbeats again for a round (`StreamAnnouncer.wake`).
   */
  | { readonly kind: 'streamsWake'; readonly subjects: readonly string[] }
  /**
   * From the flow actor: what the receivers it waits for have delivered of these streams of ours
   * (`seqs[i]` for `subjects[i]`; `Number.MAX_SAFE_INTEGER`: nobody is waited for). The window
   * evicts confirmed messages first (`SenderWindow.setConfirmed`).
   */
  | { readonly kind: 'confirmed'; readonly subjects: readonly string[]; readonly seqs: readonly number[] }
  /**
   * From the sender, when the peer starts closing: these streams have messages numbered up to
   * `highSeq` (first seq of the incarnation `startSeq`) still waiting to be sent (for credit).
   * The closing heartbeats and BYE name at least that seq as each stream's end, so that
   * receivers report what never went out (`dataLoss` 'senderLeft') instead of taking the stream
   * as ended at its newest sent seq.
   */
  | { readonly kind: 'unsent'; readonly streams: readonly { readonly subject: string; readonly startSeq: number; readonly highSeq: number }[] };
