/**
 * What a peer can see of the other zones (docs/ZONES.md), for the monitor page: the zone bridges
 * among the peers it hears, the remote zones they import from, what its own subscriptions got from
 * each remote zone, and, when the monitored peer is itself a bridge's peer, that bridge's import
 * of each zone (lag, in flight, redelivered). Pure: peers, counts and stats in, rows out.
 *
 * What is visible from where, without a protocol change: every peer of a zone learns its bridges
 * from their adverts (a bridge's peer subscribes to `_LC_BRIDGE.<zone>` and, while it imports, to
 * `_LC_ZONE.<remote>` for each remote zone); messages from other zones carry `msg.origin`. A
 * bridge's figures (lag, in flight, de-duplicated, redelivered) live in the bridge's process:
 * only a monitor of the bridge's own peer (`ledgecast bridge --http-port`) shows them.
 */
import { bridgeRole } from '../actors/app/origin.js';
import type { PeerJoinedEvent } from '../actors/app/peer-events.js';
import type { ZoneImportStats } from '../bridge/import-progress.js';

/** A zone bridge among the peers heard. */
export interface BridgeRow {
  readonly name: string;
  readonly incarnation: number;
  /** Its zone (this monitor's zone, when it hears it on multicast). */
  readonly zone: string;
  /** The remote zones it imports from now; empty: it stands by (the other bridge of the zone imports) or only exports. */
  readonly importingFrom: readonly string[];
}

/** A remote zone: one a bridge imports from, or one this monitor got messages from. */
export interface ZoneRow {
  readonly zone: string;
  /** The bridges of this zone importing from it now (from their adverts). */
  readonly via: readonly string[];
  /** Messages from that zone the monitor's own subscriptions got (`msg.origin.zone`). */
  readonly heard: number;
  /** Wall-clock ms of the last of them; undefined: none. */
  readonly lastHeardMs: number | undefined;
  /** When the monitored peer is a bridge's: its import from that zone. */
  readonly import: ZoneImportStats | undefined;
}

/** The zones as the monitor shows them. */
export interface ZonesView {
  /** The zone(s) of the bridges heard: this monitor's zone (more than one is a misconfiguration, or a shared network). */
  readonly localZones: readonly string[];
  readonly bridges: readonly BridgeRow[];
  readonly remote: readonly ZoneRow[];
}

/** Builds the view from the peers heard, the messages heard per origin zone and the monitored bridge's import (if any). */
export function zonesView(
  peers: readonly PeerJoinedEvent[],
  heard: ReadonlyMap<string, { readonly messages: number; readonly lastMs: number }>,
  imports: readonly ZoneImportStats[] | undefined,
  /** The monitored peer itself, when it is a bridge's (a peer does not hear its own adverts). */
  self?: BridgeRow,
): ZonesView {
  const bridges: BridgeRow[] = self === undefined ? [] : [self];
  for (const p of peers) {
    const role = bridgeRole(p.patterns);
    if (role !== undefined) bridges.push({ name: p.name, incarnation: p.incarnation, zone: role.zone, importingFrom: role.zones });
  }
  bridges.sort((a, b) => a.zone.localeCompare(b.zone) || a.name.localeCompare(b.name));
  const names = new Set<string>();
  for (const b of bridges) for (const z of b.importingFrom) names.add(z);
  for (const z of heard.keys()) names.add(z);
  for (const i of imports ?? []) names.add(i.zone);
  const byZone = new Map((imports ?? []).map((i) => [i.zone, i]));
  const remote = [...names].sort().map((zone) => {
    const h = heard.get(zone);
    return {
      zone,
      via: bridges.filter((b) => b.importingFrom.includes(zone)).map((b) => b.name),
      heard: h?.messages ?? 0,
      lastHeardMs: h?.lastMs,
      import: byZone.get(zone),
    };
  });
  return { localZones: [...new Set(bridges.map((b) => b.zone))].sort(), bridges, remote };
}
