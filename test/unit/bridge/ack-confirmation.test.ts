import { describe, expect, it } from 'vitest';
import { AckConfirmation } from '../../../bridge/ack-confirmation.js';

describe('AckConfirmation', () => {
  it('asks again for the last acknowledgement when the consumer goes idle right after it (the lost-ack stall of the leader-kill test)', () => {
    const c = new AckConfirmation<string>();
    c.acked('d2048', 2048);
    // The consumer's heartbeat names delivery 2048 as its last: it has nothing newer for us,
    // or holds max_ack_pending deliveries unacknowledged because it never got this ack.
    expect(c.onIdle(2048)).toBe('d2048');
  });

  it('asks nothing while deliveries after the last acknowledgement are still to come or to publish', () => {
    const c = new AckConfirmation<string>();
    c.acked('d10', 10);
    expect(c.onIdle(12)).toBeUndefined();
  });

  it('asks once per acknowledgement: not while a request is out, not after an answer, again after a new acknowledgement', () => {
    const c = new AckConfirmation<string>();
    expect(c.onIdle(0)).toBeUndefined(); // nothing acknowledged yet
    c.acked('d5', 5);
    expect(c.onIdle(5)).toBe('d5');
    expect(c.onIdle(5)).toBeUndefined(); // asking
    c.answered('d5');
    expect(c.onIdle(5)).toBeUndefined(); // confirmed
    c.acked('d9', 9);
    expect(c.onIdle(9)).toBe('d9');
  });

  it('asks again at the next heartbeat when the request got no answer (no consumer leader yet)', () => {
    const c = new AckConfirmation<string>();
    c.acked('d7', 7);
    expect(c.onIdle(7)).toBe('d7');
    c.unanswered('d7');
    expect(c.onIdle(7)).toBe('d7');
  });

  it('an answer for an older acknowledgement does not confirm a newer one', () => {
    const c = new AckConfirmation<string>();
    c.acked('d3', 3);
    expect(c.onIdle(3)).toBe('d3');
    c.acked('d6', 6);
    c.answered('d3');
    expect(c.onIdle(6)).toBe('d6');
  });

  it('after a reconnect asks again even for a confirmed acknowledgement', () => {
    const c = new AckConfirmation<string>();
    expect(c.onReconnect()).toBeUndefined();
    c.acked('d4', 4);
    expect(c.onIdle(4)).toBe('d4');
    c.answered('d4');
    expect(c.onReconnect()).toBe('d4');
  });

  it('asks at once for an acknowledgement nothing else will send (the catch-up of deliveries whose acknowledgements were lost), then not again once answered', () => {
    const c = new AckConfirmation<string>();
    expect(c.askNow()).toBeUndefined();
    c.acked('catch-up 1970', 1970);
    expect(c.askNow()).toBe('catch-up 1970');
    c.unanswered('catch-up 1970'); // no consumer leader yet
    expect(c.onIdle(1970)).toBe('catch-up 1970');
    c.answered('catch-up 1970');
    expect(c.askNow()).toBeUndefined();
  });

  it('asks when consumer info shows an ack floor behind a delivery acknowledged, and not otherwise', () => {
    const c = new AckConfirmation<string>();
    c.acked('d2048', 2048);
    c.answered('d2048'); // confirmed, yet the consumer leader that answered died before replicating it
    expect(c.onConsumerInfo(2048, 2048)).toBeUndefined(); // the server has it
    expect(c.onConsumerInfo(1000, 1500)).toBeUndefined(); // the server never delivered it (another consumer state)
    expect(c.onConsumerInfo(1024, 2048)).toBe('d2048');
  });
});
