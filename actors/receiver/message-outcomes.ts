/**
 * What a stream did with a message, counted ({@link countOutcome}), and the way a fragment reaches
 * its stream: through the stream's {@link Reassembler}, whole ({@link takeFragment}). Shared by the
 * {@link Receiver}'s DATA and RETRANSMIT paths (receiver.ts).
 */
import type { WireMessage } from '../../codecs/frame.js';
import type { BufferBudget } from './buffer-budget.js';
import type { ResolvedReceiverOptions } from './options.js';
import { Reassembler } from './reassembler.js';
import type { ReceiverCounters } from './receiver-counters.js';
import type { StreamState } from './stream-state.js';
import type { MessageOutcome } from './stream-receiver.js';

/** Which counter each {@link MessageOutcome} adds to. */
const OUTCOME_COUNTERS: Record<MessageOutcome, keyof ReceiverCounters | undefined> = {
  delivered: undefined,
  buffered: 'messagesBuffered',
  duplicate: 'duplicates',
  old: 'oldMessages',
  beyondWindow: 'beyondWindowDrops',
  bufferFull: 'bufferFullDrops',
  implausible: 'implausibleSeqs',
  invalid: 'invalidInputs',
};

/** What {@link takeFragment} shares with the receiver: the memory budget, counters and options. */
export interface FragmentContext {
  readonly budget: BufferBudget;
  readonly counters: ReceiverCounters;
  readonly options: ResolvedReceiverOptions;
}

/** Counts what the stream did with a message. */
export function countOutcome(counters: ReceiverCounters, outcome: MessageOutcome): void {
  // The common outcomes by name: a keyed increment per buffered message was the largest line
  // of onData under loss (most messages wait in the reorder buffer then).
  if (outcome === 'buffered') counters.messagesBuffered++;
  else if (outcome !== 'delivered') counters[OUTCOME_COUNTERS[outcome] as keyof ReceiverCounters]++;
}

/**
 * A fragment: the stream learns its message exists; the reassembler holds it; the fragment
 * that completes its message hands the whole message to the stream, under the message's seq.
 */
export function takeFragment(nowMs: number, st: StreamState, msg: WireMessage, retransmitted: boolean, ctx: FragmentContext): void {
  const seen = st.stream.onFragmentSeen(nowMs, msg.seq);
  if (seen !== 'buffered') {
    countOutcome(ctx.counters, seen);
    return;
  }
  st.reassembler ??= new Reassembler({ budget: ctx.budget, counters: ctx.counters }, ctx.options);
  const r = st.reassembler.push(msg, msg.seq === st.stream.nextSeq);
  switch (r.kind) {
    case 'completed':
      countOutcome(ctx.counters, st.stream.onMessage(nowMs, r.message, retransmitted));
      break;
    case 'tooLarge':
      st.stream.giveUp(nowMs, msg.seq, 'tooLarge');
      break;
    case 'inconsistent':
      ctx.counters.invalidInputs++;
      break;
    case 'held':
    case 'duplicate':
    case 'bufferFull':
      break; // counted by the reassembler
  }
}
