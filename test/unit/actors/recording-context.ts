/**
 * A recording {@link ActorContext} for driving the socket, subjects and receivers shells without a
 * runtime: sends are kept per target name, events in order, and time is a number the test
 * advances (the single timer fires when the clock reaches it). Also counts `setTimer` calls and
 * builds configs with the subjects-side knobs (group map, receiver list, seeds, advert interval).
 */
import type { ActorContext, ActorEvent } from '../../../runtime/actor.js';
import type { ActorRef } from '../../../runtime/actor-ref.js';
import type { PeerConfig } from '../../../actors/app/peer-config.js';
import type { PeerId } from '../../../codecs/index.js';
import { resolveSocketOptions } from '../../../actors/socket/options.js';
import type { SocketOptions } from '../../../actors/socket/options.js';
import { resolveGroupMapOptions, resolveReceiverListOptions } from '../../../actors/subjects/options.js';
import type { GroupMapOptions, ReceiverListOptions } from '../../../actors/subjects/options.js';
import { resolveSenderOptions } from '../../../actors/sender/options.js';
import { resolveRetransmitOptions } from '../../../actors/retransmit/options.js';
import { resolveReceiverOptions } from '../../../actors/receiver/options.js';

export class RecordingContext implements ActorContext {
  readonly thread = 'main';
  nowMs = 0;
  readonly events: ActorEvent[] = [];
  timer: { atMs: number; onTimer: () => void } | undefined;
  setTimerCalls = 0;
  /** When false, `trySend` refuses (a full mailbox) and `send` throws. */
  accepting = true;
  readonly #sent = new Map<string, unknown[]>();

  constructor(readonly name: string) {}

  ref<In = unknown>(name: string): ActorRef<In> {
    const push = (msg: In): boolean => {
      if (!this.accepting) return false;
      let list = this.#sent.get(name);
      if (list === undefined) this.#sent.set(name, (list = []));
      list.push(msg);
      return true;
    };
    return {
      name,
      thread: 'main',
      send: (msg) => {
        if (!push(msg)) throw new Error(`mailbox of ${name} is full`);
      },
      trySend: push,
      whenWritable: () => Promise.resolve(),
    };
  }

  clock(): number {
    return this.nowMs;
  }

  setTimer(atMs: number, onTimer: () => void): void {
    this.setTimerCalls++;
    this.timer = { atMs, onTimer };
  }

  clearTimer(): void {
    this.timer = undefined;
  }

  emit(event: ActorEvent): void {
    this.events.push(event);
  }

  /** Everything sent to `name` so far (not cleared). */
  sentTo<T = { kind: string }>(name: string): T[] {
    return (this.#sent.get(name) ?? []) as T[];
  }

  /** What was sent to `name` since the last `take(name)`. */
  take<T = { kind: string }>(name: string): T[] {
    const list = (this.#sent.get(name) ?? []) as T[];
    this.#sent.set(name, []);
    return list;
  }

  /** Takes the events emitted since the last call. */
  takeEvents(): ActorEvent[] {
    return this.events.splice(0);
  }

  /** Moves the clock forward by `ms`, firing the timer at its time each time the clock reaches it. */
  advance(ms: number): void {
    const end = this.nowMs + ms;
    for (let fired = 0; this.timer !== undefined && this.timer.atMs <= end; fired++) {
      if (fired > 100_000) throw new Error('timer keeps firing without the clock moving');
      const t = this.timer;
      this.timer = undefined;
      this.nowMs = Math.max(this.nowMs, t.atMs);
      t.onTimer();
    }
    this.nowMs = end;
  }
}

export interface TestConfigOptions {
  self?: PeerId;
  socket?: Partial<SocketOptions>;
  groupMap?: GroupMapOptions;
  receiverList?: ReceiverListOptions;
  maxDatagramBytes?: number;
  advertIntervalMs?: number;
  discoveryMs?: number;
  seeds?: { host: string; port: number }[];
}

/** A resolved {@link PeerConfig} with the library defaults, plus the given overrides. */
export function peerConfig(o: TestConfigOptions = {}): PeerConfig {
  return {
    self: o.self ?? { name: 'me', incarnation: 1 },
    socket: resolveSocketOptions(o.socket ?? {}),
    groupMap: resolveGroupMapOptions(o.groupMap ?? {}),
    receiverList: resolveReceiverListOptions(o.receiverList ?? {}),
    sender: resolveSenderOptions(),
    retransmit: resolveRetransmitOptions(),
    receiver: resolveReceiverOptions(),
    maxDatagramBytes: o.maxDatagramBytes ?? 1400,
    advertIntervalMs: o.advertIntervalMs ?? 1000,
    discoveryMs: o.discoveryMs ?? 0,
    ackIntervalMs: 100,
    seeds: o.seeds ?? [],
  };
}
