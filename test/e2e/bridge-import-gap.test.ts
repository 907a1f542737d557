/**
 * The importer's consumer acknowledges with `AckPolicy.All`: one acknowledgement covers every
 * message before it. Messages JetStream delivered that never reached the importer (the reply to
 * a pull lost with a NATS node killed mid-stream, or a pull request of an earlier consumer run
 * still open on the server) must not be covered by an acknowledgement of later ones: they would
 * never be delivered again, and never reported. Found in the zones lab (the leader of a 3-node
 * cluster SIGKILLed: 10 origin seqs missing, no `dataLoss`, 1 run in 4); here made certain by a
 * second client that pulls from the importer's durable consumer and drops what it gets.
 *
 * A real `nats-server -js` on loopback; bridges as `ledgecast bridge` processes (`npm run build` first).
 */
import { afterEach, expect, it } from 'vitest';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { cleanups, exportAtoB, oneTo, originSeqs, runCleanups, type ImportedRec } from './bridge-helpers.js';
import { sleep, within } from './helpers.js';

afterEach(runCleanups);

it('messages the import consumer delivered that never reached the importer are imported, not acknowledged past: every message once, in order', async () => {
  const COUNT = 2000;
  const { server, subB, pubA } = await exportAtoB();

  const published = pubA.call('publish', { subjects: ['k.a'], perSubject: COUNT, pauseEvery: 25, pauseMs: 50 }, 30_000);
  const receivedNow = async (): Promise<number> => (await subB.call('collect', { expect: [0], timeoutMs: 0, quietMs: 0 })).records[0].length;
  await within(20_000, 'a quarter in zone B', (async () => {
    while ((await receivedNow()) < COUNT / 4) await sleep(50);
  })());
  // Another client pulls from the importer's consumer while it imports, and drops what it gets.
  const nc = await connect({ servers: server.url });
  cleanups.push(() => nc.close());
  const consumer = await jetstream(nc).consumers.get('LC_A', 'lc_import_B');
  let taken = 0;
  for (let round = 0; round < 5; round++) {
    for await (const _m of await consumer.fetch({ max_messages: 10, expires: 1000 })) taken++;
  }
  await published;

  const got = await subB.call('collect', { expect: [COUNT], timeoutMs: 20_000, quietMs: 2000 }, 30_000);
  const seqs = originSeqs(got.records[0] as ImportedRec[]).get('A|pubA|k.a') ?? [];
  const missing = oneTo(COUNT).filter((q) => !seqs.includes(q));
  console.log(`another client took ${taken} deliveries of the import consumer; zone B got ${seqs.length} of ${COUNT}, missing ${missing.length} (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''})`);
  expect(taken).toBeGreaterThan(0);
  expect(seqs).toEqual(oneTo(COUNT));
  expect(got.dataLoss).toEqual([]);
}, 90_000);
