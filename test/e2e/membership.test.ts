/**
 * Peers see each other come and go: 'peerJoined' when a peer starts, 'peerLeft' with reason
 * 'bye' when it closes, and 'expired' when it vanishes without a word.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freshNetwork, killAll, startPeer } from './helpers.js';

afterEach(killAll);

describe('membership events', () => {
  it("a peer that starts is reported by 'peerJoined' and, when it closes, by 'peerLeft' with reason 'bye' well before expiry", async () => {
    const net = freshNetwork();
    const observer = await startPeer('observer', net);
    const leaver = await startPeer('leaver', net);
    const leaverInfo = await leaver.call('stats');

    const joined = await observer.waitEvent((e) => e.event === 'peerJoined' && e.payload.name === 'leaver', 5_000, 'peerJoined leaver');
    expect(joined.payload).toMatchObject({ name: 'leaver', incarnation: leaverInfo.incarnation, host: '127.0.0.1', port: leaverInfo.actors.socket.unicastPort });
    // And the other way round (from the observer's periodic advertisement).
    await leaver.waitEvent((e) => e.event === 'peerJoined' && e.payload.name === 'observer', 5_000, 'peerJoined observer');

    const t0 = Date.now();
    await leaver.call('close');
    const left = await observer.waitEvent((e) => e.event === 'peerLeft' && e.payload.name === 'leaver', 4_000, 'peerLeft leaver');
    expect(left.payload).toEqual({ name: 'leaver', incarnation: leaverInfo.incarnation, reason: 'bye' });
    // peerExpiryMs is 5000: this came from the BYE, not from silence.
    expect(Date.now() - t0).toBeLessThan(2_500);
    // Exactly one join and one leave were reported for it.
    expect(observer.events.filter((e) => e.event === 'peerJoined' && e.payload.name === 'leaver')).toHaveLength(1);
    expect(observer.events.filter((e) => e.event === 'peerLeft' && e.payload.name === 'leaver')).toHaveLength(1);
  });

  it("a peer whose process dies without closing is reported by 'peerLeft' with reason 'expired' after peerExpiryMs", async () => {
    const net = freshNetwork();
    const timing = { advertIntervalMs: 200, peerExpiryMs: 1000 };
    const observer = await startPeer('observer', { ...net, ...timing });
    const victim = await startPeer('victim', { ...net, ...timing });
    await observer.waitJoined(['victim'], 5_000);

    const t0 = Date.now();
    victim.kill();
    await victim.exited;
    const left = await observer.waitEvent((e) => e.event === 'peerLeft' && e.payload.name === 'victim', 6_000, 'peerLeft victim');
    expect(left.payload.reason).toBe('expired');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
  });
});
