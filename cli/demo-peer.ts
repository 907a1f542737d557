/**
 * One peer of the `npm start` demo, run as a child process by `demo.ts` (config as the first
 * argument, JSON; reports over IPC, see demo-messages.ts). A publisher keeps a ledger
 * (durability 'sync', in the directory the parent gives it) and publishes round robin over its
 * subjects at a steady rate until told to stop; started again after a crash with the same name
 * and ledger, it continues every stream's numbering. A subscriber audits every delivery and
 * loss report ({@link StreamAudit}). Both report their counters every 250 ms. The child exits
 * when the parent goes away, so it never outlives the demo.
 */
import { createPeer, type DataLossEvent, type Peer, type PeerJoinedEvent } from '../actors/app/peer.js';
import type { Message } from '../actors/app/message.js';
import { sleep } from './cli-io.js';
import { StreamAudit } from './demo-audit.js';
import type { DemoChildMessage, DemoParentMessage, DemoPeerConfig, DemoPeerReport } from './demo-messages.js';
import { PacedPublisher } from './paced-publisher.js';
import { numberAt } from './stat-counter.js';

const REPORT_INTERVAL_MS = 250;
/** How long a publisher waits for its subscribers before publishing anyway. */
const JOIN_TIMEOUT_MS = 3000;

function send(msg: DemoChildMessage): void {
  if (process.connected) process.send?.(msg);
}

async function runPublisher(config: Extract<DemoPeerConfig, { role: 'publisher' }>): Promise<void> {
  const peer = await createPeer({ ...config.net, name: config.name, ledger: { path: config.ledgerPath, durability: 'sync' } });
  const joined = new Set<string>();
  peer.on('peerJoined', (e: PeerJoinedEvent) => joined.add(e.name));
  peer.on('error', (err: Error) => send({ kind: 'notice', text: `${config.name}: ${err.message}` }));
  const stop = new AbortController();
  const sentBySubject: Record<string, number> = Object.fromEntries(config.subjects.map((s) => [s, 0]));
  const publisher = new PacedPublisher(peer, config.ratePerSec, stop.signal);
  const report = async (): Promise<DemoPeerReport> => {
    const stats = await peer.stats();
    return {
      ...emptyReport(config.name, 'publisher', peer.incarnation),
      sent: publisher.published,
      sentBySubject: { ...sentBySubject },
      naks: numberAt(stats.actors, 'retransmit', 'planner', 'naksReceived'),
      retransmitted: numberAt(stats.actors, 'retransmit', 'planner', 'messagesResent'),
      servedFromLedger: numberAt(stats.actors, 'ledger', 'messagesServed'),
    };
  };
  process.on('message', (m: DemoParentMessage) => {
    if (m.kind === 'stop') stop.abort('stop');
  });
  send({ kind: 'notice', text: ledgerNotice(config.name, (await peer.stats()).actors.ledger) });
  send({ kind: 'ready', report: await report() });

  const joinDeadline = Date.now() + JOIN_TIMEOUT_MS;
  while (config.expectPeers.some((n) => !joined.has(n)) && Date.now() < joinDeadline) await sleep(20, stop.signal);
  const timer = setInterval(() => void report().then((r) => send({ kind: 'report', report: r })), REPORT_INTERVAL_MS);
  let i = 0;
  while (!stop.signal.aborted) {
    const subject = config.subjects[i % config.subjects.length];
    const before = publisher.published;
    const wait = publisher.publish(subject, { n: i });
    if (wait !== undefined) await wait;
    // Counted only if it really went (a stop during the wait cancels it).
    if (publisher.published === before) continue;
    sentBySubject[subject]++;
    i++;
  }
  clearInterval(timer);
  await publisher.drained();
  send({ kind: 'stopped', report: await report() });
  // Stay up so that subscribers missing the last messages can still NAK them.
  await sleep(config.lingerSec * 1000);
  await peer.close();
}

async function runSubscriber(config: Extract<DemoPeerConfig, { role: 'subscriber' }>): Promise<void> {
  const peer: Peer = await createPeer({ ...config.net, name: config.name, ...(config.fault ? { fault: config.fault } : {}) });
  const audit = new StreamAudit();
  peer.on('dataLoss', (e: DataLossEvent) => {
    audit.onLoss(e.sender, e.subject, e.fromSeq, e.toSeq);
    send({ kind: 'notice', text: `${config.name}: dataLoss ${e.subject} from ${e.sender}, seq ${e.fromSeq}..${e.toSeq} (${e.reason}${e.skipped ? ', numbers a restarted sender skipped' : ''})` });
  });
  peer.on('streamReset', (e: { sender: string; subject: string; fromSeq: number }) => {
    audit.onReset(e.sender, e.subject, e.fromSeq);
    send({ kind: 'notice', text: `${config.name}: streamReset ${e.subject} from ${e.sender}, numbering starts again at seq ${e.fromSeq} (a problem: the ledger should have continued it)` });
  });
  peer.on('error', (err: Error) => send({ kind: 'notice', text: `${config.name}: ${err.message}` }));
  peer.subscribe(config.pattern, (msg: Message) => audit.onMessage(msg.sender, msg.subject, msg.senderIncarnation, msg.seq));
  const report = async (): Promise<DemoPeerReport> => {
    const stats = await peer.stats();
    const t = audit.totals();
    return {
      ...emptyReport(config.name, 'subscriber', peer.incarnation),
      delivered: t.delivered,
      lost: t.lost,
      resets: audit.resets,
      naks: numberAt(stats.actors, 'receiver', 'naksSent'),
      retransmitted: numberAt(stats.actors, 'retransmit', 'retransmitsForwarded'),
      faultDropped: numberAt(stats.actors, 'socket', 'faultDropped'),
    };
  };
  const timer = setInterval(() => void report().then((r) => send({ kind: 'report', report: r })), REPORT_INTERVAL_MS);
  process.on('message', (m: DemoParentMessage) => {
    if (m.kind !== 'finish') return;
    clearInterval(timer);
    void report().then(async (r) => {
      send({ kind: 'finished', report: r, segments: audit.segments() });
      await peer.close();
      process.disconnect();
    });
  });
  send({ kind: 'ready', report: await report() });
}

function emptyReport(name: string, role: DemoPeerReport['role'], incarnation: number): DemoPeerReport {
  return { name, role, incarnation, sent: 0, sentBySubject: {}, delivered: 0, naks: 0, retransmitted: 0, lost: 0, resets: 0, faultDropped: 0, servedFromLedger: 0 };
}

/** What the publisher's ledger found when it opened (its `stats()` record, read defensively). */
function ledgerNotice(name: string, ledger: unknown): string {
  const recovery = (typeof ledger === 'object' && ledger !== null ? (ledger as Record<string, unknown>).recovery : undefined) ?? {};
  const flag = (k: string): boolean => (recovery as Record<string, unknown>)[k] === true;
  const streams = numberAt(ledger, 'streams');
  if (flag('created')) return `${name}: new ledger (durability sync)`;
  const how = flag('uncleanShutdown') ? 'after an unclean shutdown (the SIGKILL)' : 'after a clean close';
  return `${name}: ledger reopened ${how}: ${streams} stream(s) continue their numbering`;
}

// The parent owns this process: when it goes (even by SIGKILL), so do we.
process.on('disconnect', () => process.exit(0));
const config = JSON.parse(process.argv[2] ?? '{}') as DemoPeerConfig;
try {
  if (config.role === 'publisher') {
    await runPublisher(config);
    process.exit(0);
  } else await runSubscriber(config);
} catch (err) {
  send({ kind: 'notice', text: `${config.name}: ${err instanceof Error ? err.message : String(err)}` });
  process.exit(1);
}
