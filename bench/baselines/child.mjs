/**
 * Child side of the benchmark harness protocol (see the top of harness.mjs for the whole picture).
 *
 * A benchmark script started by `runPair` does:
 *
 *   const ctx = startChild();                // parses params, installs crash/orphan handlers
 *   ... open sockets using ctx.params ...
 *   ctx.ready({ port });                     // info the *other* process will need
 *   const peer = await ctx.waitStart(async (peer) => { ... connect to peer ... });
 *   ... run, bounded by ctx.params.seconds and a count ...
 *   ctx.result({ sentMsgs });                // a publisher reports when it is done sending
 *   // or, in a subscriber:  const pubResult = await ctx.whenPeerDone(); ...drain...; ctx.result({...})
 *   await ctx.whenStopped();                 // the harness says everything is collected
 *   ... close sockets ...; process.exit(0)   // (ctx.exit() does the last step)
 *
 * IPC messages, child -> harness: {type:'ready', info}, {type:'running'}, {type:'result', result},
 * {type:'error', message, stack}. Harness -> child: {type:'start', peer}, {type:'peerDone', result},
 * {type:'stop'}.
 *
 * Safety: a child exits by itself if the harness disappears (IPC disconnect) and after
 * `params.hardTimeoutMs` whatever happens, so no benchmark process can outlive its run.
 */
import { performance } from 'node:perf_hooks';

/** Exit code used when the child's own hard deadline fires. */
export const EXIT_HARD_TIMEOUT = 70;

function deferred() {
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Reads the params object the harness put in argv as `--bench-params=<json>`. */
export function readParams(argv = process.argv) {
  const arg = argv.find((a) => a.startsWith('--bench-params='));
  if (!arg) return {};
  return JSON.parse(arg.slice('--bench-params='.length));
}

/** Peak RSS (bytes) and CPU time (ms) of this process so far, from getrusage. */
export function processUsage() {
  const u = process.resourceUsage();
  return {
    maxRssBytes: u.maxRSS * 1024,
    cpuUserMs: u.userCPUTime / 1000,
    cpuSystemMs: u.systemCPUTime / 1000,
  };
}

/**
 * Starts the child side of the protocol. Must be called once, early, in a script forked by runPair.
 * @returns {{ params: object, role: string, ready(info?: object): void,
 *   waitStart(setup?: (peer: object) => Promise<void>|void): Promise<object>,
 *   whenPeerDone(): Promise<object>, whenStopped(): Promise<void>, result(r: object): void,
 *   exit(code?: number): never }}
 */
export function startChild() {
  if (typeof process.send !== 'function') {
    throw new Error('this script is a benchmark child: start it through runPair() in harness.mjs');
  }
  const params = readParams();
  const started = deferred();
  const peerDone = deferred();
  const stopped = deferred();
  let resultSent = false;

  const fail = (err) => {
    try {
      process.send({ type: 'error', message: String(err?.message ?? err), stack: String(err?.stack ?? '') });
    } catch {
      // IPC already gone: nothing else to tell.
    }
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 50).unref();
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  process.on('disconnect', () => process.exit(0)); // the harness is gone: never linger
  process.on('message', (m) => {
    switch (m?.type) {
      case 'start':
        started.resolve(m.peer ?? {});
        break;
      case 'peerDone':
        peerDone.resolve(m.result ?? {});
        break;
      case 'stop':
        stopped.resolve();
        break;
      default:
        break;
    }
  });
  const hardTimeoutMs = Number(params.hardTimeoutMs) > 0 ? Number(params.hardTimeoutMs) : 120_000;
  setTimeout(() => {
    process.stderr.write(`benchmark child ${params.role ?? '?'}: hard timeout ${hardTimeoutMs} ms\n`);
    process.exit(EXIT_HARD_TIMEOUT);
  }, hardTimeoutMs).unref();

  return {
    params,
    role: String(params.role ?? ''),
    ready(info = {}) {
      process.send({ type: 'ready', info });
    },
    /** Waits for 'start' (carrying the other process's ready info), runs `setup(peer)`, then says 'running'. */
    async waitStart(setup) {
      const peer = await started.promise;
      if (setup) await setup(peer);
      process.send({ type: 'running' });
      return peer;
    },
    whenPeerDone: () => peerDone.promise,
    whenStopped: () => stopped.promise,
    /** Sends the result once; adds peak RSS and CPU time of this process. */
    result(r) {
      if (resultSent) return;
      resultSent = true;
      process.send({ type: 'result', result: { ...r, ...processUsage() } });
    },
    exit(code = 0) {
      process.exit(code);
    },
  };
}

/**
 * Polls until `done()` is true, or `progress()` has not changed for `idleMs`, or `maxMs` elapsed.
 * Used by subscribers to drain what is still in flight after the publisher finished.
 * @returns {Promise<'done'|'idle'|'timeout'>}
 */
export async function waitUntil({ done, progress = () => 0, idleMs = 500, maxMs = 5000, pollMs = 5 }) {
  const t0 = performance.now();
  let last = progress();
  let lastChange = t0;
  for (;;) {
    if (done()) return 'done';
    const now = performance.now();
    const p = progress();
    if (p !== last) {
      last = p;
      lastChange = now;
    }
    if (now - lastChange >= idleMs) return 'idle';
    if (now - t0 >= maxMs) return 'timeout';
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Rejects with `message` if `promise` has not settled within `ms`. */
export function withTimeout(promise, ms, message) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(message ?? `timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
