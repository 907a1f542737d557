import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { releaseProxy, wrap, type Remote } from 'comlink';
import { deserializeError, ERROR_CODES, InvalidOptionError, LedgecastError, PeerClosedError, TimeoutError } from '../errors.js';
import { unwrapControl, type ExposedControl, type ThreadControl } from './thread-control.js';
import type { Shutdown, WorkerReady, WorkerStartup } from './wire-messages.js';

/** What a worker host reports after start. */
export interface WorkerHostDeps {
  /** An uncaught error in the worker, or its unexpected exit (then `exited` is true). */
  onError(thread: string, err: Error, exited: boolean): void;
}

/** Timeouts of a worker host (resolved `RuntimeOptions`). */
export interface WorkerHostOptions {
  readonly startTimeoutMs: number;
  readonly closeTimeoutMs: number;
}

/**
 * Where the compiled worker entry is. Workers always load compiled JavaScript, so that they
 * behave the same in tests, the CLI and users' programs:
 * - compiled (`dist/runtime/worker-host.js`, also when installed as a package): the sibling
 *   `worker-entry.js`;
 * - TypeScript sources run by vitest (`runtime/worker-host.ts`): the `dist/` twin,
 *   `<root>/dist/runtime/worker-entry.js`. `npm test` builds first.
 */
export function workerEntryUrl(moduleUrl: string = import.meta.url): URL {
  return moduleUrl.endsWith('.ts') ? new URL('../dist/runtime/worker-entry.js', moduleUrl) : new URL('./worker-entry.js', moduleUrl);
}

/**
 * One dedicated `node:worker_threads` Worker running the actors of one thread of the topology
 * (stateful actors need thread affinity, which a pool such as piscina does not give).
 *
 * Lifecycle: {@link WorkerHost.start} resolves once the worker answered `WorkerReady` (or
 * rejects with its rebuilt error, or a `TimeoutError`, after terminating it); {@link close}
 * stops its actors over the control channel, sends `Shutdown`, and resolves once the thread has
 * exited (terminating it after `closeTimeoutMs`), leaving no handle open.
 */
export class WorkerHost {
  readonly thread: string;
  /** The worker's control surface (comlink over a MessagePort); errors are rebuilt from data. */
  readonly control: ThreadControl;
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #remote: Remote<ExposedControl>;
  readonly #exited: Promise<number>;
  readonly #options: WorkerHostOptions;
  #closing: Promise<void> | undefined;
  #hasExited = false;
  readonly #portClosed: Promise<unknown>;

  private constructor(thread: string, worker: Worker, port: MessagePort, exited: Promise<number>, options: WorkerHostOptions) {
    this.thread = thread;
    this.#worker = worker;
    this.#port = port;
    this.#exited = exited;
    this.#options = options;
    this.#remote = wrap<ExposedControl>(port as unknown as Parameters<typeof wrap>[0]);
    void exited.then(() => (this.#hasExited = true));
    // A port finishes closing asynchronously (and closes by itself when the worker's end does):
    // close() waits for it, or it may still count as an open handle.
    this.#portClosed = new Promise((resolve) => port.once('close', resolve));
    // A dead worker never answers: every call also ends when the thread exits.
    const control = unwrapControl(this.#remote as unknown as ExposedControl);
    const orExit = <T>(call: Promise<T>): Promise<T> =>
      Promise.race([
        call,
        exited.then((code): never => {
          throw new PeerClosedError(`worker thread "${thread}" has exited (code ${code})`);
        }),
      ]);
    this.control = {
      stats: () => orExit(control.stats()),
      configure: (patch) => orExit(control.configure(patch)),
      stop: (actors) => orExit(control.stop(actors)),
      close: () => orExit(control.close()),
    };
  }

  /** Whether the worker thread is still running. */
  get running(): boolean {
    return !this.#hasExited;
  }

  /** The worker's thread id (`worker.threadId`). */
  get threadId(): number {
    return this.#worker.threadId;
  }

  /**
   * Starts a worker for `startup.thread` and waits for its actors to be started.
   * @throws the worker's start error (rebuilt by `deserializeError`, message prefixed with the
   *   thread), `TimeoutError` after `startTimeoutMs`, or `LedgecastError` (`ERR_INTERNAL`) when
   *   the worker crashed or the compiled entry is missing.
   */
  static async start(deps: WorkerHostDeps, startup: Omit<WorkerStartup, 'kind' | 'controlPort'>, options: WorkerHostOptions): Promise<WorkerHost> {
    const entry = workerEntryUrl();
    if (!existsSync(fileURLToPath(entry))) {
      throw new LedgecastError(ERROR_CODES.internal, `the compiled worker entry ${fileURLToPath(entry)} is missing: run \`npm run build\``);
    }
    const { thread } = startup;
    const { port1, port2 } = new MessageChannel();
    const data: WorkerStartup = { ...startup, kind: 'workerStartup', controlPort: port2 };
    let worker: Worker;
    try {
      worker = new Worker(entry, { workerData: data, transferList: [port2], name: `ledgecast:${thread}` });
    } catch (err) {
      port1.close();
      // A DataCloneError: something in the startup (the actors' options) is not plain data.
      throw new InvalidOptionError(
        `the options of the actors on thread "${thread}" must be plain data: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));

    let timer: NodeJS.Timeout | undefined;
    const settle = new Promise<WorkerReady>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', (err) =>
        reject(new LedgecastError(ERROR_CODES.internal, `worker thread "${thread}" crashed while starting: ${err.message}`, { cause: err })),
      );
      void exited.then((code) =>
        reject(new LedgecastError(ERROR_CODES.internal, `worker thread "${thread}" exited with code ${code} while starting`)),
      );
      timer = setTimeout(
        () => reject(new TimeoutError(`worker thread "${thread}" did not start within ${options.startTimeoutMs} ms`)),
        options.startTimeoutMs,
      );
    });
    let ready: WorkerReady;
    try {
      ready = await settle;
      if (!ready.ok) {
        throw deserializeError({ ...ready.error, message: `worker thread "${thread}" failed to start: ${ready.error.message}` });
      }
    } catch (err) {
      const portClosed = new Promise((resolve) => port1.once('close', resolve));
      port1.close();
      await worker.terminate();
      await Promise.all([exited, portClosed]);
      throw err;
    } finally {
      clearTimeout(timer);
      worker.removeAllListeners('message');
      worker.removeAllListeners('error');
    }

    const host = new WorkerHost(thread, worker, port1, exited, options);
    worker.on('error', (err) => deps.onError(thread, err, false));
    void exited.then((code) => {
      if (host.#closing === undefined) {
        const err = new LedgecastError(ERROR_CODES.internal, `worker thread "${thread}" exited unexpectedly with code ${code}`);
        deps.onError(thread, err, true);
      }
    });
    return host;
  }

  /**
   * Stops the worker's actors (`control.close()`), tells it to shut down, and resolves once the
   * thread has exited. Idempotent. Rethrows a `stop` error of an actor after the worker is gone.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    let first: unknown;
    if (!this.#hasExited) {
      try {
        await withTimeout(this.control.close(), this.#options.closeTimeoutMs, this.thread);
      } catch (err) {
        first = err;
      }
      const shutdown: Shutdown = { kind: 'shutdown' };
      this.#worker.postMessage(shutdown);
    }
    this.#remote[releaseProxy]();
    this.#port.close();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#options.closeTimeoutMs);
    });
    if ((await Promise.race([this.#exited, timedOut])) === 'timeout') await this.#worker.terminate();
    clearTimeout(timer);
    await Promise.all([this.#exited, this.#portClosed]);
    if (first !== undefined) throw first;
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, thread: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(`worker thread "${thread}" did not close within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
