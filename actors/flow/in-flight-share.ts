/**
 * How many of our streams share the sender's window now: those with messages in flight (sent
 * beyond their window's position, so not yet confirmed by the receivers that limit them).
 *
 * Each stream's credit is its own window (`flowWindowMessages`, `flowWindowBytes`), but the
 * retransmission window (`windowMaxMessages`, `windowMaxBytes`) is one for all streams: 64
 * streams of 256 KiB messages, each 2 MiB in flight, are 128 MiB, and the window, at 64 MiB,
 * evicted what a slow receiver had not confirmed (it got `dataLoss` 'unavailable' under the
 * `min` policy that was to pace it). The flow actor gives each stream at most its share of half
 * the window (`windowFor` there): the sum of the credits stays within the window.
 *
 * The count is rounded up to a power of two and goes down only when the streams in flight fall
 * to a quarter of it, so that streams going in and out of flight do not make the flow actor work
 * out every stream's window again at each report: it does when {@link settle} says the count
 * changed.
 *
 * Pure; one per flow actor. Bounded by our subjects (the sender's `maxStreams`): the shell
 * forgets a subject when it parks.
 */
export class InFlightShare {
  private readonly inFlight = new Set<string>();
  private sharers = 1;

  /** The streams the window is shared by: a power of two, at least 1. */
  get count(): number {
    return this.sharers;
  }

  /** Streams with messages in flight, as last noted. */
  get inFlightNow(): number {
    return this.inFlight.size;
  }

  /** Notes whether `subject` has messages in flight now. */
  note(subject: string, inFlight: boolean): void {
    if (inFlight) this.inFlight.add(subject);
    else this.inFlight.delete(subject);
  }

  /** `subject` is no longer ours (parked): it has nothing in flight. */
  forget(subject: string): void {
    this.inFlight.delete(subject);
  }

  /** After the notes of one input: true when {@link count} changed (every window must be worked out again). */
  settle(): boolean {
    const n = this.inFlight.size;
    const now = this.sharers;
    if (n <= now && n > now / 4) return false;
    let q = 1;
    while (q < n) q *= 2;
    this.sharers = q;
    return q !== now;
  }
}
