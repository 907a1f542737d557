#!/usr/bin/env node
/**
 * The `ledgecast` command: `sub`, `pub`, `request`, `reply`, `peers`, `monitor`, `bench`,
 * `bridge` and `keygen` (`ledgecast <command> --help`).
 *
 * Layout of cli/: `command-line.ts` defines the flags and parses argv into resolved options
 * (`cli-options.ts`, pure); `commands/*.ts` run one subcommand each against the public `Peer`
 * API and return an exit code; this file owns the process: signals, output, exit. Output
 * contract: data on stdout (one JSON line per message, or a table), everything else on stderr;
 * a user's mistake is one line `ledgecast: <message>` and exit code 2, never a stack trace.
 *
 * Network safety: the interface defaults to 127.0.0.1, as in the library.
 */
import { randomInt } from 'node:crypto';
import { assertNever } from '../actors/core.js';
import { parseCommandLine, type ParsedCommand } from './command-line.js';
import type { CliIo } from './cli-io.js';
import { EXIT_CODES } from './cli-options.js';
import { describeFailure } from './failure.js';
import { runBench } from './commands/bench.js';
import { runPeers } from './commands/peers.js';
import { runPub } from './commands/pub.js';
import { runSub } from './commands/sub.js';
import { runRequest } from './commands/request.js';
import { runReply } from './commands/reply.js';
import { runMonitor } from './commands/monitor.js';
import { runBridge } from './commands/bridge.js';
import { writeNewKeyFile } from './key-file.js';

async function main(argv: readonly string[]): Promise<number> {
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // The first signal stops the command gracefully (the peer says BYE); a second one is
      // an impatient user: leave at once.
      if (stop.signal.aborted) process.exit(signal === 'SIGINT' ? EXIT_CODES.interrupted : EXIT_CODES.terminated);
      stop.abort(signal);
    });
  }
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') stop.abort('EPIPE');
  });
  const io = processIo(stop.signal);
  try {
    const command = parseCommandLine(argv, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }, randomInt);
    return await run(command, io);
  } catch (err) {
    const failure = describeFailure(err, process.env.LEDGECAST_DEBUG !== undefined && process.env.LEDGECAST_DEBUG !== '');
    io.progress('');
    if (failure.text !== '') process.stderr.write(`${failure.text}\n`);
    return failure.exitCode;
  }
}

function run(command: ParsedCommand, io: CliIo): Promise<number> {
  switch (command.kind) {
    case 'sub':
      return runSub(command.options, io);
    case 'pub':
      return runPub(command.options, io);
    case 'peers':
      return runPeers(command.options, io);
    case 'bench':
      return runBench(command.options, io);
    case 'request':
      return runRequest(command.options, io);
    case 'reply':
      return runReply(command.options, io);
    case 'monitor':
      return runMonitor(command.options, io);
    case 'bridge':
      return runBridge(command.options, io);
    case 'keygen':
      writeNewKeyFile(command.path);
      io.err(`wrote a new domain key to ${command.path} (mode 600)`);
      return Promise.resolve(EXIT_CODES.ok);
    default:
      return assertNever(command);
  }
}

function processIo(stop: AbortSignal): CliIo {
  const progressEnabled = process.stderr.isTTY === true;
  let progressShown = false;
  const clearProgress = (): void => {
    if (progressShown) process.stderr.write('\r\x1b[K');
    progressShown = false;
  };
  return {
    out: (line) => {
      clearProgress();
      process.stdout.write(`${line}\n`);
    },
    err: (line) => {
      clearProgress();
      process.stderr.write(`${line}\n`);
    },
    progress: (text) => {
      if (!progressEnabled) return;
      if (text === '') return clearProgress();
      process.stderr.write(`\r\x1b[K${text.slice(0, (process.stderr.columns ?? 120) - 1)}`);
      progressShown = true;
    },
    progressEnabled,
    stdin: process.stdin,
    stop,
  };
}

const exitCode = await main(process.argv.slice(2));
// Exit explicitly (stdin or a closing socket must not keep the process up), once what was
// written has been handed to the OS.
process.stdout.write('', () => process.stderr.write('', () => process.exit(exitCode)));
