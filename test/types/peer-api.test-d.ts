/**
 * Type-level tests of the public API, checked by the compiler (test/unit/app/typed-api.test.ts
 * compiles this file and expects no diagnostic). Each `@ts-expect-error` line must fail to
 * compile: were events untyped again, the directive would be unused, itself an error.
 */
import { expectTypeOf } from 'vitest';
import {
  createPeer,
  NoRespondersError,
  AbortError,
  type DataLossEvent,
  type DataLossReason,
  type Message,
  type MulticastUnreachableEvent,
  type PeerEvents,
  type PeerJoinedEvent,
  type PeerLeftEvent,
  type PeerLeftReason,
  type PeerStats,
  type PeerUpdatedEvent,
  type SlowConsumerEvent,
  type StreamResetEvent,
  type Subscription,
} from '../../index.js';

interface Quote {
  readonly bid: number;
}

export async function typedApi(): Promise<void> {
  await using peer = await createPeer({ codec: 'json', echo: true });

  // Events: the listener gets the event's payload type; unknown names and fields do not compile.
  peer.on('dataLoss', (e) => expectTypeOf(e).toEqualTypeOf<DataLossEvent>());
  peer.on('peerJoined', (e) => expectTypeOf(e).toEqualTypeOf<PeerJoinedEvent>());
  peer.on('peerUpdated', (e) => expectTypeOf(e.previousPatterns).toEqualTypeOf<readonly string[]>());
  peer.on('peerLeft', (e) => expectTypeOf(e).toEqualTypeOf<PeerLeftEvent>());
  peer.on('slowConsumer', (e) => expectTypeOf(e).toEqualTypeOf<SlowConsumerEvent>());
  peer.on('streamReset', (e) => expectTypeOf(e).toEqualTypeOf<StreamResetEvent>());
  peer.on('multicastUnreachable', (e) => expectTypeOf(e).toEqualTypeOf<MulticastUnreachableEvent>());
  peer.once('error', (e) => expectTypeOf(e).toEqualTypeOf<Error>());
  // @ts-expect-error: no such field on a DataLossEvent
  peer.on('dataLoss', (e) => e.noSuchField);
  // @ts-expect-error: no such event
  peer.on('typo', () => undefined);
  // @ts-expect-error: the payload of 'peerLeft' is not a PeerUpdatedEvent
  peer.off('peerLeft', (e: PeerUpdatedEvent) => e.previousPatterns);
  // @ts-expect-error: emitting a payload of the wrong shape
  peer.emit('dataLoss', { sender: 'x' });
  expectTypeOf<PeerEvents['peerUpdated']>().toEqualTypeOf<[event: PeerUpdatedEvent]>();

  // Reasons are unions of what the code emits.
  expectTypeOf<DataLossReason>().toEqualTypeOf<'timeout' | 'unavailable' | 'senderLeft' | 'tooLarge' | 'durableBehind' | 'fragmentLost' | 'bufferFull' | 'subscriberOverflow' | 'expired'>();
  expectTypeOf<PeerLeftReason>().toEqualTypeOf<'bye' | 'expired' | 'restarted'>();
  peer.on('dataLoss', (e) => {
    // @ts-expect-error: not a reason the code emits
    if (e.reason === 'lost') return;
  });

  // stats() is typed down to the actors' counters.
  const stats = await peer.stats();
  expectTypeOf(stats).toEqualTypeOf<PeerStats>();
  expectTypeOf(stats.app.published).toEqualTypeOf<number>();
  expectTypeOf(stats.actors.sender.published).toEqualTypeOf<number>();
  expectTypeOf(stats.actors.receiver.naksSent).toEqualTypeOf<number>();
  expectTypeOf(stats.actors.socket.mailbox.length).toEqualTypeOf<number>();
  // @ts-expect-error: no such actor
  void stats.actors.nobody;

  // Message<T>: subscribe<T> / request<T> type data; unknown without a type argument.
  peer.subscribe<Quote>('quotes.>', (msg) => expectTypeOf(msg.data).toEqualTypeOf<Quote>());
  peer.subscribe('quotes.>', (msg) => expectTypeOf(msg.data).toEqualTypeOf<unknown>());
  const sub = peer.subscribe<Quote>('quotes.>', { codec: 'json', signal: AbortSignal.timeout(1000) });
  expectTypeOf(sub).toEqualTypeOf<Subscription<Quote>>();
  for await (const msg of sub) expectTypeOf(msg.data.bid).toEqualTypeOf<number>();
  {
    using scoped = peer.subscribe('a.b');
    expectTypeOf(scoped.isClosed).toEqualTypeOf<boolean>();
  }
  const reply = await peer.request<Quote>('rates.eur', { pair: 'EURUSD' }, { signal: AbortSignal.timeout(100), codec: { encode: (v: unknown) => new TextEncoder().encode(String(v)), decode: () => ({ bid: 1 }) } });
  expectTypeOf(reply).toEqualTypeOf<Message<Quote>>();
  // @ts-expect-error: not a codec
  peer.subscribe('a.b', { codec: 'yaml' });

  // Errors, closed, peers().
  expectTypeOf(new NoRespondersError('x').subject).toEqualTypeOf<string>();
  expectTypeOf(new AbortError().name).toEqualTypeOf<string>();
  expectTypeOf(peer.closed).toEqualTypeOf<Promise<Error | undefined>>();
  expectTypeOf(peer.peers()).toEqualTypeOf<PeerJoinedEvent[]>();
}
