import { describe, expect, it } from 'vitest';
import { WINDOW_BYTES_PER_MESSAGE, WindowHold, type InFlightCount } from '../../../actors/flow/window-hold.js';

const stream = (): InFlightCount => ({ inFlight: 0, inFlightBytes: 0 });

describe('WindowHold', () => {
  it('sums every stream in flight, each count replacing the previous one of its stream', () => {
    const h = new WindowHold(1000, 1_000_000, 5000);
    const a = stream();
    const b = stream();
    h.count(a, 10, 100);
    h.count(b, 5, 1000.2);
    expect(h.unconfirmedMessages).toBe(15);
    expect(h.unconfirmedBytes).toBe(10 * (100 + WINDOW_BYTES_PER_MESSAGE) + 5 * (1001 + WINDOW_BYTES_PER_MESSAGE));
    h.count(a, 3, 100); // a moved on
    h.count(b, 0, 1000);
    expect(h.unconfirmedMessages).toBe(3);
    expect(h.unconfirmedBytes).toBe(3 * (100 + WINDOW_BYTES_PER_MESSAGE));
  });

  it('holds at 3/4 of the window by messages or by bytes, and lets go only under 1/2 of both', () => {
    const h = new WindowHold(1000, 100_000, 5000);
    const a = stream();
    h.count(a, 749, 0);
    h.update(0);
    expect(h.held).toBe(false);
    h.count(a, 750, 0);
    h.update(1);
    expect(h.held).toBe(true);
    expect(h.holds).toBe(1);
    h.count(a, 501, 0);
    h.update(2);
    expect(h.held).toBe(true); // between 1/2 and 3/4: still held
    h.count(a, 500, 0);
    h.update(3);
    expect(h.held).toBe(false);
    // By bytes: 100 messages of 952 B (1,000 B each in the window) pass 75,000.
    h.count(a, 75, 952);
    h.update(4);
    expect(h.held).toBe(true);
    expect(h.holds).toBe(2);
    h.count(a, 51, 952); // 51,000 B > 50,000: still held
    h.update(5);
    expect(h.held).toBe(true);
    h.count(a, 50, 952);
    h.update(6);
    expect(h.held).toBe(false);
  });

  it('says what to tell the sender only when it changed from what the sender was told', () => {
    const h = new WindowHold(100, 1_000_000, 5000);
    const a = stream();
    expect(h.toTell()).toBeUndefined();
    h.count(a, 80, 0);
    h.update(0);
    expect(h.toTell()).toBe(true);
    expect(h.toTell()).toBe(true); // not told yet (a full mailbox): asked again
    h.toldSender(true);
    expect(h.toTell()).toBeUndefined();
    h.count(a, 0, 0);
    h.update(1);
    expect(h.toTell()).toBe(false);
    h.toldSender(false);
    expect(h.toTell()).toBeUndefined();
  });

  it('has a stall clock while held: due stallTimeoutMs after the hold, then again after each stall', () => {
    const h = new WindowHold(100, 1_000_000, 5000);
    const a = stream();
    expect(h.stallDueMs()).toBeUndefined();
    expect(h.onStallDue(1e9)).toBeUndefined();
    h.count(a, 80, 0);
    h.update(1000);
    expect(h.stallDueMs()).toBe(6000);
    expect(h.onStallDue(5999)).toBeUndefined();
    expect(h.onStallDue(6000)).toBe(1000); // receivers without progress since 1000 are left out
    expect(h.stallDueMs()).toBe(11_000);
    h.update(7000); // still held: the episode is not restarted by an update
    expect(h.stallDueMs()).toBe(11_000);
    h.count(a, 0, 0);
    h.update(8000);
    expect(h.stallDueMs()).toBeUndefined();
  });
});
