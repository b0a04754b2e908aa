import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sqlite3 from 'sqlite3';
import { startHarness, USER, type Harness } from './support/harness';
import { StoreError } from '../src/store/kv';
import { en } from '../src/discord/messages';
import { textOf } from './support/card';

const STORE_DOWN_SENTENCE = en.router.storeDown;

/**
 * Store faults while the bot runs, on SQLite: the file locked by another connection past the busy timeout, and
 * writes failing one kind of record at a time. Nothing may be submitted, reserved or counted, and the member
 * is told why with a reference id that is also in the log.
 */
let h: Harness;
const MEMBER = { id: '666666666666666666' };
const fastTask = { timeline: [{ at: 0, status: 'processing', progress: 50 }, { at: 500, status: 'completed' }], estimatedTime: 1, videoBytes: 4096 };

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const original = (token: string) => new RegExp(`/webhooks/\\d+/${token}/messages/@original`);

/** Holds SQLite's exclusive lock on the bot's file from a second connection until the returned release is called. */
async function lockStore(): Promise<() => Promise<void>> {
  const db = new sqlite3.Database(h.storeUrl.slice('sqlite://'.length));
  await new Promise<void>((resolve, reject) => db.exec('BEGIN EXCLUSIVE', (e) => (e ? reject(e) : resolve())));
  return () => new Promise<void>((resolve) => db.exec('ROLLBACK', () => db.close(() => resolve())));
}

/** The reference id in the user's message, checked against the log line that carries it. */
function referenceIn(content: string): string {
  const reference = content.match(/Reference: `([0-9a-f]{8})`/)?.[1];
  expect(reference).toBeDefined();
  expect(h.logs()).toMatch(new RegExp(`"reference":"${reference}"[^\\n]*interaction refused: the store is not answering`));
  return reference!;
}

describe('a store that fails at run time', () => {
  it('locked past its busy timeout: /video answers the store sentence, submits nothing, reserves nothing', async () => {
    const before = h.apimart.submitCount();
    const release = await lockStore();
    let content: string;
    try {
      const sent = h.video({ user: MEMBER });
      const edit = await h.discord.waitForCall('PATCH', original(sent.token), { timeoutMs: 10_000 });
      content = String(textOf(edit.body));
    } finally {
      await release();
    }
    expect(content).toContain(STORE_DOWN_SENTENCE);
    referenceIn(content);
    expect(h.apimart.submitCount()).toBe(before);
    const usage = await h.app.ctx.limits.usage(h.discord.guilds[0]!.id, MEMBER.id);
    expect(usage).toMatchObject({ videos: 0, seconds: 0, active: [] });
  });

  it('locked: a Re-roll press gets the store sentence in time, privately, and starts nothing', async () => {
    h.apimart.nextTask(fastTask);
    const done = h.video({ user: MEMBER });
    const job = await h.waitForState(done.id, 'delivered');
    const before = h.apimart.submitCount();
    const release = await lockStore();
    let reply: { content: string; flags: number };
    try {
      const pressed = h.discord.sendButton({ customId: `vidu:reroll:${job.id}`, messageId: h.discord.originalMessageId(done.id)!, user: MEMBER });
      const call = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${pressed.id}/`), { timeoutMs: 10_000 });
      reply = { content: String(call.body.data?.content), flags: call.body.data?.flags ?? 0 };
    } finally {
      await release();
    }
    expect(textOf(reply)).toContain(STORE_DOWN_SENTENCE);
    expect(reply.flags & 64).toBe(64);
    referenceIn(textOf(reply));
    expect(h.apimart.submitCount()).toBe(before);
    expect((await h.app.ctx.limits.usage(h.discord.guilds[0]!.id, MEMBER.id)).videos).toBe(1);
  });

  describe('the reservation is written but the job record is not', () => {
    // The same object the job repository and the ledger write through: failing some keys fails those writes.
    const failWrites = (fails: (key: string) => boolean) => {
      const kv = h.app.kv;
      const set = kv.set;
      (kv as { set: typeof set }).set = (key, value, ttl) => (fails(key) ? Promise.reject(new StoreError('set', kv.kind, 'injected failure', { key })) : set(key, value, ttl));
      return () => void ((kv as { set: typeof set }).set = set);
    };

    it('gives the reservation back: nothing submitted, nothing counted', async () => {
      const user = { id: '777777777777777777' };
      const before = h.apimart.submitCount();
      const restore = failWrites((key) => key.startsWith('job:'));
      try {
        const sent = h.video({ user });
        const edit = await h.discord.waitForCall('PATCH', original(sent.token), { timeoutMs: 10_000 });
        expect(String(textOf(edit.body))).toContain(STORE_DOWN_SENTENCE);
        referenceIn(String(textOf(edit.body)));
      } finally {
        restore();
      }
      expect(h.apimart.submitCount()).toBe(before);
      expect(await h.app.ctx.limits.usage(h.discord.guilds[0]!.id, user.id)).toMatchObject({ videos: 0, seconds: 0, active: [] });
    });

    it('when giving it back fails too, the log names the job', async () => {
      const user = { id: '888888888888888888' };
      let usageWrites = 0;
      // The first usage write is the reservation; the next one, the release, fails like the job write.
      const restore = failWrites((key) => key.startsWith('job:') || (key.startsWith('usage:') && ++usageWrites > 1));
      try {
        const sent = h.video({ user });
        await h.discord.waitForCall('PATCH', original(sent.token), { timeoutMs: 10_000 });
      } finally {
        restore();
      }
      const line = h.logs().split('\n').find((l) => l.includes('its reservation could not be given back'));
      expect(line).toMatch(/"jobId":"[0-9a-f]{20}"/);
      expect(line).toContain('injected failure');
      // Once the store takes writes again, the retry gives the reservation back: nothing stays counted.
      await expect.poll(() => h.app.ctx.limits.usage(h.discord.guilds[0]!.id, user.id), { timeout: 10_000 }).toMatchObject({ videos: 0, seconds: 0, active: [] });
    });
  });

  it('the user of the earlier tests still gets videos once the store answers again', async () => {
    h.apimart.nextTask(fastTask);
    const sent = h.video({ user: USER });
    await h.waitForState(sent.id, 'delivered');
  });
});
