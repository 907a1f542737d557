/**
 * TEST-ONLY fixture (compiled with the runtime so that workers can load it; not exported by the
 * package index): an actor that sends every message it receives back to `options.replyTo`.
 * Used by test/unit/runtime and bench/.
 *
 * @packageDocumentation
 */
import { InvalidOptionError } from '../../errors.js';
import type { Actor, ActorContext } from '../actor.js';
import type { ActorRef } from '../actor-ref.js';

/** Options of the echo actor. */
export interface EchoOptions {
  /** The actor to echo to. */
  readonly replyTo: string;
  /** The name to register under. @default 'echo' */
  readonly name?: string;
}

/** Builds the echo actor. */
export function createActor(options: EchoOptions, ctx: ActorContext): Actor<unknown> {
  let replyTo: ActorRef<unknown> | undefined;
  let echoed = 0;
  return {
    name: options.name ?? ctx.name,
    start(c) {
      replyTo = c.ref(options.replyTo);
    },
    receive(msg) {
      replyTo!.send(msg);
      echoed++;
    },
    configure(o) {
      const next = (o as { replyTo?: unknown } | null)?.replyTo;
      if (typeof next !== 'string') throw new InvalidOptionError(`options.replyTo must be an actor name, got ${String(next)}`);
      replyTo = ctx.ref(next);
    },
    stats: () => ({ echoed, thread: ctx.thread }),
  };
}
