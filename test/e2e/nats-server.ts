/**
 * A real `nats-server` with JetStream for the bridge tests (Debian's 2.9.10 here and in CI,
 * installed by .ci/run): `-js -sd <temp dir> -p <free port> -a 127.0.0.1`, on loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { within } from './helpers.js';

const BINARY = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';

/** A free TCP port on 127.0.0.1 (asked of the OS, then released). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly log: string[];
  /** Kills the server with `signal` (SIGKILL by default; SIGTERM: a graceful stop), its store stays. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Kills it and removes its store. */
  stop(): Promise<void>;
}

/**
 * Starts nats-server with JetStream in a temp store; resolves once it accepts clients. `config`:
 * the text of a configuration file (accounts, users, permissions) given with `-c`; the flags
 * (JetStream, store, port, 127.0.0.1) still apply.
 */
export async function startNatsServer(config?: string): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ledgecast-nats-'));
  const port = await freeTcpPort();
  const log: string[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const configArgs: string[] = [];
  if (config !== undefined) {
    const file = join(dir, 'server.conf');
    writeFileSync(file, config);
    configArgs.push('-c', file);
  }
  const launch = async (): Promise<void> => {
    const c = spawn(BINARY, [...configArgs, '-js', '-sd', dir, '-p', String(port), '-a', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    exited = new Promise<void>((r) => c.once('exit', () => r()));
    let text = '';
    const ready = new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer): void => {
        log.push(d.toString());
        text += d.toString();
        if (text.includes('Server is ready')) resolve();
      };
      c.stdout?.on('data', onData);
      c.stderr?.on('data', onData);
      c.once('error', reject);
      c.once('exit', (code) => reject(new Error(`nats-server exited (code ${code}): ${text}`)));
    });
    await within(10_000, 'nats-server ready', ready);
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill(signal);
    await within(5_000, 'nats-server exit', exited).catch(() => undefined);
  };
  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    log,
    kill,
    restart: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One node of a {@link NatsCluster}. */
export interface NatsNode {
  readonly name: string;
  readonly url: string;
  /** SIGKILLs it (its store stays). */
  kill(): Promise<void>;
  /** Starts it again with the same configuration and store. */
  restart(): Promise<void>;
}

/** A JetStream cluster of nats-server processes on loopback. */
export interface NatsCluster {
  readonly nodes: readonly NatsNode[];
  /** Every node's client URL. */
  readonly urls: string[];
  /** Kills every node and removes the stores. */
  stop(): Promise<void>;
}

/**
 * Starts `size` nats-server nodes with JetStream in one cluster (`n1`…, routes between all of
 * them, 127.0.0.1 only); resolves once every node accepts clients and JetStream has a meta leader.
 */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'ledgecast-natsc-'));
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  for (let i = 0; i < size; i++) {
    clientPorts.push(await freeTcpPort());
    routePorts.push(await freeTcpPort());
  }
  const routes = routePorts.map((p) => `nats-route://127.0.0.1:${p}`).join(', ');
  const nodes = clientPorts.map((port, i) => {
    const name = `n${i + 1}`;
    const config = join(dir, `${name}.conf`);
    writeFileSync(
      config,
      [
        `server_name: ${name}`,
        `listen: 127.0.0.1:${port}`,
        `jetstream { store_dir: "${join(dir, name)}" }`,
        `cluster { name: lc, listen: 127.0.0.1:${routePorts[i]}, routes: [${routes}] }`,
        '',
      ].join('\n'),
    );
    let child: ChildProcess | undefined;
    let exited: Promise<void> = Promise.resolve();
    const launch = async (): Promise<void> => {
      const c = spawn(BINARY, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      exited = new Promise<void>((r) => c.once('exit', () => r()));
      let text = '';
      const ready = new Promise<void>((resolve, reject) => {
        const onData = (d: Buffer): void => {
          text = (text + d.toString()).slice(-20_000);
          if (text.includes('Server is ready')) resolve();
        };
        c.stdout?.on('data', onData);
        c.stderr?.on('data', onData);
        c.once('error', reject);
        c.once('exit', (code) => reject(new Error(`nats-server ${name} exited (code ${code}): ${text}`)));
      });
      await within(15_000, `nats-server ${name} ready`, ready);
    };
    const kill = async (): Promise<void> => {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await within(5_000, `nats-server ${name} exit`, exited).catch(() => undefined);
    };
    return { name, url: `nats://127.0.0.1:${port}`, kill, restart: launch, launch };
  });
  await Promise.all(nodes.map((n) => n.launch()));
  return {
    nodes: nodes.map(({ launch: _launch, ...n }) => n),
    urls: nodes.map((n) => n.url),
    async stop() {
      await Promise.all(nodes.map((n) => n.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
