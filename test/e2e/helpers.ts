/**
 * Shared helpers of the end-to-end tests: each peer runs in a child process of its own
 * (test/fixtures/e2e/peer-child.mjs, importing the compiled library from dist/), driven over
 * the child_process IPC channel. Every wait is bounded; every child is killed by `killAll`.
 *
 * Network safety: interface 127.0.0.1 only; each test draws its own multicast group
 * 239.255.x.y and its own port (files run in parallel).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/e2e/', import.meta.url));
export const TOPOLOGIES = ['single', 'shared', 'sharedNetwork', 'dedicated'] as const;

/**
 * A fresh multicast group and port for one test. The group avoids the library's default
 * (239.255.76.67) and SSDP (239.255.255.250); ports stay below Linux's ephemeral range.
 */
export function freshNetwork(): { group: string; port: number; interface: '127.0.0.1' } {
  let group: string;
  do group = `239.255.${randomInt(1, 255)}.${randomInt(1, 255)}`;
  while (group === '239.255.76.67');
  return { group, port: randomInt(20_000, 32_000), interface: '127.0.0.1' };
}

/** A port for an explicit unicast listener (below the ephemeral range). */
export function freshPort(): number {
  return randomInt(20_000, 32_000);
}

export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ChildEvent {
  readonly event: string;
  readonly payload: any;
  /** The child's `Date.now()` when the peer emitted it (absent for `alive`). */
  readonly atMs?: number;
}

export interface RemoteError {
  readonly name?: string;
  readonly code?: string;
  readonly message: string;
}

/** Thrown by {@link PeerProcess.call} when the child's command failed. */
export class ChildCommandError extends Error {
  constructor(readonly remote: RemoteError) {
    super(`${remote.name ?? 'Error'} [${remote.code ?? '-'}]: ${remote.message}`);
  }
  get code(): string | undefined {
    return this.remote.code;
  }
}

const live = new Set<PeerProcess>();

/** One child process holding one peer. */
export class PeerProcess {
  readonly events: ChildEvent[] = [];
  readonly stderr: string[] = [];
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private eventWaiters: (() => void)[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly label: string) {
    // execArgv: [] so the child runs like a user's program, without the test runner's flags.
    this.child = fork(`${FIXTURES}peer-child.mjs`, [], { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    live.add(this);
    this.child.stderr?.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        live.delete(this);
        for (const p of this.pending.values()) p.reject(new Error(`${label} exited (code ${code}, signal ${signal}) ${this.stderr.join('')}`));
        this.pending.clear();
        resolve({ code, signal });
      });
    });
    this.child.on('message', (m: any) => {
      if (m && typeof m.id === 'number') {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (!p) return;
        if (m.ok) p.resolve(m.result);
        else p.reject(new ChildCommandError(m.error));
      } else if (m && typeof m.event === 'string') {
        this.events.push(m);
        const ws = this.eventWaiters;
        this.eventWaiters = [];
        for (const w of ws) w();
      }
    });
  }

  /** Sends a command and waits (at most `timeoutMs`) for its answer. */
  call<T = any>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 15_000): Promise<T> {
    const id = this.nextId++;
    const answer = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, cmd, ...args });
    });
    return within(timeoutMs, `${this.label}.${cmd}`, answer);
  }

  /** Waits (bounded) for an event matching `pred`, including one already received. */
  async waitEvent(pred: (e: ChildEvent) => boolean, timeoutMs: number, what: string): Promise<ChildEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(pred);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.label}: no ${what} within ${timeoutMs} ms; events: ${JSON.stringify(this.events.map((e) => [e.event, e.payload?.name]))}`);
      await within(left + 50, what, new Promise<void>((r) => this.eventWaiters.push(r))).catch(() => undefined);
    }
  }

  /** Waits until this peer has seen every named peer join. */
  async waitJoined(names: readonly string[], timeoutMs = 8_000): Promise<void> {
    for (const n of names) await this.waitEvent((e) => e.event === 'peerJoined' && e.payload.name === n, timeoutMs, `peerJoined ${n}`);
  }

  /** Sends `signal` to the child (SIGSTOP / SIGCONT: pause it and let it go on). */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** Starts a child and its peer (bounded). */
export async function startPeer(label: string, options: Record<string, unknown>): Promise<PeerProcess> {
  const p = new PeerProcess(label);
  await p.waitEvent((e) => e.event === 'alive', 10_000, 'child start');
  await p.call('start', { options: { name: label, ...options } }, 15_000);
  return p;
}

/** Kills every child still running (call from afterEach) and waits for their exit (bounded). */
export async function killAll(): Promise<void> {
  const all = [...live];
  for (const p of all) p.kill();
  await within(5_000, 'children exit', Promise.all(all.map((p) => p.exited))).catch(() => undefined);
}

/** A received message as the child records it: [subject, sender, seq, payload.s, payload.i]. */
export type Rec = [subject: string, sender: string, seq: number, s: string | undefined, i: number | undefined];

/** Groups records by stream (sender, subject), keeping arrival order. */
export function byStream(records: readonly Rec[]): Map<string, Rec[]> {
  const m = new Map<string, Rec[]>();
  for (const r of records) {
    const k = `${r[1]}|${r[0]}`;
    let list = m.get(k);
    if (!list) m.set(k, (list = []));
    list.push(r);
  }
  return m;
}

/** 1, 2, …, n. */
export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

/**
 * A compact description of what one stream delivered, for exact comparison: the seq list
 * folded into runs (so a failing diff stays readable) plus payload consistency.
 */
export function summarize(list: readonly Rec[]): { runs: string; payloadMismatches: number } {
  const runs: string[] = [];
  let start = -1;
  let prev = -1;
  for (const r of list) {
    const seq = r[2];
    if (start === -1) start = prev = seq;
    else if (seq === prev + 1) prev = seq;
    else {
      runs.push(start === prev ? `${start}` : `${start}-${prev}`);
      start = prev = seq;
    }
  }
  if (start !== -1) runs.push(start === prev ? `${start}` : `${start}-${prev}`);
  // The publisher puts the subject in `s` and the per-subject index in `i`; on a fresh
  // stream, index i is sequence i.
  const payloadMismatches = list.filter((r) => r[3] !== r[0] || r[4] !== r[2]).length;
  return { runs: runs.join(','), payloadMismatches };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
