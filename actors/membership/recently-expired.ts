/**
 * The unicast listeners of the last peers that expired (not heard for `peerExpiryMs`), so that
 * our BYE still reaches them: a peer that was only paused (SIGSTOP, a VM stall) past its
 * expiry reads our BYE from its unicast socket when it resumes, and learns where our streams
 * ended. Its multicast socket's buffer had filled with older data and the kernel dropped the
 * rest, multicast BYE included: a subscriber paused 10 s while its publisher finished and
 * closed reported `dataLoss` only up to the last seq it had heard (~75,000 of 150,000), and
 * nothing for the rest (a user-style check, 8 December, 4 of 4 runs).
 *
 * Bounded: at most {@link MAX_RECENTLY_EXPIRED} listeners, the oldest forgotten first, each
 * for {@link RECENTLY_EXPIRED_MS}.
 */

/** Most expired peers whose listener is kept. */
export const MAX_RECENTLY_EXPIRED = 64;
/** How long after its expiry a peer's listener is kept (ms). */
export const RECENTLY_EXPIRED_MS = 120_000;

export class RecentlyExpired {
  /** `host:port` → when it expired; insertion order = expiry order. */
  private readonly at = new Map<string, { readonly host: string; readonly port: number; readonly atMs: number }>();

  /** A peer listening on `host:port` expired at `nowMs`. */
  add(nowMs: number, host: string, port: number): void {
    const key = `${host}:${port}`;
    this.at.delete(key);
    if (this.at.size >= MAX_RECENTLY_EXPIRED) this.at.delete(this.at.keys().next().value as string);
    this.at.set(key, { host, port, atMs: nowMs });
  }

  /** A peer heard again (or listed again) on `host:port`: no longer expired. */
  remove(host: string, port: number): void {
    this.at.delete(`${host}:${port}`);
  }

  /** The listeners of peers that expired within {@link RECENTLY_EXPIRED_MS} of `nowMs`. */
  listeners(nowMs: number): { host: string; port: number }[] {
    const out: { host: string; port: number }[] = [];
    for (const e of this.at.values()) if (nowMs - e.atMs < RECENTLY_EXPIRED_MS) out.push({ host: e.host, port: e.port });
    return out;
  }
}
