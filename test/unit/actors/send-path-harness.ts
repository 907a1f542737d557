/**
 * Harness of the sender, flow and retransmit shell tests: a fake ActorContext that records what
 * the shell sends (per target actor) and emits, holds a clock the test advances, and captures the
 * one timer so the test can fire it. No runtime, no workers, no sockets.
 */
import type { Actor, ActorContext, ActorEvent } from '../../../runtime/actor.js';
import type { ActorRef } from '../../../runtime/actor-ref.js';
import type { PeerConfig } from '../../../actors/app/peer-config.js';
import type { AppEvent } from '../../../actors/app/events.js';
import type { PeerId, StreamStart, WireMessage } from '../../../codecs/frame.js';
import { decodeFrame } from '../../../codecs/frame-codec.js';
import type { Destination, SocketInbox } from '../../../actors/socket/messages.js';
import { resolveSenderOptions, type SenderOptions } from '../../../actors/sender/options.js';
import { resolveRetransmitOptions, type RetransmitOptions } from '../../../actors/retransmit/options.js';
import { resolveReceiverOptions } from '../../../actors/receiver/options.js';
import { resolveSocketOptions, type SocketOptions } from '../../../actors/socket/options.js';
import { resolveGroupMapOptions, resolveReceiverListOptions } from '../../../actors/subjects/options.js';

export class ShellContext implements ActorContext {
  readonly thread = 'main';
  nowMs = 0;
  /** Messages sent, per target actor name, in order. */
  readonly sent = new Map<string, unknown[]>();
  readonly events: AppEvent[] = [];
  timer: { atMs: number; onTimer: () => void } | undefined;
  /** Target names whose mailbox refuses messages. */
  readonly full = new Set<string>();

  constructor(readonly name: string) {}

  ref<In = unknown>(target: string): ActorRef<In> {
    const trySend = (msg: In): boolean => {
      if (this.full.has(target)) return false;
      let list = this.sent.get(target);
      if (list === undefined) this.sent.set(target, (list = []));
      list.push(msg);
      return true;
    };
    return {
      name: target,
      thread: 'main',
      send: (msg) => {
        if (!trySend(msg)) throw new Error(`mailbox of ${target} is full`);
      },
      trySend,
      whenWritable: async () => {},
    };
  }

  clock(): number {
    return this.nowMs;
  }

  setTimer(atMs: number, onTimer: () => void): void {
    this.timer = { atMs, onTimer };
  }

  clearTimer(): void {
    this.timer = undefined;
  }

  emit(event: ActorEvent): void {
    this.events.push(event as unknown as AppEvent);
  }

  /** Messages sent to `target` (typed by the caller), optionally only those of one kind. */
  to<T extends { kind: string }>(target: string, kind?: T['kind']): T[] {
    const all = (this.sent.get(target) ?? []) as T[];
    return kind === undefined ? all : all.filter((m) => m.kind === kind);
  }

  /** Forgets what was sent and emitted so far. */
  clear(): void {
    this.sent.clear();
    this.events.length = 0;
  }

  /**
   * Moves the clock to `atMs` without firing the timer: a message handled before the runtime
   * got to a due timer (a busy event loop runs its timers late).
   */
  jumpTo(atMs: number): void {
    this.nowMs = Math.max(this.nowMs, atMs);
  }

  /**
   * Advances the clock to `untilMs`, firing the timer each time it is due on the way (at its
   * due time), as the runtime would. Bounded, so a timer that re-arms in the past fails the test.
   */
  advanceTo(untilMs: number): void {
    for (let i = 0; i < 10_000; i++) {
      const t = this.timer;
      if (t === undefined || t.atMs > untilMs) {
        this.nowMs = Math.max(this.nowMs, untilMs);
        return;
      }
      this.nowMs = Math.max(this.nowMs, t.atMs);
      this.timer = undefined;
      t.onTimer();
    }
    throw new Error('the timer kept firing without time moving on');
  }
}

export const SELF: PeerId = { name: 'me', incarnation: 1 };

export interface ConfigOverrides {
  sender?: SenderOptions;
  retransmit?: RetransmitOptions;
  socket?: Partial<SocketOptions>;
  maxDatagramBytes?: number;
  maxPeers?: number;
  discoveryMs?: number;
}

/** A resolved PeerConfig with the defaults, and the overrides given. */
export function testConfig(o: ConfigOverrides = {}): PeerConfig {
  return {
    self: SELF,
    socket: resolveSocketOptions(o.socket ?? {}),
    groupMap: resolveGroupMapOptions({}),
    receiverList: resolveReceiverListOptions(o.maxPeers === undefined ? {} : { maxPeers: o.maxPeers }),
    sender: resolveSenderOptions(o.sender ?? {}),
    retransmit: resolveRetransmitOptions(o.retransmit ?? {}),
    receiver: resolveReceiverOptions({}),
    maxDatagramBytes: o.maxDatagramBytes ?? 1400,
    advertIntervalMs: 1000,
    discoveryMs: o.discoveryMs ?? 0,
    ackIntervalMs: 100,
    seeds: [],
  };
}

/** Builds an actor with a fake context and runs its `start`. */
export async function startActor<In>(
  create: (config: PeerConfig, ctx: ActorContext) => Actor<In>,
  name: string,
  config: PeerConfig,
): Promise<{ actor: Actor<In>; ctx: ShellContext }> {
  const ctx = new ShellContext(name);
  const actor = create(config, ctx);
  await actor.start?.(ctx);
  return { actor, ctx };
}

/** What the sender handed the socket in one `datagramsOut`, decoded back: its streams and messages, in order. */
export interface DataOutView {
  readonly streams: StreamStart[];
  readonly messages: WireMessage[];
  readonly destinations: readonly Destination[];
  /** The datagrams as built (each at most `maxDatagramBytes`). */
  readonly datagrams: readonly Uint8Array[];
}

/**
 * The sender's `datagramsOut` messages to the socket, each decoded (the test reads the bytes that
 * go on the wire): stream entries merged by subject in first-seen order, messages in order.
 */
/** The messages of DATA datagrams the sender built, decoded (throws on a datagram that is not DATA). */
export function messagesOfDatagrams(datagrams: readonly Uint8Array[]): WireMessage[] {
  const messages: WireMessage[] = [];
  for (const d of datagrams) {
    const r = decodeFrame(d);
    if (!r.ok || r.frame.kind !== 'data') throw new Error(`the sender built a datagram that is not DATA: ${r.ok ? r.frame.kind : r.reason}`);
    messages.push(...r.frame.messages);
  }
  return messages;
}

export function dataOutsOf(ctx: ShellContext): DataOutView[] {
  return ctx.to<Extract<SocketInbox, { kind: 'datagramsOut' }>>('socket', 'datagramsOut').map((out) => {
    const streams: StreamStart[] = [];
    const messages: WireMessage[] = [];
    for (const d of out.datagrams) {
      const r = decodeFrame(d);
      if (!r.ok || r.frame.kind !== 'data') throw new Error(`the sender built a datagram that is not DATA: ${r.ok ? r.frame.kind : r.reason}`);
      for (const st of r.frame.streams) if (!streams.some((x) => x.subject === st.subject)) streams.push(st);
      messages.push(...r.frame.messages);
    }
    return { streams, messages, destinations: out.destinations, datagrams: out.datagrams };
  });
}
