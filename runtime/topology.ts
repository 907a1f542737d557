import { InvalidOptionError } from '../errors.js';

/** The application thread's name in a topology. */
export const MAIN_THREAD = 'main';

/** The actors of a peer, in start order (the actor system stops them in reverse). */
export const PEER_ACTOR_NAMES = Object.freeze([
  'socket',
  'subjects',
  'receivers',
  'flow',
  'sender',
  'retransmit',
  'receiver',
  'ledger',
] as const);

/** One of {@link PEER_ACTOR_NAMES}. */
export type PeerActorName = (typeof PEER_ACTOR_NAMES)[number];

/**
 * Placement: actor name → thread name. `'main'` is the application thread; any other name is a
 * worker thread (one `node:worker_threads` Worker per distinct name). Plain data.
 */
export type Topology = Readonly<Record<string, string>>;

/**
 * Placement presets for a peer, named after Aeron's threading modes:
 *
 * | preset          | main                                   | workers                                              |
 * |-----------------|----------------------------------------|------------------------------------------------------|
 * | `single`        | everything                             | none                                                 |
 * | `shared`        | subjects (delivery to the application) | `io`: socket and every protocol actor                |
 * | `sharedNetwork` | every protocol actor                   | `net`: socket                                        |
 * | `dedicated`     | subjects, receivers, flow              | `net`: socket; `send`: sender, retransmit; `recv`: receiver; `ledger`: ledger |
 */
export const TOPOLOGY_PRESETS = Object.freeze({
  single: preset({}),
  shared: preset({
    socket: 'io',
    receivers: 'io',
    flow: 'io',
    sender: 'io',
    retransmit: 'io',
    receiver: 'io',
    ledger: 'io',
  }),
  sharedNetwork: preset({ socket: 'net' }),
  dedicated: preset({
    socket: 'net',
    sender: 'send',
    retransmit: 'send',
    receiver: 'recv',
    ledger: 'ledger',
  }),
});

/** The name of a preset in {@link TOPOLOGY_PRESETS}. */
export type TopologyPreset = keyof typeof TOPOLOGY_PRESETS;

const THREAD_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

/**
 * Turns a preset name or a user's placement map into a validated, frozen {@link Topology} that
 * places exactly `actorNames` (in that order).
 * @throws InvalidOptionError for an unknown preset, an unknown or missing actor, or a bad thread name.
 */
export function resolveTopology(
  topology: Topology | TopologyPreset | undefined,
  actorNames: readonly string[] = PEER_ACTOR_NAMES,
  option = 'options.topology',
): Topology {
  if (topology === undefined) topology = 'single';
  let map: Topology;
  if (typeof topology === 'string') {
    if (!Object.hasOwn(TOPOLOGY_PRESETS, topology)) {
      throw new InvalidOptionError(
        `${option} must be a placement map or one of ${Object.keys(TOPOLOGY_PRESETS).join(', ')}, got "${topology}"`,
      );
    }
    map = TOPOLOGY_PRESETS[topology as TopologyPreset];
  } else if (typeof topology === 'object' && topology !== null && !Array.isArray(topology)) {
    map = topology;
  } else {
    throw new InvalidOptionError(`${option} must be a placement map { actorName: threadName } or a preset name`);
  }
  const known = new Set(actorNames);
  for (const name of Object.keys(map)) {
    if (!known.has(name)) {
      throw new InvalidOptionError(`${option} places an unknown actor "${name}"; actors are: ${actorNames.join(', ')}`);
    }
  }
  const out: Record<string, string> = {};
  for (const name of actorNames) {
    if (!Object.hasOwn(map, name)) {
      throw new InvalidOptionError(`${option} does not place actor "${name}": give it a thread (e.g. "${MAIN_THREAD}")`);
    }
    const thread = map[name];
    if (typeof thread !== 'string' || !THREAD_NAME.test(thread)) {
      throw new InvalidOptionError(
        `${option}.${name} must be a thread name (a letter, then up to 31 letters, digits, _ or -), got ${JSON.stringify(thread)}`,
      );
    }
    // 'Main' would be a worker of that name: refused, as the user meant the application's thread.
    if (thread !== MAIN_THREAD && thread.toLowerCase() === MAIN_THREAD) {
      throw new InvalidOptionError(`${option}.${name} is ${JSON.stringify(thread)}: the application's thread is "${MAIN_THREAD}" (thread names are case-sensitive; any other name is a worker)`);
    }
    out[name] = thread;
  }
  return Object.freeze(out);
}

/** The threads of a topology: `'main'` first (always present), then workers in order of first use. */
export function threadsOf(topology: Topology): readonly string[] {
  const threads = [MAIN_THREAD];
  for (const thread of Object.values(topology)) if (!threads.includes(thread)) threads.push(thread);
  return threads;
}

function preset(workers: Partial<Record<PeerActorName, string>>): Topology {
  const out: Record<string, string> = {};
  for (const name of PEER_ACTOR_NAMES) out[name] = workers[name] ?? MAIN_THREAD;
  return Object.freeze(out);
}
