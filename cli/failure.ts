/**
 * How a failure is shown: the user's mistakes as one line and exit code 2, never a stack
 * trace; everything else as its message and exit code 1 (with the stack when
 * `LEDGECAST_DEBUG` is set). Pure.
 */
import { CommanderError } from 'commander';
import { ERROR_CODES } from '../errors.js';
import { EXIT_CODES } from './cli-options.js';

/** What to print on stderr (nothing when `text` is empty) and the exit code. */
export interface Failure {
  readonly exitCode: number;
  readonly text: string;
}

/**
 * Library error codes that mean "the input was wrong" (tested by `code`, STYLE rule 14). A
 * `LedgerError` that reaches the entry point was thrown while opening the ledger (a bad
 * `--ledger` path, a ledger of another peer name or already open): later ledger failures
 * arrive as 'error' events, not here.
 */
const USAGE_CODES: ReadonlySet<string> = new Set([ERROR_CODES.invalidOption, ERROR_CODES.invalidSubject, ERROR_CODES.payloadTooLarge, ERROR_CODES.ledger]);

export function describeFailure(err: unknown, debug = false): Failure {
  if (err instanceof CommanderError) {
    // Help and version were already printed by commander.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return { exitCode: EXIT_CODES.ok, text: '' };
    // No subcommand: commander printed the help on stderr.
    if (err.code === 'commander.help') return { exitCode: EXIT_CODES.usage, text: '' };
    return { exitCode: EXIT_CODES.usage, text: oneLine(err.message.replace(/^error: /, '')) };
  }
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && USAGE_CODES.has(code)) return { exitCode: EXIT_CODES.usage, text: oneLine(asFlags((err as Error).message)) };
  // An --interface that is a valid IPv4 address but not one of this host's.
  if (code === 'EADDRNOTAVAIL') {
    const address = (err as { address?: unknown }).address;
    return { exitCode: EXIT_CODES.usage, text: oneLine(`cannot bind to ${typeof address === 'string' ? address : 'the address'}: not an address of this host (check --interface)`) };
  }
  const message = err instanceof Error ? err.message : String(err);
  // A port given on the command line (the monitor's `--http-port`, the bridge's) that another
  // process listens on: the user's to change, as a wrong --interface (it was exit 1).
  if (code === 'EADDRINUSE') return { exitCode: EXIT_CODES.usage, text: oneLine(`${message} (another process listens there: choose another port)`) };
  const stack = debug && err instanceof Error && err.stack !== undefined ? `\n${err.stack}` : '';
  return { exitCode: EXIT_CODES.internal, text: oneLine(message) + stack };
}

/**
 * The library names options as `options.port`; on the command line they are flags. Only the
 * options that map one to one onto a flag are renamed.
 */
function asFlags(message: string): string {
  return message
    .replace(/\boptions\.ledger\.path\b/g, '--ledger')
    .replace(/\boptions\.ledger\.durability\b/g, '--durability')
    .replace(/\boptions\.onDamaged 'moveAside'/g, '--on-damaged move-aside')
    .replace(/\boptions\.(name|interface|group|port|ttl|peers|ledger|topology)\b/g, '--$1');
}

/** `ledgecast: <message>` on one line. */
function oneLine(message: string): string {
  return `ledgecast: ${message.replace(/\s*\n\s*/g, ' ').trim()}`;
}
