import { describe, expect, it } from 'vitest';
import { MAIN_THREAD, PEER_ACTOR_NAMES, TOPOLOGY_PRESETS, resolveTopology, threadsOf } from '../../../runtime/topology.js';

describe('topology presets', () => {
  it('place every peer actor, each on one thread', () => {
    for (const preset of Object.values(TOPOLOGY_PRESETS)) {
      expect(Object.keys(preset).sort()).toEqual([...PEER_ACTOR_NAMES].sort());
    }
  });

  it('follow the Aeron threading modes', () => {
    expect(new Set(Object.values(TOPOLOGY_PRESETS.single))).toEqual(new Set([MAIN_THREAD]));
    expect(TOPOLOGY_PRESETS.sharedNetwork).toMatchObject({ socket: 'net', sender: 'main', receiver: 'main', ledger: 'main' });
    expect(TOPOLOGY_PRESETS.shared).toMatchObject({ socket: 'io', sender: 'io', receiver: 'io', subjects: 'main' });
    expect(TOPOLOGY_PRESETS.dedicated).toEqual({
      socket: 'net',
      subjects: 'main',
      receivers: 'main',
      flow: 'main',
      sender: 'send',
      retransmit: 'send',
      receiver: 'recv',
      ledger: 'ledger',
    });
  });

  it('list the main thread first, then the workers in order of first use', () => {
    expect(threadsOf(TOPOLOGY_PRESETS.dedicated)).toEqual(['main', 'net', 'send', 'recv', 'ledger']);
    expect(threadsOf(TOPOLOGY_PRESETS.single)).toEqual(['main']);
  });
});

describe('resolveTopology', () => {
  it('resolves a preset name, and single when nothing is given', () => {
    expect(resolveTopology('dedicated')).toEqual(TOPOLOGY_PRESETS.dedicated);
    expect(resolveTopology(undefined)).toEqual(TOPOLOGY_PRESETS.single);
  });

  it('accepts a placement map of exactly the given actors and freezes a copy', () => {
    const map = { a: 'main', b: 'w1' };
    const t = resolveTopology(map, ['a', 'b']);
    expect(t).toEqual(map);
    expect(t).not.toBe(map);
    expect(Object.isFrozen(t)).toBe(true);
  });

  it('rejects an unknown preset with the list of presets', () => {
    expect(() => resolveTopology('fast' as 'single')).toThrow(
      expect.objectContaining({
        name: 'InvalidOptionError',
        message: 'options.topology must be a placement map or one of single, shared, sharedNetwork, dedicated, got "fast"',
      }),
    );
  });

  it('rejects a map that places an unknown actor, naming it', () => {
    expect(() => resolveTopology({ ...TOPOLOGY_PRESETS.single, sockets: 'main' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('unknown actor "sockets"') }),
    );
  });

  it('rejects a map that leaves an actor out, naming it', () => {
    const { ledger: _ledger, ...rest } = TOPOLOGY_PRESETS.single;
    expect(() => resolveTopology(rest)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('does not place actor "ledger"') }),
    );
  });

  it('rejects a thread name that is not a short identifier', () => {
    for (const bad of ['', 'my thread', '1net', 42]) {
      expect(() => resolveTopology({ a: bad as string }, ['a'])).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('options.topology.a must be a thread name') }),
      );
    }
  });

  it('rejects "Main" and other spellings of the main thread that would be a worker of that name', () => {
    for (const bad of ['Main', 'MAIN', 'mAin']) {
      expect(() => resolveTopology({ a: bad }, ['a'])).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining(`options.topology.a is "${bad}": the application's thread is "main"`) }),
      );
    }
    expect(resolveTopology({ a: 'main', b: 'mainly' }, ['a', 'b'])).toEqual({ a: 'main', b: 'mainly' });
  });

  it('rejects something that is neither a map nor a preset name', () => {
    expect(() => resolveTopology(['main'] as unknown as Record<string, string>)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });
});
