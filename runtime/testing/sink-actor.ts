/**
 * TEST-ONLY fixture (compiled with the runtime so that workers can load it; not exported by the
 * package index): counts what it receives; after `{ kind: 'expect', total }` it emits
 * `{ kind: 'reached', count }` once `total` further messages have arrived. Used by bench/.
 *
 * @packageDocumentation
 */
import type { Actor, ActorContext } from '../actor.js';

/** Builds the sink actor. */
export function createActor(_options: unknown, ctx: ActorContext): Actor<unknown> {
  let count = 0;
  let target = Infinity;
  return {
    name: ctx.name,
    receive(msg) {
      if (!(msg instanceof Uint8Array) && (msg as { kind?: string }).kind === 'expect') {
        count = 0;
        target = (msg as { total: number }).total;
        return;
      }
      if (++count === target) ctx.emit({ kind: 'reached', count });
    },
    stats: () => ({ count }),
  };
}
