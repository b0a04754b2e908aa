/**
 * A usage ledger in a process of its own, for tests racing two processes on one store (test/limits-race.test.ts).
 * Opens STORE_URL, prints `ready`, then for each JSON line on stdin (one round: many reservations at once) prints
 * one JSON line, whether each reservation passed. Ends when stdin closes.
 */
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { UsageLedger } from '../../src/limits';
import { openStore } from '../../src/store/kv';

const roundSchema = z.object({
  scope: z.string(),
  user: z.string(),
  eff: z.object({ dailyVideos: z.number(), dailySeconds: z.number(), concurrent: z.number(), cooldown: z.number() }),
  seconds: z.number(),
  ids: z.array(z.string()),
});

const kv = await openStore(z.string().parse(process.env.STORE_URL));
const ledger = new UsageLedger(kv);
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const round = roundSchema.parse(JSON.parse(line));
  const results = await Promise.all(round.ids.map((id) => ledger.reserve(round.scope, round.user, round.eff, id, round.seconds)));
  process.stdout.write(`${JSON.stringify(results.map((r) => r.ok))}\n`);
}
await kv.close();
