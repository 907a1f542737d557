/**
 * TEST-ONLY fixture (compiled with the runtime so that workers can load it; not exported by the
 * package index): on `{ kind: 'go', count, window, payload }` sends `count` pings to
 * `options.target` with at most `window` unanswered, checks that the answers come back in order,
 * and emits `{ kind: 'done', received, inOrder, ms }`. Used by test/unit/runtime and bench/.
 *
 * @packageDocumentation
 */
import type { Actor, ActorContext } from '../actor.js';
import type { ActorRef } from '../actor-ref.js';

/** Options of the ping actor. */
export interface PingOptions {
  /** The actor that answers (an echo). */
  readonly target: string;
}

/** What the ping actor receives. */
export type PingMessage =
  | { readonly kind: 'go'; readonly count: number; readonly window: number; readonly payload?: 'object' | 'bytes' }
  | { readonly kind: 'ping'; readonly seq: number }
  | Uint8Array;

/** Builds the ping actor. */
export function createActor(options: PingOptions, ctx: ActorContext): Actor<PingMessage> {
  let target: ActorRef<PingMessage> | undefined;
  let count = 0;
  let window = 0;
  let bytes = false;
  let sent = 0;
  let received = 0;
  let inOrder = true;
  let startedAt = 0;

  const sendMore = (): void => {
    while (sent < count && sent - received < window) {
      if (bytes) {
        const b = new Uint8Array(16);
        new DataView(b.buffer).setUint32(0, sent, true);
        target!.send(b);
      } else {
        target!.send({ kind: 'ping', seq: sent });
      }
      sent++;
    }
  };

  return {
    name: ctx.name,
    start() {
      target = ctx.ref(options.target);
    },
    receive(msg) {
      if (msg instanceof Uint8Array) {
        const seq = new DataView(msg.buffer, msg.byteOffset, msg.byteLength).getUint32(0, true);
        if (seq !== received) inOrder = false;
      } else if (msg.kind === 'go') {
        count = msg.count;
        window = msg.window;
        bytes = msg.payload === 'bytes';
        sent = 0;
        received = 0;
        inOrder = true;
        startedAt = ctx.clock();
        sendMore();
        return;
      } else if (msg.seq !== received) {
        inOrder = false;
      }
      received++;
      if (received === count) {
        ctx.emit({ kind: 'done', received, inOrder, ms: ctx.clock() - startedAt });
      } else {
        sendMore();
      }
    },
    stats: () => ({ sent, received }),
  };
}
