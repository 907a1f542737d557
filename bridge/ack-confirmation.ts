/**
 * When the import side asks JetStream to confirm its last acknowledgement (pure: no I/O).
 *
 * Acknowledgements are plain publishes: one lost with a NATS node (the connection's last writes
 * before it died, or a consumer leader killed before it replicated the ack floor) is never
 * sent again, because with `AckPolicy.All` only the newest one matters and nothing newer comes:
 * the consumer holds `max_ack_pending` deliveries unacknowledged and delivers nothing until its
 * ack wait (30 s) passes, then delivers them all again. Measured on the loopback leader-kill
 * test: kill to end 26-32 s in such runs against 8-12 s otherwise.
 *
 * So when the consumer has nothing more for the importer (an idle heartbeat naming the last
 * delivery the importer acknowledged), or the connection came back, or consumer info shows an
 * ack floor behind the last acknowledgement sent, that acknowledgement is sent again as a
 * request (the server answers acknowledgements that carry a reply subject) until one is
 * answered. Acknowledging again what was acknowledged is harmless with `AckPolicy.All`: every
 * message up to it was published in the zone before the first one went.
 */
export class AckConfirmation<T> {
  /** The last acknowledgement sent, and its delivery sequence. */
  private last: { readonly item: T; readonly deliverySeq: number } | undefined;
  private confirmed = true;
  private asking = false;

  /** `item` (delivery sequence `deliverySeq`) was acknowledged, not yet confirmed. */
  acked(item: T, deliverySeq: number): void {
    this.last = { item, deliverySeq };
    this.confirmed = false;
  }

  /**
   * An idle heartbeat: the consumer's last delivery is `lastDelivered`. Returns the item to
   * acknowledge again (as a request), or undefined: nothing unconfirmed, a request already out,
   * or deliveries after the last acknowledgement still to come or to publish (their own
   * acknowledgement follows).
   */
  onIdle(lastDelivered: number): T | undefined {
    if (this.last === undefined || lastDelivered !== this.last.deliverySeq) return undefined;
    return this.ask();
  }

  /** The connection to NATS came back: what was written just before the break may be lost. */
  onReconnect(): T | undefined {
    if (this.last === undefined) return undefined;
    this.confirmed = false;
    return this.ask();
  }

  /**
   * Consumer info: the server's ack floor and last delivery (delivery sequences). An ack floor
   * behind the last acknowledgement sent, for a delivery the server made, means it never got it.
   */
  onConsumerInfo(ackFloor: number, delivered: number): T | undefined {
    const l = this.last;
    if (l === undefined || ackFloor >= l.deliverySeq || delivered < l.deliverySeq) return undefined;
    this.confirmed = false;
    return this.ask();
  }

  /** Now, whatever the consumer says (the acknowledgement of a catch-up, which nothing else will send): the item, unless confirmed or asked already. */
  askNow(): T | undefined {
    return this.ask();
  }

  /** The server answered the request for `item`. */
  answered(item: T): void {
    this.asking = false;
    if (this.last?.item === item) this.confirmed = true;
  }

  /** The request for `item` got no answer (timeout, no responders): the next trigger asks again. */
  unanswered(_item: T): void {
    this.asking = false;
  }

  private ask(): T | undefined {
    if (this.last === undefined || this.confirmed || this.asking) return undefined;
    this.asking = true;
    return this.last.item;
  }
}
