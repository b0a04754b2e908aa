import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strandedAction, STRANDED_GRACE_MS } from '../src/interactions/stranded';
import { PendingReplies } from '../src/interactions/pending';
import { TOKEN_LIFETIME_MS } from '../src/discord/platform';
import { startHarness, type Harness } from './support/harness';
import { eventually } from './support/eventually';
import { textOf } from './support/card';
import { openStore } from '../src/store/kv';
import { createLogger } from '../src/log';
import type { ReplyTarget } from '../src/discord/messenger';
import type { Outgoing } from '../src/discord/outgoing';

describe('what a restart does with a marked reply', () => {
  const at = 1_000_000;
  const marker = { createdAt: at, tokenExpiresAt: at + TOKEN_LIFETIME_MS };
  it('answers it past the grace while its token lives', () => {
    expect(strandedAction(marker, at + STRANDED_GRACE_MS, false)).toEqual({ kind: 'check' });
    expect(strandedAction(marker, at + TOKEN_LIFETIME_MS - 60_000, false)).toEqual({ kind: 'check' });
  });
  it('leaves one this process is answering, and looks again at a young one once its grace has passed', () => {
    expect(strandedAction(marker, at + 60_000, true)).toEqual({ kind: 'mine' });
    expect(strandedAction(marker, at + 1_000, false)).toEqual({ kind: 'later', inMs: STRANDED_GRACE_MS - 1_000 });
  });
  it('drops one whose token is dead or about to die', () => {
    expect(strandedAction(marker, at + TOKEN_LIFETIME_MS, false)).toEqual({ kind: 'expired' });
    expect(strandedAction(marker, at + TOKEN_LIFETIME_MS - 5_000, false)).toEqual({ kind: 'expired' });
  });
});

describe('a start answers the replies its shards were left with', () => {
  it('edits the ones no job took, in their language, drops the dead ones, leaves its own; each marker then goes', async () => {
    const kv = await openStore('memory:');
    let now = 10_000_000;
    const edits: { target: ReplyTarget; message: Outgoing }[] = [];
    const deps = {
      logger: createLogger({ level: 'silent' }),
      now: () => now,
      editReply: async (target: ReplyTarget, message: Outgoing) => void edits.push({ target, message }),
      // Interaction 3 had its job record written before the process died.
      startedBy: async (_user: string, interactionId: string) => interactionId === '3',
    };
    const reply = (id: string, over: { locale?: string; createdAt?: number } = {}) => ({
      shard: 0,
      userId: '42',
      applicationId: '7',
      interactionId: id,
      interactionToken: `token-${id}`,
      tokenExpiresAt: (over.createdAt ?? now) + TOKEN_LIFETIME_MS,
      locale: over.locale,
    });
    const dead = new PendingReplies(kv, deps);
    dead.begin(reply('1', { locale: 'ja' }));
    dead.begin(reply('3'));
    now -= TOKEN_LIFETIME_MS; // marker 2 was written 15 minutes earlier: its token is dead by now
    dead.begin(reply('2', { createdAt: now }));
    now += TOKEN_LIFETIME_MS;
    await eventually(async () => (await dead.list(0)).length === 3, 'three markers stored');

    const next = new PendingReplies(kv, deps);
    next.begin(reply('4')); // this process's own, answered by its router
    now += STRANDED_GRACE_MS;
    expect(await next.answerStranded([0])).toEqual({ answered: 1, unreachable: 0, expired: 1, started: 1 });
    expect(edits.map((e) => e.target)).toEqual([{ applicationId: '7', interactionToken: 'token-1' }]);
    expect(textOf(edits[0]!.message)).toContain('リクエストが始まる前にボットが再起動しました');
    expect((await next.list(0)).map(([id]) => id)).toEqual(['4']);
    next.stop();
    await kv.close();
  });
});

describe('the marker of a deferred job reply', () => {
  let h: Harness;
  let markers: PendingReplies;
  const marked = async () => (await markers.list(0)).map(([id]) => id);

  beforeAll(async () => {
    // One video a day: the second request of the member is refused.
    h = await startHarness({ env: { DEFAULT_DAILY_VIDEOS: '1' } });
    // A reader of the same store (the bot's own instance is behind AppContext's ports).
    markers = new PendingReplies(h.app.kv, { logger: h.app.logger, now: Date.now, editReply: async () => undefined, startedBy: async () => false });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('is written at the deferral, with what an edit through the token needs, and removed once the job is written', async () => {
    const held = h.discord.holdAttachments();
    try {
      // No dimensions: the bot reads the image's bytes after the deferral, and waits there.
      const sent = h.video({ images: [{ noDimensions: true }], locale: 'de' });
      await eventually(() => held.waiting() > 0, 'the probe of the image');
      await eventually(async () => (await marked()).includes(sent.id), 'the marker');
      const [, marker] = (await markers.list(0)).find(([id]) => id === sent.id)!;
      expect(marker).toMatchObject({ v: 1, shard: 0, userId: '111111111111111111', applicationId: h.discord.applicationId, interactionToken: sent.token, locale: 'de' });
      expect(marker.tokenExpiresAt - marker.createdAt).toBeGreaterThan(TOKEN_LIFETIME_MS - 60_000);
      held.release();
      await h.waitForState(sent.id, 'queued');
      await eventually(async () => !(await marked()).includes(sent.id), 'the marker removed');
    } finally {
      held.release();
    }
  });

  it('is removed once a refusal replaced the reply', async () => {
    const held = h.discord.holdAttachments();
    try {
      const sent = h.video({ images: [{ noDimensions: true }] });
      await eventually(async () => (await marked()).includes(sent.id), 'the marker');
      held.release();
      await eventually(() => h.discord.interactionMessages(sent.id).some((m) => /limit/i.test(textOf(m))), 'the refusal');
      await eventually(async () => !(await marked()).includes(sent.id), 'the marker removed');
      expect([...h.jobs.values()].some((j) => j.interactionId === sent.id)).toBe(false);
    } finally {
      held.release();
    }
  });
});
