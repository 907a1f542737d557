/**
 * `ledgecast reply <pattern>`: answers every request on the pattern (`--data` a fixed value,
 * `--echo` the request's own data) until --count requests or Ctrl-C; prints each request
 * answered as one JSON line on stdout. Messages published without a reply subject are not
 * requests: they are printed, not answered.
 */
import { createPeer } from '../../actors/app/peer.js';
import type { Message } from '../../actors/app/message.js';
import { EXIT_CODES, type ReplyCliOptions } from '../cli-options.js';
import { aborted, stopExitCode, type CliIo } from '../cli-io.js';
import { messageToJsonLine, toJsonLine } from '../json-line.js';

/** Runs `reply`; returns the exit code. */
export async function runReply(o: ReplyCliOptions, io: CliIo): Promise<number> {
  const peer = await createPeer(o.peer);
  try {
    peer.on('error', (err: Error) => io.err(toJsonLine({ event: 'error', message: err.message })));
    let answered = 0;
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const sub = peer.subscribe(o.pattern, (msg: Message) => {
      if (o.count !== undefined && answered >= o.count) return;
      io.out(messageToJsonLine(msg));
      if (msg.replyTo === undefined) return;
      answered++;
      const sent = msg.respond(o.answer.kind === 'echo' ? msg.data : o.answer.value);
      if (answered === o.count) void sent.then(() => resolveDone());
    });
    const outcome = await Promise.race([done.then(() => 'count' as const), aborted(io.stop).then(() => 'stop' as const)]);
    sub.unsubscribe();
    return outcome === 'count' ? EXIT_CODES.ok : stopExitCode(io.stop);
  } finally {
    // The replies must reach their requesters before the peer says BYE.
    await peer.close();
  }
}
