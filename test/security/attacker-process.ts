/**
 * The attacker process of the security tests (test/fixtures/security/attacker.mjs): plain UDP,
 * no key, driven over the child_process IPC channel. The tests encode the frames; the attacker
 * only sends bytes (from one or several source addresses) and captures them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { within } from '../e2e/helpers.js';

const ATTACKER = fileURLToPath(new URL('../fixtures/security/attacker.mjs', import.meta.url));

export class Attacker {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, (m: { ok: boolean; result?: unknown; error?: { message: string } }) => void>();
  readonly alive: Promise<void>;

  constructor() {
    this.child = fork(ATTACKER, [], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.alive = new Promise((resolve) => {
      this.child.on('message', (m: any) => {
        if (m?.event === 'alive') resolve();
        else this.pending.get(m?.id)?.(m);
      });
    });
  }

  async call<T>(cmd: string, args: Record<string, unknown>, timeoutMs = 20_000): Promise<T> {
    const id = this.nextId++;
    const answer = new Promise<T>((resolve, reject) => {
      this.pending.set(id, (m) => (m.ok ? resolve(m.result as T) : reject(new Error(m.error?.message))));
      this.child.send({ id, cmd, ...args });
    });
    return within(timeoutMs, `attacker ${cmd}`, answer);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** A datagram as the attacker takes it. */
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The same class under the name the table-exhaustion test uses. */
export { Attacker as AttackerProcess };
