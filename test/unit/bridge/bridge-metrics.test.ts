import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { BRIDGE_METRIC_SPECS, createBridgeMetrics } from '../../../bridge/bridge-metrics.js';
import type { BridgeStats } from '../../../bridge/bridge.js';
import { InvalidOptionError } from '../../../errors.js';

function stats(over: { exportAcked?: number; imported?: number; active?: boolean } = {}): BridgeStats {
  return {
    zone: 'paris',
    export: { queued: 10, acked: over.exportAcked ?? 7, duplicates: 2, retried: 1, inFlight: 3, pending: 3, notLocal: 4, losses: 0, requests: 5, blocked: 1, tooLarge: 0, overflowed: 0 },
    import: {
      active: over.active ?? true,
      leaseHolder: 'b1',
      leaseAcquired: 1,
      zones: ['london', 'tokyo'],
      imported: over.imported ?? 40,
      filtered: 2,
      redelivered: 6,
      malformed: 0,
      caughtUp: 0,
      tooLarge: 0,
      losses: 1,
      expired: 0,
      restarts: 0,
      ackConfirms: 0,
      sameDomain: 0,
      sameDomainZones: [],
      byZone: [
        { zone: 'london', imported: 30, redelivered: 6, losses: 1, filtered: 2, pending: 120, inFlight: 8, lagMessages: 128, delayMs: 250, lastImportedAgoMs: 10, checkedAgoMs: 10 },
        // Core engine, or before JetStream said how much waits: no lag, no delay.
        { zone: 'tokyo', imported: 10, redelivered: 0, losses: 0, filtered: 0, pending: undefined, inFlight: 0, lagMessages: undefined, delayMs: undefined, lastImportedAgoMs: 5, checkedAgoMs: undefined },
      ],
    },
    requests: { out: 3, outReplies: 2, outNoResponders: 1, outFailed: 0, in: 0, inReplies: 0, inTimeouts: 0, refused: 0 },
  };
}

describe('bridge metrics (Prometheus)', () => {
  it('reads the bridge at each scrape: exported, de-duplicated, in flight, imported, redelivered, zones, importing, with zone and bridge labels', async () => {
    let current = stats();
    const m = createBridgeMetrics({ zone: 'paris', stats: () => current }, { name: 'bridge-1' });
    const text = await m.metrics();
    const labels = 'zone="paris",bridge="bridge-1"';
    expect(text).toContain(`ledgecast_bridge_exported_total{${labels}} 7`);
    expect(text).toContain(`ledgecast_bridge_export_deduplicated_total{${labels}} 2`);
    expect(text).toContain(`ledgecast_bridge_export_in_flight{${labels}} 3`);
    expect(text).toContain(`ledgecast_bridge_imported_total{${labels}} 40`);
    expect(text).toContain(`ledgecast_bridge_import_redelivered_total{${labels}} 6`);
    expect(text).toContain(`ledgecast_bridge_zones_imported{${labels}} 2`);
    expect(text).toContain(`ledgecast_bridge_importing{${labels}} 1`);
    expect(text).toContain(`ledgecast_bridge_export_skipped_total{${labels},reason="notLocal"} 4`);
    expect(text).toContain(`ledgecast_bridge_requests_total{${labels},outcome="outNoResponders"} 1`);
    expect(text).toContain('# TYPE ledgecast_bridge_export_in_flight gauge');
    expect(text).toContain('# TYPE ledgecast_bridge_imported_total counter');
    current = stats({ exportAcked: 9, imported: 41, active: false });
    const again = await m.metrics();
    expect(again).toContain(`ledgecast_bridge_exported_total{${labels}} 9`);
    expect(again).toContain(`ledgecast_bridge_imported_total{${labels}} 41`);
    expect(again).toContain(`ledgecast_bridge_importing{${labels}} 0`);
  });

  it('gives each remote zone its own series (from_zone): imported, redelivered, lag, in flight, delay; a zone without a lag figure has no lag series', async () => {
    const text = await createBridgeMetrics({ zone: 'paris', stats: () => stats() }, { name: 'bridge-1' }).metrics();
    const labels = (from: string): string => `zone="paris",bridge="bridge-1",from_zone="${from}"`;
    expect(text).toContain(`ledgecast_bridge_zone_imported_total{${labels('london')}} 30`);
    expect(text).toContain(`ledgecast_bridge_zone_imported_total{${labels('tokyo')}} 10`);
    expect(text).toContain(`ledgecast_bridge_zone_redelivered_total{${labels('london')}} 6`);
    expect(text).toContain(`ledgecast_bridge_zone_losses_total{${labels('london')}} 1`);
    expect(text).toContain(`ledgecast_bridge_import_lag_messages{${labels('london')}} 128`);
    expect(text).toContain(`ledgecast_bridge_import_in_flight{${labels('london')}} 8`);
    expect(text).toContain(`ledgecast_bridge_import_in_flight{${labels('tokyo')}} 0`);
    expect(text).toContain(`ledgecast_bridge_import_delay_seconds{${labels('london')}} 0.25`);
    expect(text).not.toContain(`ledgecast_bridge_import_lag_messages{${labels('tokyo')}}`);
    expect(text).not.toContain(`ledgecast_bridge_import_delay_seconds{${labels('tokyo')}}`);
    expect(text).toContain('# TYPE ledgecast_bridge_import_lag_messages gauge');
  });

  it('has one series per metric name, each with help text', async () => {
    const names = BRIDGE_METRIC_SPECS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    const text = await createBridgeMetrics({ zone: 'z', stats: () => stats() }, { name: 'b' }).metrics();
    for (const n of names) expect(text).toContain(`# HELP ${n} `);
  });

  it('refuses a registry that already holds bridge metrics, or one that is not a Registry', () => {
    const registry = new Registry();
    createBridgeMetrics({ zone: 'z', stats: () => stats() }, { name: 'b', registry });
    expect(() => createBridgeMetrics({ zone: 'z', stats: () => stats() }, { name: 'b', registry })).toThrow(InvalidOptionError);
    expect(() => createBridgeMetrics({ zone: 'z', stats: () => stats() }, { name: 'b', registry: {} as Registry })).toThrow(InvalidOptionError);
  });
});
