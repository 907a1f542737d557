import { describe, expect, it } from 'vitest';
import { inboxOf, replyRoute } from '../../../actors/app/origin.js';

describe('replies to per-request inboxes go on the requester\'s one reply subject', () => {
  it('routes a request inbox and a bridge relay inbox, and leaves any other replyTo as it is', () => {
    expect(replyRoute('_INBOX.client-1.42.7')).toEqual({ subject: '_INBOX.client-1.42.r', replyTo: '_INBOX.client-1.42.7' });
    expect(replyRoute('_LC_RELAY.abc.12')).toEqual({ subject: '_LC_RELAY.abc.r', replyTo: '_LC_RELAY.abc.12' });
    for (const other of ['svc.answers', '_INBOX.client.42', '_INBOX.client.42.x', '_INBOX.a.b.c.7', '_LC_STATUS.noResponders']) {
      expect(replyRoute(other)).toEqual({ subject: other, replyTo: undefined });
    }
  });

  it('finds the inbox a received message answers: the replyTo of a routed reply, else the subject', () => {
    expect(inboxOf({ subject: '_INBOX.client-1.42.r', replyTo: '_INBOX.client-1.42.7' })).toBe('_INBOX.client-1.42.7');
    expect(inboxOf({ subject: '_INBOX.client-1.42.7', replyTo: undefined })).toBe('_INBOX.client-1.42.7'); // published on the inbox itself
    expect(inboxOf({ subject: '_INBOX.client-1.42.3', replyTo: '_LC_STATUS.noResponders' })).toBe('_INBOX.client-1.42.3'); // a bridge's marker
    // A replyTo naming another requester's inbox, or not an inbox, does not redirect.
    expect(inboxOf({ subject: '_INBOX.client-1.42.r', replyTo: '_INBOX.other.9.7' })).toBe('_INBOX.client-1.42.r');
    expect(inboxOf({ subject: '_INBOX.client-1.42.r', replyTo: '_INBOX.client-1.42.x' })).toBe('_INBOX.client-1.42.r');
    expect(inboxOf({ subject: '_LC_RELAY.abc.r', replyTo: '_LC_RELAY.abc.12' })).toBe('_LC_RELAY.abc.12');
  });
});
