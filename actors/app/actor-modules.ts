/**
 * Where each actor's compiled module is. Actors are loaded by URL on whichever thread they are
 * placed, so they must be compiled JavaScript: from the TypeScript sources (tests), the
 * `dist/` twin is used — the build runs before the tests.
 */
const FILES: Readonly<Record<string, string>> = Object.freeze({
  socket: 'socket/socket-actor.js',
  subjects: 'subjects/subjects-actor.js',
  receivers: 'membership/receivers-actor.js',
  flow: 'flow/flow-actor.js',
  sender: 'sender/sender-actor.js',
  retransmit: 'retransmit/retransmit-actor.js',
  receiver: 'receiver/receiver-actor.js',
  ledger: 'ledger/ledger-actor.js',
});

export function actorModuleUrl(name: string, here: string = import.meta.url): string {
  const file = FILES[name];
  if (file === undefined) throw new Error(`no module for actor ${name}`);
  // Compiled: dist/actors/app/actor-modules.js → dist/actors/<file>.
  // Sources: <root>/actors/app/actor-modules.ts → <root>/dist/actors/<file>.
  const base = here.endsWith('.ts') ? new URL('../../dist/actors/', here) : new URL('../', here);
  return new URL(file, base).href;
}

/** The actor registry of a peer: each actor of `names` (in start order) with its module and the peer's `config`. */
export function actorRegistry<C>(names: readonly string[], config: C): Record<string, { module: string; options: C }> {
  const registry: Record<string, { module: string; options: C }> = {};
  for (const name of names) registry[name] = { module: actorModuleUrl(name), options: config };
  return registry;
}
