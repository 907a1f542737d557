/**
 * The attacker process of the security tests (test/fixtures/security/attacker.mjs): plain UDP,
 * no key, driven over the child_process IPC channel. The tests encode the frames; the attacker
 * only sends bytes (from one or several source addresses) and captures them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { encodeFrame, encodedSize } from '../../codecs/frame-codec.js';
import type { DataFrame, StreamStart, WireMessage } from '../../codecs/frame.js';
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

/**
 * DATA datagrams opening `senders × subjectsPerSender` streams, one message each (seq 1), as
 * many records per datagram as fit in `maxBytes`.
 */
export function forgedStreams(senders: number, subjectsPerSender: number, maxBytes: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const payload = new Uint8Array([0xff, 0xff, 0xff, 0xff]);
  for (let s = 0; s < senders; s++) {
    const sender = { name: `ghost-${s}`, incarnation: 1 };
    let streams: StreamStart[] = [];
    let messages: WireMessage[] = [];
    const flush = (): void => {
      if (messages.length > 0) out.push(encodeFrame({ kind: 'data', sender, streams, messages }));
      streams = [];
      messages = [];
    };
    for (let k = 0; k < subjectsPerSender; k++) {
      const subject = `orders.g${k}`;
      streams.push({ subject, startSeq: 1 });
      messages.push({ subject, seq: 1, flags: 0, payload });
      if (encodedSize({ kind: 'data', sender, streams, messages } as DataFrame) > maxBytes) {
        streams.pop();
        messages.pop();
        flush();
        streams.push({ subject, startSeq: 1 });
        messages.push({ subject, seq: 1, flags: 0, payload });
      }
    }
    flush();
  }
  return out;
}
