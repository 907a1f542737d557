/**
 * Requests across zones, through core NATS (at most once: never through JetStream).
 *
 * Out (a request made in this zone): the bridge subscribes in its zone to the `requests`
 * patterns, so a requester here sees a responder. The import-lease holder (one bridge per zone)
 * relays a request that no peer of this zone can answer (zone bridges aside) as a core-NATS
 * request on `lcr.<subject>`, with header `Lc-Zone`, and publishes the first reply on the
 * requester's inbox. When NATS says nobody listens there, it replies with the marker
 * `_LC_STATUS.noResponders` and the requester's `peer.request()` fails with `NoRespondersError`
 * (actors/app/requests.ts). A request that a peer of this zone can answer is left to it (the
 * nearest responder answers, as NATS's gateways prefer a local queue subscriber).
 *
 * In (a request from another zone): the bridge holds a NATS subscription on `lcr.<r>` (queue
 * group `lc_req_<zone>`: one bridge of the zone takes each request) for each pattern `r` that a
 * peer of this zone (not a bridge) advertises and that overlaps a `requests` pattern (at most
 * {@link MAX_RELAYED}), and only those, so NATS says "no responders" when no zone has one. It publishes the request in its zone
 * with one of its relay inboxes (`_LC_RELAY.<token>.<n>`, never relayed again) as `replyTo` and
 * sends back the first reply.
 *
 * Bounded: at most {@link MAX_RELAYED} requests of each direction wait at once (more are not
 * relayed: their requesters time out, counted); each waits `requestTimeoutMs` at most.
 */
import { randomBytes } from 'node:crypto';
import { headers, RequestError, type Msg, type NatsConnection, type Subscription as NatsSubscription } from '@nats-io/transport-node';
import { MSGPACK_CODEC } from '../actors/app/codec.js';
import type { Message } from '../actors/app/message.js';
import { BRIDGE_MARKER_PREFIX, inboxOf, isBridgePeer, isRelayableRequest, NO_RESPONDERS_MARKER, RELAY_INBOX_PREFIX, replyRoute } from '../actors/app/origin.js';
import type { Subscription } from '../actors/app/subscription.js';
import { patternMatches } from '../actors/subjects/subject.js';
import { HEADERS, matchesAny, patternsOverlap, requestSubject, subjectOfRequest } from './naming.js';
import type { ResolvedBridgeOptions } from './options.js';

/** Requests waiting for a reply, per direction, at most. */
export const MAX_RELAYED = 4096;

/** How often the NATS subscriptions are matched against this zone's responders, ms (also on every peer event). */
const REFRESH_MS = 1000;

/** Request relay counters. */
export interface RelayCounters {
  /** Requests of this zone relayed to the other zones. */
  out: number;
  /** Replies to them brought back. */
  outReplies: number;
  /** Of them, answered "no responders" (no zone subscribes). */
  outNoResponders: number;
  /** Of them, no reply within `requestTimeoutMs`, or NATS failed. */
  outFailed: number;
  /** Requests from other zones published in this zone. */
  in: number;
  /** Replies to them sent back. */
  inReplies: number;
  /** Of them, no reply in this zone within `requestTimeoutMs`. */
  inTimeouts: number;
  /** Requests not relayed: `MAX_RELAYED` were already waiting. */
  refused: number;
}

export class RequestRelay {
  readonly counters: RelayCounters = { out: 0, outReplies: 0, outNoResponders: 0, outFailed: 0, in: 0, inReplies: 0, inTimeouts: 0, refused: 0 };
  private readonly subs: Subscription[] = [];
  private readonly natsSubs = new Map<string, NatsSubscription>();
  /** Requests from other zones waiting for a reply here, by relay inbox. */
  private readonly waiting = new Map<string, (reply: Message) => void>();
  private outstandingOut = 0;
  private readonly inboxPrefix = `${RELAY_INBOX_PREFIX}${randomBytes(9).toString('base64url').replace(/[^A-Za-z0-9]/g, 'x')}`;
  private nextInbox = 1;
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly onPeers = (): void => this.refresh();
  private closed = false;

  constructor(
    private readonly o: ResolvedBridgeOptions,
    private readonly nc: NatsConnection,
    /** Whether this bridge is its zone's import-lease holder (the one that relays out). */
    private readonly isHolder: () => boolean,
    private readonly onError: (err: Error) => void,
  ) {}

  start(): void {
    const peer = this.o.peer;
    for (const p of this.o.requests) this.subs.push(peer.subscribe(p, (m) => this.onLocalRequest(m)));
    this.subs.push(peer.subscribe(`${this.inboxPrefix}.>`, (m) => this.waiting.get(inboxOf(m))?.(m)));
    for (const e of ['peerJoined', 'peerUpdated', 'peerLeft'] as const) peer.on(e, this.onPeers);
    this.refresh();
    this.refreshTimer = setInterval(() => this.refresh(), REFRESH_MS);
    this.refreshTimer.unref?.();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.refreshTimer);
    for (const e of ['peerJoined', 'peerUpdated', 'peerLeft'] as const) this.o.peer.off(e, this.onPeers);
    for (const s of this.subs.splice(0)) s.unsubscribe();
    for (const s of this.natsSubs.values()) s.unsubscribe();
    this.natsSubs.clear();
    this.waiting.clear();
  }

  /** The patterns this zone's peers (not bridges, not inboxes) advertise. */
  private responderPatterns(): string[] {
    const out: string[] = [];
    for (const p of this.o.peer.peers()) {
      if (isBridgePeer(p.patterns)) continue;
      for (const pattern of p.patterns) if (!pattern.startsWith('_')) out.push(pattern);
    }
    return out;
  }

  /** Whether a peer of this zone other than bridges advertises a pattern matching `subject`. */
  private answeredHere(subject: string): boolean {
    for (const p of this.responderPatterns()) if (patternMatches(p, subject)) return true;
    return false;
  }

  /**
   * Subscribes on NATS to each pattern a peer of this zone advertises that overlaps a `requests`
   * pattern, and only to those: a request no zone answers finds no subscriber, and NATS says so.
   */
  private refresh(): void {
    if (this.closed) return;
    const wanted = new Set<string>();
    for (const r of this.responderPatterns()) {
      if (wanted.size >= MAX_RELAYED) break;
      if (this.o.requests.some((p) => patternsOverlap(r, p))) wanted.add(r);
    }
    for (const [r, sub] of this.natsSubs) {
      if (wanted.has(r)) continue;
      sub.unsubscribe();
      this.natsSubs.delete(r);
    }
    const queue = `lc_req_${this.o.zone}`;
    const callback = (err: Error | null, m: Msg): void => {
      if (err === null) this.onRemoteRequest(m);
    };
    for (const r of wanted) if (!this.natsSubs.has(r)) this.natsSubs.set(r, this.nc.subscribe(requestSubject(r), { queue, callback }));
  }

  /** A message on a `requests` pattern in this zone: relayed out when it is a request nobody here answers. */
  private onLocalRequest(m: Message): void {
    const replyTo = m.replyTo;
    // A reply routed to its requester's reply subject carries the request's inbox as replyTo: not a request.
    if (this.closed || !isRelayableRequest(replyTo) || m.origin !== undefined || !this.isHolder() || inboxOf(m) !== m.subject) return;
    if (this.answeredHere(m.subject)) return;
    if (this.outstandingOut >= MAX_RELAYED) {
      this.counters.refused++;
      return;
    }
    this.counters.out++;
    this.outstandingOut++;
    const h = headers();
    h.set(HEADERS.zone, this.o.zone);
    if (m.isValue) h.set(HEADERS.value, '1');
    this.nc
      .request(requestSubject(m.subject), m.raw, { timeout: this.o.requestTimeoutMs, headers: h })
      .then(
        (reply) => {
          this.counters.outReplies++;
          const route = replyRoute(replyTo); // one stream per requester (origin.ts)
          return this.publishLocal(route.subject, reply.data, reply.headers?.get(HEADERS.value) === '1', route.replyTo);
        },
        (err: unknown) => {
          if (err instanceof RequestError && err.isNoResponders()) {
            this.counters.outNoResponders++;
            return this.o.peer.publish(replyTo, null, { replyTo: NO_RESPONDERS_MARKER });
          }
          this.counters.outFailed++;
          return undefined;
        },
      )
      .catch((err: unknown) => this.report(`replying to a request on ${m.subject} relayed to other zones failed`, err))
      .finally(() => this.outstandingOut--);
  }

  /** A request from another zone: published here with a relay inbox; the first reply goes back. */
  private onRemoteRequest(nm: Msg): void {
    const subject = subjectOfRequest(nm.subject);
    if (this.closed || subject === undefined || nm.reply === undefined || nm.reply === '') return;
    if (nm.headers?.get(HEADERS.zone) === this.o.zone || !matchesAny(this.o.requests, subject)) return;
    if (!this.answeredHere(subject)) return; // another zone may answer; if none does, the requester times out
    if (this.waiting.size >= MAX_RELAYED) {
      this.counters.refused++;
      return;
    }
    this.counters.in++;
    const inbox = `${this.inboxPrefix}.${this.nextInbox++}`;
    const timer = setTimeout(() => {
      this.waiting.delete(inbox);
      this.counters.inTimeouts++;
    }, this.o.requestTimeoutMs);
    timer.unref?.();
    this.waiting.set(inbox, (reply) => {
      clearTimeout(timer);
      this.waiting.delete(inbox);
      this.counters.inReplies++;
      const h = headers();
      if (reply.isValue) h.set(HEADERS.value, '1');
      nm.respond(reply.raw, { headers: h });
    });
    this.publishLocal(subject, nm.data, nm.headers?.get(HEADERS.value) === '1', inbox).catch((err: unknown) => {
      clearTimeout(timer);
      this.waiting.delete(inbox);
      this.report(`publishing a request from another zone on ${subject} failed`, err);
    });
  }

  /** Publishes `data` (one msgpack value when `isValue`, else raw bytes) on `subject` in this zone. */
  private publishLocal(subject: string, data: Uint8Array, isValue: boolean, replyTo?: string): Promise<void> {
    const value = isValue ? MSGPACK_CODEC.decode(1, data) : data;
    return this.o.peer.publish(subject, value, { replyTo, codec: 'msgpack' });
  }

  private report(what: string, err: unknown): void {
    if (!this.closed) this.onError(new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
  }
}

/** The pattern a bridge's peer subscribes to so that its zone's peers know it is a bridge. */
export function bridgeMarkerPattern(zone: string): string {
  return `${BRIDGE_MARKER_PREFIX}${zone}`;
}
