/**
 * `ledgecast pub <subject> [data]`: publishes the messages of a {@link PubSource}, paced when
 * `--rate` is given, else as fast as the peer's backpressure allows; then lingers so that
 * receivers missing something can still NAK it (the sender's window lives in this process).
 */
import { createInterface } from 'node:readline';
import { createPeer } from '../../actors/app/peer.js';
import { EXIT_CODES, parseData, type PubOptions, type PubSource } from '../cli-options.js';
import { sleep, stopExitCode, type CliIo } from '../cli-io.js';
import { PacedPublisher } from '../paced-publisher.js';
import { toJsonLine } from '../json-line.js';
import { progressLine, summaryLine, type PubProgressState } from '../pub-progress.js';

/** Runs `pub`: publishes, lingers, closes; returns the exit code. */
export async function runPub(o: PubOptions, io: CliIo): Promise<number> {
  const peer = await createPeer(o.peer);
  try {
    peer.on('error', (err: Error) => io.err(toJsonLine({ event: 'error', message: err.message })));
    const publisher = new PacedPublisher(peer, o.ratePerSec, io.stop);
    if (o.source.kind === 'stdin' && (io.stdin as { isTTY?: boolean }).isTTY === true) {
      io.err(`ledgecast: publishing each line typed on ${o.subject} (Ctrl-D to end)`);
    }
    // On a terminal: a progress line four times a second (never per message), a summary at the end.
    const startedMs = performance.now();
    let endedMs: number | undefined;
    let lingerEndMs: number | undefined;
    const state = (): PubProgressState => ({ published: publisher.published, total: totalOf(o.source), startedMs, endedMs });
    const ticker = io.progressEnabled
      ? setInterval(() => {
          const now = performance.now();
          io.progress(progressLine(state(), o.subject, now, lingerEndMs === undefined ? undefined : Math.max(0, lingerEndMs - now)));
        }, 250)
      : undefined;
    const summary = (): void => {
      clearInterval(ticker);
      io.progress('');
      if (io.progressEnabled) io.err(summaryLine(state(), o.subject, performance.now(), io.stop.aborted));
    };
    try {
      return await publishAll();
    } finally {
      summary();
    }

    async function publishAll(): Promise<number> {
      // A plain `for` over a synchronous source: an await per message would split the peer's
      // batches (see PacedPublisher).
      const source = messagesOf(o.source, io);
      if (o.source.kind === 'stdin') {
        // A line that cannot be published (too large, say) is named by its number.
        for await (const { line, data } of stdinMessages(io)) {
          if (io.stop.aborted) break;
          const wait = publisher.publish(o.subject, data, `line ${line} of stdin`);
          if (wait !== undefined) await wait;
        }
      } else if (Symbol.asyncIterator in source) {
        for await (const data of source) {
          if (io.stop.aborted) break;
          const wait = publisher.publish(o.subject, data);
          if (wait !== undefined) await wait;
        }
      } else {
        for (const data of source) {
          if (io.stop.aborted) break;
          const wait = publisher.publish(o.subject, data);
          if (wait !== undefined) await wait;
        }
    }
    await publisher.drained();
    endedMs = performance.now();
    if (io.stop.aborted) return stopExitCode(io.stop);
    lingerEndMs = performance.now() + o.lingerSec * 1000;
    await sleep(o.lingerSec * 1000, io.stop);
    return io.stop.aborted ? stopExitCode(io.stop) : EXIT_CODES.ok;
    }
  } finally {
    await peer.close();
  }
}

/** How many messages a source holds (undefined for stdin). */
function totalOf(source: PubSource): number | undefined {
  return source.kind === 'stdin' ? undefined : source.count;
}

/** The payloads of a source, in order: synchronous except stdin. */
export function messagesOf(source: PubSource, io: Pick<CliIo, 'stdin' | 'stop'>): Iterable<unknown> | AsyncIterable<unknown> {
  switch (source.kind) {
    case 'value':
      return repeat(source.count, () => source.value);
    case 'sequence':
      return repeat(source.count, (i) => i);
    case 'bytes':
      return repeat(source.count, (i) => sizedPayload(source.sizeBytes, i));
    case 'stdin':
      return dataOf(stdinMessages(io));
  }
}

async function* dataOf(lines: AsyncIterable<{ readonly data: unknown }>): AsyncGenerator<unknown> {
  for await (const { data } of lines) yield data;
}

function* repeat(count: number, make: (i: number) => unknown): Generator<unknown> {
  for (let i = 0; i < count; i++) yield make(i);
}

/** Each non-blank line of stdin as a message, with its line number (from 1, blank lines counted). */
async function* stdinMessages(io: Pick<CliIo, 'stdin' | 'stop'>): AsyncGenerator<{ readonly line: number; readonly data: unknown }> {
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
  io.stop.addEventListener('abort', () => lines.close(), { once: true });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim().length > 0) yield { line, data: parseData(text) };
  }
}

/**
 * A raw payload of `sizeBytes` bytes; its first 4 bytes (when it has them) carry the message
 * index (little-endian), so a receiver can tell the messages apart.
 */
export function sizedPayload(sizeBytes: number, index: number): Uint8Array {
  const bytes = new Uint8Array(sizeBytes);
  if (sizeBytes >= 4) new DataView(bytes.buffer).setUint32(0, index >>> 0, true);
  for (let k = 4; k < sizeBytes; k++) bytes[k] = (index + k) & 0xff;
  return bytes;
}
