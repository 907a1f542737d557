/**
 * The NATS permissions docs/ZONES.md gives a zone's bridge user ("NATS permissions per zone
 * bridge") are enough, and keep a zone's bridge out of the other zones' subjects. The permission
 * list is read from the document itself (its code block, `Z` replaced by the zone), so what is
 * tested is what operators are told to configure. A real `nats-server -js` with one account and a
 * user per zone bridge, on loopback; bridges as `ledgecast bridge` processes (compiled CLI: run
 * `npm run build` first).
 *
 * Network safety: 127.0.0.1 only; fresh groups 239.255.x.y and ports per test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeProcess, cleanups, oneTo, originSeqs, runCleanups, tempDir, twoZones, waitPatterns, writeConfig, type ImportedRec, type Net } from './bridge-helpers.js';
import { sleep, startPeer } from './helpers.js';
import { startNatsServer, type NatsServer } from './nats-server.js';

afterEach(runCleanups);

const ZONES_MD = fileURLToPath(new URL('../../docs/ZONES.md', import.meta.url));

/** The publish and subscribe subjects docs/ZONES.md allows zone `zone`'s bridge user. */
export function documentedPermissions(zone: string): { publish: string[]; subscribe: string[] } {
  const text = readFileSync(ZONES_MD, 'utf8');
  const at = text.indexOf("## NATS permissions per zone bridge");
  const block = /```\n([\s\S]*?)```/.exec(text.slice(at))?.[1];
  if (at < 0 || block === undefined) throw new Error('docs/ZONES.md has no permission block');
  const out = { publish: [] as string[], subscribe: [] as string[] };
  let list: string[] | undefined;
  for (const raw of block.split('\n')) {
    let line = raw.replace(/#.*/, '').trim();
    const label = /^(publish|subscribe):\s*/.exec(line);
    if (label !== null) {
      list = out[label[1] as 'publish' | 'subscribe'];
      line = line.slice(label[0].length);
    }
    for (const subject of line.split(/[\s,]+/).filter(Boolean)) {
      if (list === undefined) throw new Error(`docs/ZONES.md permission block: ${subject} before publish: or subscribe:`);
      // The zone's own names: lc.Z.>, LC_Z, lc_import_Z, $KV.lc_bridges.import.Z, …
      list.push(subject.replace(/(?<=[._])Z(?=\.|$)/g, zone));
    }
  }
  return out;
}

const PASSWORD = (user: string): string => `${user}-secret`;

/** A server config: one JetStream account, a user per zone bridge with the documented rights, and an admin. */
function serverConfig(zones: readonly string[]): string {
  const users = zones.map((zone) => {
    const p = documentedPermissions(zone);
    return `{ user: bridge${zone}, password: ${PASSWORD(`bridge${zone}`)}, permissions: { publish: { allow: ${JSON.stringify(p.publish)} }, subscribe: { allow: ${JSON.stringify(p.subscribe)} } } }`;
  });
  users.push(`{ user: admin, password: ${PASSWORD('admin')} }`);
  return `accounts: { LC: { jetstream: enabled, users: [\n  ${users.join(',\n  ')}\n] } }\n`;
}

async function stored(server: NatsServer, stream: string): Promise<number> {
  const nc = await connect({ servers: server.url, user: 'admin', pass: PASSWORD('admin') });
  try {
    return (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;
  } finally {
    await nc.close();
  }
}

describe('NATS permissions of a zone bridge', () => {
  it('reads a permission list from docs/ZONES.md with the zone put in', () => {
    const p = documentedPermissions('B');
    expect(p.publish).toContain('lc.B.>');
    expect(p.publish.some((s) => s.includes('lc.Z') || s.endsWith('_Z'))).toBe(false);
    expect(p.subscribe).toContain('_INBOX.>');
  });

  it('bridges whose NATS users have exactly the documented rights carry both directions, and cannot store into another zone', async () => {
    const server = await startNatsServer(serverConfig(['A', 'B']));
    cleanups.push(() => server.stop());
    const dir = tempDir();
    const [netA, netB] = twoZones();
    const PER_SUBJECT = 300;
    const subA = await startPeer('subA', netA);
    const subB = await startPeer('subB', netB);
    await subA.call('subscribe', { patterns: ['>'] });
    await subB.call('subscribe', { patterns: ['>'] });
    const config = (zone: string, other: string, net: Net) => ({
      zone,
      nats: { servers: [server.url], user: `bridge${zone}`, pass: PASSWORD(`bridge${zone}`) },
      export: ['>'],
      import: ['>'],
      importFrom: [other],
      peer: { name: `bridge${zone}`, ...net, ledger: { path: join(dir, `ledger-${zone}`) } },
    });
    const bridgeA = new BridgeProcess('bridgeA', writeConfig(dir, 'A', config('A', 'B', netA)));
    const bridgeB = new BridgeProcess('bridgeB', writeConfig(dir, 'B', config('B', 'A', netB)));
    await Promise.all([bridgeA.start(), bridgeB.start()]);
    const pubA = await startPeer('pubA', netA);
    const pubB = await startPeer('pubB', netB);
    await Promise.all([waitPatterns(pubA, 'bridgeA', ['>']), waitPatterns(pubB, 'bridgeB', ['>'])]);
    await pubA.waitJoined(['subA']);
    await pubB.waitJoined(['subB']);

    await Promise.all([
      pubA.call('publish', { subjects: ['orders.eu'], perSubject: PER_SUBJECT }, 30_000),
      pubB.call('publish', { subjects: ['orders.us'], perSubject: PER_SUBJECT }, 30_000),
    ]);
    const [gotA, gotB] = await Promise.all([
      subA.call('collect', { expect: [2 * PER_SUBJECT], timeoutMs: 40_000, quietMs: 1000 }, 50_000),
      subB.call('collect', { expect: [2 * PER_SUBJECT], timeoutMs: 40_000, quietMs: 1000 }, 50_000),
    ]);
    for (const [got, key, bridge] of [
      [gotA, 'B|pubB|orders.us', bridgeA],
      [gotB, 'A|pubA|orders.eu', bridgeB],
    ] as const) {
      const imported = (got.records[0] as ImportedRec[]).filter((r) => r.length === 6);
      expect([...originSeqs(imported).entries()], bridge.stderr).toEqual([[key, oneTo(PER_SUBJECT)]]);
      expect(got.dataLoss).toEqual([]);
      // The server refused the bridges nothing they do.
      expect(bridge.stderr).not.toMatch(/permission/i);
    }
    // nats-server logs each refusal as "Publish Violation" or "Subscription Violation".
    expect(server.log.join('').match(/.*Violation.*/g) ?? []).toEqual([]);
    expect(await stored(server, 'LC_A')).toBe(PER_SUBJECT);
    expect(await stored(server, 'LC_B')).toBe(PER_SUBJECT);

    // Zone A's bridge SIGKILLed mid-stream and replaced by one with an empty ledger: it reads the
    // export checkpoint and the tail of LC_A stored after it with the same documented rights.
    const more = pubA.call('publish', { subjects: ['orders.eu'], perSubject: PER_SUBJECT, startIndex: PER_SUBJECT + 1, pauseEvery: 10, pauseMs: 50 }, 30_000);
    while ((await subB.call('collect', { expect: [0], timeoutMs: 0, quietMs: 0 })).records[0].length < 2 * PER_SUBJECT + PER_SUBJECT / 3) await sleep(50);
    await bridgeA.kill();
    const replacement = new BridgeProcess('bridgeA', writeConfig(dir, 'A2', { ...config('A', 'B', netA), peer: { name: 'bridgeA', ...netA, ledger: { path: join(dir, 'ledger-A2') } } }), ['--stats', '1']);
    await replacement.start();
    await more;
    const again = await subB.call('collect', { expect: [3 * PER_SUBJECT], timeoutMs: 40_000, quietMs: 1000 }, 50_000);
    const fromA = (again.records[0] as ImportedRec[]).filter((r) => r.length === 6);
    expect(originSeqs(fromA).get('A|pubA|orders.eu')).toEqual(oneTo(2 * PER_SUBJECT));
    expect(replacement.stderr).not.toMatch(/permission/i);
    expect(server.log.join('').match(/.*Violation.*/g) ?? []).toEqual([]);
    expect(await stored(server, 'LC_A')).toBe(2 * PER_SUBJECT);
    const checkpoint = replacement.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { export?: { checkpoint?: { resumed: boolean; scanned: number } } }).at(-1)?.export?.checkpoint;
    expect(checkpoint?.resumed).toBe(true);
    console.log(`replacement under the documented rights: export checkpoint ${JSON.stringify(checkpoint)}`);

    // Zone A's bridge user publishing into zone B's subjects: refused by the server, nothing stored.
    const nc = await connect({ servers: server.url, user: 'bridgeA', pass: PASSWORD('bridgeA') });
    try {
      nc.publish('lc.B.pubB.1.orders.us', 'forged');
      await nc.flush();
      await sleep(300);
    } finally {
      await nc.close().catch(() => undefined);
    }
    expect(server.log.join('')).toMatch(/Publish Violation - User .bridgeA., Subject .lc\.B\.pubB/);
    expect(await stored(server, 'LC_B')).toBe(PER_SUBJECT);
  }, 120_000);
});
