/**
 * `npm start`: a live demo of ledgecast on loopback that needs nothing else.
 *
 * Five child processes (`demo-peer.js`): one publisher at 2,000 msg/s over four subjects,
 * three subscribers with wildcard patterns, and a fourth whose socket drops 5% of datagrams on
 * purpose (the test-only `fault` option) so that gaps are NAKed and retransmitted. The
 * publisher keeps a ledger (durability 'sync') in a temporary directory. Midway it is
 * SIGKILLed and restarted under the same name and ledger: it continues every stream above the
 * last sequence it used (no streamReset) and serves NAKs for what it sent before the crash from
 * the ledger. After ~20 s every subscriber's audit is compared with what the ledger says was
 * sent: the exit code is 0 only if nothing was lost without a report, nothing was delivered
 * twice and no stream was reset.
 *
 * Network safety: interface 127.0.0.1, a random 239.255.x.y group and port of its own.
 * Every child is killed when the demo ends, by Ctrl-C too; children also exit on their own
 * when the parent disappears (IPC disconnect). The ledger's temporary directory is removed on
 * every way out.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PatternMatcher } from '../actors/subjects/pattern-matcher.js';
import { LedgerStore } from '../storage/ledger-store.js';
import { sleep } from './cli-io.js';
import { ledgerResume, summarizeDemo, type PublisherRun, type SubscriberFinal } from './demo-audit.js';
import { demoPassed, renderLive, renderPlainTick, renderSummary, type LiveRow } from './demo-display.js';
import type { DemoChildMessage, DemoNetwork, DemoPeerConfig, DemoPeerReport } from './demo-messages.js';

const SUBJECTS = ['meeting.zoneA.mzm.server7', 'meeting.zoneA.chat.server3', 'meeting.zoneB.mzm.server2', 'meeting.zoneB.audio.server1'] as const;
const SUBSCRIBERS = [
  { name: 'sub-all', pattern: 'meeting.>' },
  { name: 'sub-mzm', pattern: 'meeting.*.mzm.*' },
  { name: 'sub-zoneA', pattern: 'meeting.zoneA.>' },
  { name: 'sub-lossy', pattern: 'meeting.>', fault: { dropRate: 0.05, seed: 7 } },
] as const;
const PUBLISHER = 'publisher';
const RATE_PER_SEC = 2000;
/** Timeline, in seconds from the first publisher's start. */
const KILL_AT_SEC = 7;
const RESTART_AT_SEC = 8.5;
const STOP_AT_SEC = 17;
const LINGER_SEC = 1.5;
const TOTAL_SEC = 20;
const STARTUP_TIMEOUT_MS = 10_000;
/** How long a child gets to exit once killed, before the demo goes on without it. */
const EXIT_TIMEOUT_MS = 3000;

/** One child and what it last said. */
class DemoChild {
  readonly process: ChildProcess;
  report: DemoPeerReport | undefined;
  state = 'starting';
  private readonly samples: { atMs: number; count: number }[] = [];
  private readonly waiters: { kind: DemoChildMessage['kind']; resolve: (m: DemoChildMessage) => void }[] = [];
  readonly exited: Promise<void>;

  constructor(
    readonly label: string,
    readonly what: string,
    config: DemoPeerConfig,
    onNotice: (text: string) => void,
  ) {
    this.process = fork(new URL('./demo-peer.js', import.meta.url), [JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
    live.add(this.process);
    this.exited = new Promise((resolve) => this.process.once('exit', () => resolve()));
    this.process.once('exit', () => live.delete(this.process));
    this.process.on('message', (m: DemoChildMessage) => {
      if (m.kind === 'notice') onNotice(m.text);
      else this.onReport(m.report);
      if (m.kind === 'ready') this.state = 'up';
      for (const w of this.waiters.filter((x) => x.kind === m.kind)) w.resolve(m);
    });
  }

  /** The next message of `kind`, within `timeoutMs`. */
  next<K extends DemoChildMessage['kind']>(kind: K, timeoutMs: number): Promise<Extract<DemoChildMessage, { kind: K }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.label} sent no '${kind}' within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        kind,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as Extract<DemoChildMessage, { kind: K }>);
        },
      });
    });
  }

  /** Sent or delivered per second over the last second. */
  get ratePerSec(): number {
    if (this.samples.length < 2 || this.state !== 'up') return 0;
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    return b.atMs > a.atMs ? Math.round(((b.count - a.count) * 1000) / (b.atMs - a.atMs)) : 0;
  }

  private onReport(r: DemoPeerReport): void {
    this.report = r;
    const now = Date.now();
    this.samples.push({ atMs: now, count: r.role === 'publisher' ? r.sent : r.delivered });
    while (this.samples.length > 2 && now - this.samples[0].atMs > 1000) this.samples.shift();
  }
}

const live = new Set<ChildProcess>();

function killAll(): void {
  for (const p of live) p.kill('SIGKILL');
}

/** The temporary directory of the publisher's ledger, while it exists. */
let tempDir: string | undefined;

function removeTempDir(): void {
  if (tempDir === undefined) return;
  try {
    rmSync(tempDir, { recursive: true, force: true, maxRetries: 3 });
    tempDir = undefined;
  } catch (err) {
    process.stderr.write(`ledgecast demo: could not remove ${tempDir}: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}

/** The newest sequence per subject in a closed ledger: everything its runs sent. */
async function readLedgerHighs(path: string, peerName: string): Promise<Record<string, number>> {
  const store = await LedgerStore.open({ path, peerName, durability: 'sync' });
  try {
    return store.highSeqs();
  } finally {
    await store.close();
  }
}

function randomNetwork(): DemoNetwork {
  let group: string;
  do group = `239.255.${randomInt(1, 255)}.${randomInt(1, 255)}`;
  while (group === '239.255.76.67');
  return { interface: '127.0.0.1', group, port: randomInt(20_000, 32_000) };
}

async function main(): Promise<number> {
  const net = randomNetwork();
  tempDir = await mkdtemp(join(tmpdir(), 'ledgecast-demo-'));
  // A subdirectory: anything the ledger puts beside its path (a moved-aside damaged copy) stays inside tempDir.
  const ledgerPath = join(tempDir, 'ledger');
  const startedMs = Date.now();
  const elapsed = (): number => (Date.now() - startedMs) / 1000;
  const events: { atSec: number; text: string }[] = [];
  const tty = process.stdout.isTTY === true;
  const notice = (text: string): void => {
    events.push({ atSec: elapsed(), text });
    if (events.length > 200) events.shift();
    if (!tty) process.stdout.write(`  ${`t=${elapsed().toFixed(1)}s`.padStart(7)}  ${text}\n`);
  };
  let phase = 'starting subscribers';
  const faultOf = (spec: (typeof SUBSCRIBERS)[number]): string => ('fault' in spec ? `${spec.fault.dropRate * 100}% drop` : '-');
  const subs = SUBSCRIBERS.map(
    (spec) =>
      new DemoChild(
        spec.name,
        'fault' in spec ? `${spec.pattern} (${faultOf(spec)})` : spec.pattern,
        { role: 'subscriber', name: spec.name, net, pattern: spec.pattern, ...('fault' in spec ? { fault: spec.fault } : {}) },
        notice,
      ),
  );
  let publisher: DemoChild | undefined;
  let publisherStarts = 0;
  const runs: PublisherRun[] = [];

  const rows = (): LiveRow[] =>
    [...(publisher ? [publisher] : []), ...subs].map((c) => ({
      label: c === publisher ? `${c.label} #${publisherStarts}` : c.label,
      what: c.what,
      state: c.state,
      report: c.report,
      ratePerSec: c.ratePerSec,
    }));
  const state = () => ({ elapsedSec: elapsed(), totalSec: TOTAL_SEC, phase, network: `127.0.0.1 ${net.group}:${net.port}`, rows: rows(), events });

  let drawnLines = 0;
  const draw = (): void => {
    // Cut to the terminal's width: a wrapped line would break the cursor-up redraw.
    const width = Math.max(20, (process.stdout.columns ?? 160) - 1);
    const lines = renderLive(state(), 12).map((l) => l.slice(0, width));
    process.stdout.write(`${drawnLines > 0 ? `\x1b[${drawnLines}A` : ''}\x1b[J${lines.join('\n')}\n`);
    drawnLines = lines.length;
  };
  if (!tty) process.stdout.write(`ledgecast demo on 127.0.0.1, group ${net.group}:${net.port}: 1 publisher (${RATE_PER_SEC} msg/s, ledger ${ledgerPath}), ${subs.length} subscribers\n`);
  const display = setInterval(() => (tty ? draw() : process.stdout.write(`${renderPlainTick(state())}\n`)), tty ? 250 : 1000);

  try {
    await Promise.all(subs.map((s) => s.next('ready', STARTUP_TIMEOUT_MS)));
    const startPublisher = async (): Promise<DemoChild> => {
      const config: DemoPeerConfig = { role: 'publisher', name: PUBLISHER, net, subjects: SUBJECTS, ratePerSec: RATE_PER_SEC, expectPeers: subs.map((s) => s.label), lingerSec: LINGER_SEC, ledgerPath };
      const child = new DemoChild(PUBLISHER, `${SUBJECTS.length} subjects, ${RATE_PER_SEC}/s`, config, notice);
      publisher = child;
      publisherStarts++;
      await child.next('ready', STARTUP_TIMEOUT_MS);
      return child;
    };

    phase = 'publishing';
    const pubStartMs = Date.now();
    const atPubSec = (s: number): Promise<void> => sleep(Math.max(0, pubStartMs + s * 1000 - Date.now()));
    const first = await startPublisher();
    notice(`publisher started (incarnation ${first.report?.incarnation}), ledger durability 'sync'`);

    await atPubSec(KILL_AT_SEC);
    first.process.kill('SIGKILL');
    first.state = 'killed';
    await Promise.race([first.exited, sleep(EXIT_TIMEOUT_MS)]);
    runs.push({ incarnation: first.report?.incarnation ?? 0, killed: true, sentBySubject: first.report?.sentBySubject ?? {} });
    phase = 'publisher killed';
    notice(`publisher SIGKILLed after ~${first.report?.sent ?? 0} messages; restarting it under the same name and ledger`);

    await atPubSec(RESTART_AT_SEC);
    phase = 'publishing (restarted from its ledger)';
    const second = await startPublisher();
    notice(`publisher restarted (incarnation ${second.report?.incarnation}) from its ledger: its streams continue where run 1 stopped`);

    await atPubSec(STOP_AT_SEC);
    phase = 'draining';
    second.process.send({ kind: 'stop' });
    const stopped = await second.next('stopped', 5000);
    second.state = 'lingering';
    await Promise.race([second.exited, sleep(LINGER_SEC * 1000 + 5000)]);
    if (second.process.exitCode === null && second.process.signalCode === null) {
      notice('publisher did not close in time: killed (its ledger lock is taken over to read it)');
      second.process.kill('SIGKILL');
      await Promise.race([second.exited, sleep(EXIT_TIMEOUT_MS)]);
    }
    second.state = 'closed';
    const lastReport = second.report ?? stopped.report;
    runs.push({ incarnation: stopped.report.incarnation, killed: false, sentBySubject: stopped.report.sentBySubject, servedFromLedger: lastReport.servedFromLedger });

    phase = 'collecting';
    const sentHighs = await readLedgerHighs(ledgerPath, PUBLISHER);
    const finals = await Promise.all(
      subs.map(async (s, k) => {
        s.process.send({ kind: 'finish' });
        const f = await s.next('finished', 5000);
        s.state = 'done';
        return { name: s.label, pattern: SUBSCRIBERS[k].pattern, segments: f.segments, resets: f.report.resets } satisfies SubscriberFinal;
      }),
    );
    clearInterval(display);
    phase = 'done';
    if (tty) draw();
    else process.stdout.write(`${renderPlainTick(state())}\n`);

    const matchers = new Map<string, PatternMatcher<true>>();
    const matches = (pattern: string, subject: string): boolean => {
      let m = matchers.get(pattern);
      if (m === undefined) {
        m = new PatternMatcher<true>();
        m.add(pattern, true);
        matchers.set(pattern, m);
      }
      return m.matches(subject);
    };
    const summary = summarizeDemo(PUBLISHER, sentHighs, finals, matches);
    const resume = ledgerResume(runs, sentHighs);
    const extra = new Map(subs.map((s, k) => [s.label, { fault: faultOf(SUBSCRIBERS[k]), report: s.report }]));
    process.stdout.write(`\n${renderSummary(summary, extra, runs, resume).join('\n')}\n`);
    return demoPassed(summary, resume) ? 0 : 1;
  } finally {
    clearInterval(display);
    const exits = [...live].map((p) => new Promise((resolve) => p.once('exit', resolve)));
    killAll();
    await Promise.race([Promise.all(exits), sleep(EXIT_TIMEOUT_MS)]);
    removeTempDir();
  }
}

const USAGE = `Usage: npm start  (node dist/cli/demo.js)

A live demo of ledgecast on loopback, about 20 s: one publisher (with a ledger, killed and
restarted midway) and four subscriber processes, one dropping 5 % of its datagrams; then an
audit of what each got against what the ledger says was sent. Exit 0 when nothing was lost
without a report, nothing delivered twice and no stream reset; 1 otherwise; 130 on Ctrl-C.
It takes no option. The ledgecast command: npx ledgecast --help
`;
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (args.length > 0) {
  process.stderr.write(`ledgecast demo: it takes no option, got ${JSON.stringify(args.join(' '))} (--help says what it does)\n`);
  process.exit(2);
}

process.on('exit', () => {
  killAll();
  removeTempDir();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll();
    process.stdout.write(`\nledgecast demo: interrupted (${signal}); every child process was killed and the ledger directory removed\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

let exitCode: number;
try {
  exitCode = await main();
} catch (err) {
  killAll();
  process.stderr.write(`ledgecast demo: ${err instanceof Error ? err.message : String(err)}\n`);
  exitCode = 1;
}
// Exit explicitly: a pending bounded wait must not hold the demo open once it is over.
process.stdout.write('', () => process.exit(exitCode));
