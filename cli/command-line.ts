/**
 * The `ledgecast` command line: commander's definition of every subcommand and its flags, and
 * {@link parseCommandLine}, which turns argv into a resolved {@link ParsedCommand} without
 * touching the network. Help and usage errors surface as commander's `CommanderError`
 * (thrown, never `process.exit`), so the entry point alone decides what is printed and the
 * exit code.
 */
import { Command, Option } from 'commander';
import { DEFAULT_PEER_OPTIONS } from '../actors/app/peer-options.js';
import { TOPOLOGY_PRESETS } from '../runtime/topology.js';
import {
  DEFAULT_BENCH_OPTIONS,
  DEFAULT_PEERS_OPTIONS,
  DEFAULT_PUB_OPTIONS,
  DURABILITY_MODES,
  ON_DAMAGED,
  resolveBenchOptions,
  resolvePeersOptions,
  resolvePubOptions,
  resolveSubOptions,
  type BenchOptions,
  type PeersOptions,
  type PubOptions,
  type RawBenchOptions,
  type RawPeersOptions,
  type RawPubOptions,
  type RawSubOptions,
  type SubOptions,
  DEFAULT_MONITOR_CLI_OPTIONS,
  DEFAULT_REQUEST_OPTIONS,
  resolveMonitorCliOptions,
  resolveReplyOptions,
  resolveRequestOptions,
  type MonitorCliOptions,
  type RawMonitorCliOptions,
  type RawReplyOptions,
  type RawRequestOptions,
  type ReplyCliOptions,
  type RequestCliOptions,
} from './cli-options.js';
import { packageVersion } from './package-version.js';
import { resolveBridgeCliOptions, type BridgeCliOptions, type RawBridgeOptions } from './commands/bridge.js';

/** A command line, parsed and resolved: what to run. */
export type ParsedCommand =
  | { readonly kind: 'sub'; readonly options: SubOptions }
  | { readonly kind: 'pub'; readonly options: PubOptions }
  | { readonly kind: 'peers'; readonly options: PeersOptions }
  | { readonly kind: 'bench'; readonly options: BenchOptions }
  | { readonly kind: 'keygen'; readonly path: string }
  | { readonly kind: 'request'; readonly options: RequestCliOptions }
  | { readonly kind: 'reply'; readonly options: ReplyCliOptions }
  | { readonly kind: 'monitor'; readonly options: MonitorCliOptions }
  | { readonly kind: 'bridge'; readonly options: BridgeCliOptions };

/** Where commander writes help (`out`) and would write errors (`err`). */
export interface HelpOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Random integers in [min, max), for the bench's own group and port. */
export type RandomInt = (min: number, max: number) => number;

const EXIT_CODES_HELP = `
Exit codes: 0 done, 1 internal error, 2 bad input (a port in use included), 3 sub --timeout before --count messages,
130 interrupted (SIGINT), 143 terminated (SIGTERM).`;

/**
 * Parses `argv` (the arguments after `node ledgecast.js`).
 * @throws CommanderError for --help (exitCode 0) and for usage errors (unknown flag or
 *   subcommand, missing argument); InvalidOptionError / InvalidSubjectError for bad values.
 */
export function parseCommandLine(argv: readonly string[], output: HelpOutput, randomInt: RandomInt): ParsedCommand {
  let parsed: ParsedCommand | undefined;
  const program = new Command('ledgecast')
    .description('Brokerless reliable publish/subscribe over UDP multicast.')
    .exitOverride()
    // Errors are printed once, by the entry point, as one line: silence commander's own copy.
    .configureOutput({ writeOut: output.out, writeErr: output.err, outputError: () => undefined })
    .showSuggestionAfterError(true)
    .version(packageVersion(), '-V, --version', 'print the version of ledgecast')
    .addHelpText('after', EXIT_CODES_HELP);

  withCommonOptions(program.command('sub').argument('<pattern>', 'subject pattern: `*` matches one token, `>` the rest'))
    .description('Subscribe and print each message as one JSON line on stdout ({"subject","sender","seq","data"}).')
    .option('--count <n>', 'exit 0 after n messages')
    .option('--timeout <seconds>', 'stop after this many seconds (exit 3 if --count was given and not reached)')
    .option('--durable <name>', 'durable subscription: resumes where it stopped after a restart (needs --ledger)')
    .addHelpText(
      'after',
      `
Raw-byte payloads print as base64 with "encoding":"base64". Data-loss and stream-reset
events print as JSON lines on stderr.
${EXIT_CODES_HELP}

Example:
  ledgecast sub 'meeting.>' --count 10 --timeout 5`,
    )
    .action((pattern: string, raw: RawSubOptions) => {
      parsed = { kind: 'sub', options: resolveSubOptions(pattern, raw) };
    });

  withCommonOptions(
    program
      .command('pub')
      .argument('<subject>', 'subject to publish on (no wildcards)')
      .argument('[data]', 'a JSON value, or else a string; without it, each line of stdin is one message'),
  )
    .description('Publish messages, then linger to serve retransmission requests (NAKs).')
    .option('--count <n>', 'publish n messages; without data, message i carries the JSON number i (from 0)')
    .option('--rate <per-second>', 'messages per second (paced)')
    .option('--size <bytes>', 'publish raw payloads of this many bytes (with --count: n of them)')
    .option('--linger <seconds>', `stay up after the last message to serve NAKs (default: ${DEFAULT_PUB_OPTIONS.lingerSec})`)
    .addHelpText(
      'after',
      `
Blank stdin lines are skipped.
${EXIT_CODES_HELP}

Examples:
  ledgecast pub meeting.zoneA.chat '{"text":"hi"}'
  ledgecast pub meeting.zoneA.ticks --count 1000 --rate 200
  tail -f events.jsonl | ledgecast pub meeting.zoneA.events`,
    )
    .action((subject: string, data: string | undefined, raw: RawPubOptions) => {
      parsed = { kind: 'pub', options: resolvePubOptions(subject, data, raw) };
    });

  withCommonOptions(program.command('peers'))
    .description('Listen for advertisements and list the peers heard (name, incarnation, address, patterns).')
    .option('--seconds <s>', `how long to listen (default: ${DEFAULT_PEERS_OPTIONS.seconds})`)
    .option('--json', 'print JSON instead of a table')
    .addHelpText(
      'after',
      `
Patterns are those a peer advertised when it was first heard; "last change" is how long ago the
last join, pattern change or leave event about it came (a live peer's is usually the start of
the listing: it is not the time its last advert was heard).
${EXIT_CODES_HELP}`,
    )
    .action((raw: RawPeersOptions) => {
      parsed = { kind: 'peers', options: resolvePeersOptions(raw) };
    });

  withCommonOptions(program.command('bench'))
    .description('In-process throughput and latency benchmark between two peers on this host.')
    .option('--seconds <s>', `how long to publish (default: ${DEFAULT_BENCH_OPTIONS.seconds})`)
    .option('--size <bytes>', `payload bytes per message, at least 8 (default: ${DEFAULT_BENCH_OPTIONS.sizeBytes})`)
    .option('--json', 'print JSON instead of a table')
    .addHelpText(
      'after',
      `
Without --group/--port the bench uses a random 239.255.x.y group and port.
${EXIT_CODES_HELP}`,
    )
    .action((raw: RawBenchOptions) => {
      parsed = { kind: 'bench', options: resolveBenchOptions(raw, randomInt) };
    });

  program
    .command('keygen')
    .argument('<path>', 'file to create (never overwritten)')
    .description('Write a new random domain key (base64, mode 600) for --key-file and the library\'s security.key.')
    .addHelpText(
      'after',
      `
Every peer of a domain uses the same key; copy the file to each host over a channel you trust.
${EXIT_CODES_HELP}

Example:
  ledgecast keygen ~/.ledgecast/domain.key && ledgecast sub 'orders.>' --key-file ~/.ledgecast/domain.key`,
    )
    .action((path: string) => {
      parsed = { kind: 'keygen', path };
    });

  withCommonOptions(
    program
      .command('request')
      .argument('<subject>', 'subject to send the request on (no wildcards)')
      .argument('<data>', 'the request: a JSON value, or else a string'),
  )
    .description('Send one request and print the first reply as a JSON line on stdout.')
    .option('--timeout <seconds>', `how long to wait for the reply (default: ${DEFAULT_REQUEST_OPTIONS.timeoutSec}; exit 3 without one)`)
    .addHelpText(
      'after',
      `
${EXIT_CODES_HELP}

Example:
  ledgecast request time.now '{"zone":"UTC"}' --timeout 2`,
    )
    .action((subject: string, data: string, raw: RawRequestOptions) => {
      parsed = { kind: 'request', options: resolveRequestOptions(subject, data, raw) };
    });

  withCommonOptions(program.command('reply').argument('<pattern>', 'subject pattern of the requests to answer'))
    .description('Answer requests until Ctrl-C; print each request as a JSON line on stdout.')
    .option('--data <value>', 'answer with this value (a JSON value, or else a string)')
    .option('--echo', "answer with the request's own data")
    .option('--count <n>', 'exit 0 after answering n requests')
    .addHelpText(
      'after',
      `
${EXIT_CODES_HELP}

Examples:
  ledgecast reply 'time.>' --data '"12:00"'
  ledgecast reply echo.service --echo`,
    )
    .action((pattern: string, raw: RawReplyOptions) => {
      parsed = { kind: 'reply', options: resolveReplyOptions(pattern, raw) };
    });

  withCommonOptions(program.command('monitor'))
    .description('Join the domain as a passive peer and serve a monitor page, its JSON and Prometheus metrics over HTTP.')
    .option('--http-port <port>', `TCP port of the page (default: ${DEFAULT_MONITOR_CLI_OPTIONS.httpPort}; 0 = any free port)`)
    .option('--http-host <address>', `address the page listens on (default: ${DEFAULT_MONITOR_CLI_OPTIONS.httpHost}; it has no authentication)`)
    .option('--subscribe <pattern>', 'subscribe to this pattern to list its streams (repeatable)', (p: string, list: string[] = []) => [...list, p])
    .addHelpText(
      'after',
      `
Open http://127.0.0.1:9464/ in a browser; Prometheus scrapes http://127.0.0.1:9464/metrics.
The page lists peers and their patterns, rates, NAKs, retransmissions, data loss and slow
consumers, with charts over the last minutes. The monitor's own figures are those of its
peer: with --subscribe it receives, and counts, what it subscribes to.
${EXIT_CODES_HELP}

Example:
  ledgecast monitor --http-port 9464 --subscribe 'orders.>'`,
    )
    .action((raw: RawMonitorCliOptions) => {
      parsed = { kind: 'monitor', options: resolveMonitorCliOptions(raw) };
    });

  withCommonOptions(program.command('bridge'))
    .description('Join this zone to other zones through NATS JetStream: export this zone\'s messages, import theirs (docs/ZONES.md).')
    .option('--config <file>', 'the bridge configuration, JSON or YAML (.yaml/.yml): zone, nats, export, import, peer, …')
    .option('--zone <name>', 'this zone\'s name (overrides the file)')
    .option('--nats <url,...>', 'NATS server URLs (override the file\'s nats.servers)')
    .option('--stats <seconds>', 'print the bridge\'s counters as a JSON line on stdout every this many seconds')
    .option('--http-port <port>', 'serve the bridge\'s monitor at http://HOST:PORT/ (remote zones, import lag, in flight, redelivered) and Prometheus metrics (the bridge peer\'s and the bridge\'s) at /metrics (0 = any free port)')
    .option('--http-host <address>', 'address the monitor listens on (default: 127.0.0.1; it has no authentication)')
    .addHelpText(
      'after',
      `
Flags override the file; --name, --ledger, --group, --port, … set the bridge's own peer.
Events (blocked, resumed, error, dataLoss) print as JSON lines on stderr.
${EXIT_CODES_HELP}

Example:
  ledgecast bridge --config bridge-paris.yaml --ledger /var/lib/ledgecast/bridge-paris`,
    )
    .action((raw: RawBridgeOptions) => {
      parsed = { kind: 'bridge', options: resolveBridgeCliOptions(raw) };
    });

  program.parse([...argv], { from: 'user' });
  if (parsed === undefined) {
    // No subcommand: commander printed the help on stderr and threw; this is only reached if a
    // future commander version stops doing so.
    throw new Error('no subcommand given (try ledgecast --help)');
  }
  return parsed;
}

/** Adds the flags every subcommand shares (mapped to PeerOptions by resolveCommonOptions). */
function withCommonOptions(cmd: Command): Command {
  const d = DEFAULT_PEER_OPTIONS;
  // A fixed unicast port, so that other peers can name this one in their --peers (docs/OPERATIONS.md).
  if (cmd.name() !== 'bench') cmd.option('--unicast-port <port>', 'UDP port of this peer\'s unicast listener, for other peers\' --peers (default: the group port when free, else any)');
  return cmd
    .option('--name <name>', cmd.name() === 'bench' ? 'prefix of the two peers\' names (default: bench-<pid>)' : 'peer name (default: <hostname>-<pid>)')
    .option('--interface <address>', `IPv4 address of the interface to use (default: ${d.interface})`)
    .option('--group <address>', `base multicast group (default: ${d.group})`)
    .option('--port <port>', `UDP port of the groups (default: ${d.port})`)
    .option('--ttl <hops>', `multicast TTL (default: ${d.ttl})`)
    .option('--peers <host:port,...>', 'seed peers for discovery without multicast')
    .option('--no-multicast', 'unicast only, to the peers found through --peers')
    .option('--ledger <dir>', 'ledger directory: sent messages (and durable positions) survive a restart')
    .addOption(new Option('--durability <mode>', 'what a resolved publish survives (library default: async)').choices(DURABILITY_MODES))
    .addOption(new Option('--on-damaged <policy>', 'a damaged ledger file: refuse to start, or move it aside and start a fresh ledger (default: refuse)').choices(Object.keys(ON_DAMAGED)))
    .addOption(new Option('--topology <preset>', `actor placement (default: ${d.topology})`).choices(Object.keys(TOPOLOGY_PRESETS)))
    .option('--key-file <path>', 'authenticated domain: the key file (mode 600; see `ledgecast keygen`); only peers with the same key are heard');
}
