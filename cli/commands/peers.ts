/**
 * `ledgecast peers`: joins the network for a few seconds and lists the peers it heard, from
 * the peer's 'peerJoined' / 'peerUpdated' / 'peerLeft' events. Zone bridges show as such, with
 * the zones they import from (the other zones reachable from this one), and a summary of the zones
 * follows the table. The listing itself is pure ({@link PeerRoster}, {@link formatZones}).
 */
import { createPeer, type PeerJoinedEvent, type PeerLeftEvent } from '../../actors/app/peer.js';
import { EXIT_CODES, type PeersOptions } from '../cli-options.js';
import { sleep, stopExitCode, type CliIo } from '../cli-io.js';
import { formatAge, formatTable } from '../text-table.js';
import { toJsonLine } from '../json-line.js';
import { bridgeRole, RESERVED_PREFIX } from '../../actors/app/origin.js';

/** One row of the listing. */
export interface PeerRow {
  readonly name: string;
  readonly incarnation: number;
  readonly host: string;
  readonly port: number;
  readonly patterns: readonly string[];
  /** `'up'`, or why it left: 'bye', 'expired', 'restarted'. */
  readonly state: string;
  /** When the last event about it arrived (ms, the caller's clock). */
  readonly lastHeardMs: number;
}

/** Most peers listed; later ones are counted in `omitted` (the peer itself bounds its list too). */
export const MAX_LISTED_PEERS = 10_000;

/** The peers heard, by name and incarnation. Pure: the caller passes the time of each event. */
export class PeerRoster {
  private readonly rows = new Map<string, PeerRow>();
  /** Peers not listed because of {@link MAX_LISTED_PEERS}. */
  omitted = 0;

  /** A 'peerJoined' event arrived at `nowMs`. */
  onJoined(e: PeerJoinedEvent, nowMs: number): void {
    const key = `${e.name}\u0000${e.incarnation}`;
    if (!this.rows.has(key) && this.rows.size >= MAX_LISTED_PEERS) {
      this.omitted++;
      return;
    }
    this.rows.set(key, { name: e.name, incarnation: e.incarnation, host: e.host, port: e.port, patterns: [...e.patterns], state: 'up', lastHeardMs: nowMs });
  }

  /** A 'peerLeft' event arrived at `nowMs`. */
  onLeft(e: PeerLeftEvent, nowMs: number): void {
    const key = `${e.name}\u0000${e.incarnation}`;
    const row = this.rows.get(key);
    if (row !== undefined) this.rows.set(key, { ...row, state: e.reason, lastHeardMs: nowMs });
  }

  /** Rows sorted by name, then the live incarnation first. */
  list(): PeerRow[] {
    return [...this.rows.values()].sort((a, b) => a.name.localeCompare(b.name) || Number(a.state !== 'up') - Number(b.state !== 'up') || a.incarnation - b.incarnation);
  }
}

/**
 * A peer's role: `bridge of zone Z, importing from X, Y` for a zone bridge that imports (docs/ZONES.md),
 * `bridge of zone Z, not importing` for one that stands by (the zone's other bridge holds the import
 * lease) or only exports, else `peer`.
 */
export function roleOf(patterns: readonly string[]): string {
  const b = bridgeRole(patterns);
  if (b === undefined) return 'peer';
  return `bridge of zone ${b.zone}, ${b.zones.length > 0 ? `importing from ${b.zones.join(', ')}` : 'not importing'}`;
}

/**
 * The zones as the peers heard show them, one line each, for the live peers: this zone and its
 * bridges, then the remote zones reachable (imported by a bridge now) and through which bridge.
 * Empty when no bridge was heard. What a peer cannot see from here (a bridge's lag, in flight,
 * redelivered) is in the bridge's own monitor (`ledgecast bridge --http-port`).
 */
export function formatZones(rows: readonly PeerRow[]): string[] {
  const bridges = rows.flatMap((r) => {
    const b = r.state === 'up' ? bridgeRole(r.patterns) : undefined;
    return b === undefined ? [] : [{ name: r.name, ...b }];
  });
  if (bridges.length === 0) return [];
  const zones = [...new Set(bridges.map((b) => b.zone))].sort();
  const lines = zones.map((z) => {
    const of = bridges.filter((b) => b.zone === z).map((b) => `${b.name} (${b.zones.length > 0 ? 'importing' : 'not importing'})`);
    return `zone ${z}: bridge${of.length > 1 ? 's' : ''} ${of.join(', ')}`;
  });
  const via = new Map<string, string[]>();
  for (const b of bridges) for (const z of b.zones) via.set(z, [...(via.get(z) ?? []), b.name]);
  lines.push(
    via.size === 0
      ? 'remote zones: none imported now'
      : `remote zones: ${[...via.keys()]
          .sort()
          .map((z) => `${z} (via ${via.get(z)!.join(', ')})`)
          .join(', ')}`,
  );
  return lines;
}

/** The patterns worth showing: without the reserved ones (`_LC_…`, request inboxes). */
function shownPatterns(patterns: readonly string[]): string[] {
  return patterns.filter((p) => !p.startsWith(RESERVED_PREFIX) && !p.startsWith('_INBOX.'));
}

/** The table `peers` prints. */
export function formatPeerTable(rows: readonly PeerRow[], nowMs: number): string {
  if (rows.length === 0) return 'no peers heard';
  return formatTable(
    [
      { header: 'peer' },
      { header: 'incarnation', align: 'right' },
      { header: 'address' },
      { header: 'role' },
      { header: 'subjects/patterns' },
      { header: 'state' },
      { header: 'last change', align: 'right' },
    ],
    rows.map((r) => {
      const shown = shownPatterns(r.patterns);
      return [r.name, String(r.incarnation), `${r.host}:${r.port}`, roleOf(r.patterns), shown.length === 0 ? '-' : shown.join(' '), r.state, `${formatAge(nowMs - r.lastHeardMs)} ago`];
    }),
  );
}

/** Runs `peers`: listens for --seconds, prints the table (or JSON); returns the exit code. */
export async function runPeers(o: PeersOptions, io: CliIo): Promise<number> {
  const peer = await createPeer(o.peer);
  const roster = new PeerRoster();
  try {
    peer.on('peerJoined', (e: PeerJoinedEvent) => roster.onJoined(e, Date.now()));
    peer.on('peerUpdated', (e) => roster.onJoined(e, Date.now())); // a peer's patterns after its first advert
    peer.on('peerLeft', (e: PeerLeftEvent) => roster.onLeft(e, Date.now()));
    peer.on('error', (err: Error) => io.err(toJsonLine({ event: 'error', message: err.message })));
    const startedMs = Date.now();
    const endMs = startedMs + o.seconds * 1000;
    while (Date.now() < endMs && !io.stop.aborted) {
      io.progress(`listening ${formatAge(Date.now() - startedMs)} / ${formatAge(o.seconds * 1000)}: ${roster.list().length} peer(s)`);
      await sleep(Math.min(250, endMs - Date.now()), io.stop);
    }
    io.progress('');
    if (io.stop.aborted) return stopExitCode(io.stop);
  } finally {
    await peer.close();
  }
  const now = Date.now();
  const rows = roster.list();
  if (o.json) io.out(toJsonLine(rows.map(({ lastHeardMs, ...r }) => ({ ...r, bridge: bridgeRole(r.patterns), lastHeardMsAgo: now - lastHeardMs }))));
  else {
    io.out(formatPeerTable(rows, now));
    const zones = formatZones(rows);
    if (zones.length > 0) io.out(['', ...zones].join('\n'));
  }
  if (roster.omitted > 0) io.err(`ledgecast: ${roster.omitted} more peer(s) not listed`);
  return EXIT_CODES.ok;
}
