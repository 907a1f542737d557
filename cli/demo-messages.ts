/**
 * The protocol between `demo.ts` (the parent) and each `demo-peer.ts` child, over the
 * child_process IPC channel. Plain data only.
 */
import type { StreamSegment } from './demo-audit.js';

/** The loopback network every demo peer uses. */
export interface DemoNetwork {
  readonly interface: '127.0.0.1';
  readonly group: string;
  readonly port: number;
}

/** What a child is told to be (passed as its first argument, JSON). */
export type DemoPeerConfig =
  | {
      readonly role: 'publisher';
      readonly name: string;
      readonly net: DemoNetwork;
      readonly subjects: readonly string[];
      readonly ratePerSec: number;
      /** Subscribers to wait for (bounded) before publishing. */
      readonly expectPeers: readonly string[];
      /** Seconds to serve NAKs after 'stop', before closing. */
      readonly lingerSec: number;
      /**
       * Directory of the publisher's ledger (durability 'sync'): a restart under the same name
       * and path continues every stream's numbering and serves NAKs for what it sent before.
       */
      readonly ledgerPath: string;
    }
  | {
      readonly role: 'subscriber';
      readonly name: string;
      readonly net: DemoNetwork;
      readonly pattern: string;
      /** Test-only socket faults (drops), to show recovery. */
      readonly fault?: { readonly dropRate: number; readonly seed: number };
    };

/** A child's counters, sent every 250 ms. */
export interface DemoPeerReport {
  readonly name: string;
  readonly role: 'publisher' | 'subscriber';
  readonly incarnation: number;
  /** Publisher: messages published. */
  readonly sent: number;
  /** Publisher: messages published per subject (= the last sequence of each stream). */
  readonly sentBySubject: Readonly<Record<string, number>>;
  /** Subscriber: messages delivered to the application. */
  readonly delivered: number;
  /** Subscriber: NAKs sent; publisher: NAKs received. */
  readonly naks: number;
  /** Subscriber: retransmissions received; publisher: messages resent. */
  readonly retransmitted: number;
  /** Subscriber: messages reported lost (dataLoss events). */
  readonly lost: number;
  /** Subscriber: streamReset events. */
  readonly resets: number;
  /** Datagrams dropped on purpose by the test-only fault option. */
  readonly faultDropped: number;
  /** Publisher: NAKed messages served from the ledger (beyond the in-memory window, or sent before a restart). */
  readonly servedFromLedger: number;
}

/** Child → parent. */
export type DemoChildMessage =
  | { readonly kind: 'ready'; readonly report: DemoPeerReport }
  | { readonly kind: 'report'; readonly report: DemoPeerReport }
  | { readonly kind: 'notice'; readonly text: string }
  /** Publisher, after 'stop': publishing has ended; these are its final counts. */
  | { readonly kind: 'stopped'; readonly report: DemoPeerReport }
  /** Subscriber, after 'finish': its final counters and per-stream audit. */
  | { readonly kind: 'finished'; readonly report: DemoPeerReport; readonly segments: readonly StreamSegment[] };

/** Parent → child. */
export type DemoParentMessage = { readonly kind: 'stop' } | { readonly kind: 'finish' };
