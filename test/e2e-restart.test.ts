import { describe, expect, it } from 'vitest';
import { errors, expectedVideoBytes } from './fakes/apimart';
import type { FakeDiscord } from './fakes/discord';
import { botWorld } from './support/bot-world';
import { pngHeader } from './support/images';
import { textOf } from './support/card';
import { eventually } from './support/eventually';
import { openStore } from '../src/store/kv';
import { createLogger } from '../src/log';
import { PendingReplies } from '../src/interactions/pending';

const w = botWorld({ name: 'restart' });

function sendVideo(userId = '222222222222222222') {
  const a = w.discord.addAttachment({ filename: 'ref.png', contentType: 'image/png', width: 640, height: 480, data: pngHeader(640, 480) });
  return w.discord.sendCommand({ name: 'video', options: [{ name: 'prompt', type: 3, value: 'slow pan' }, { name: 'image1', type: 11, value: a.id }], attachments: [a], user: { id: userId } });
}

/** Resolves once the fake APIMart has received more than `count` submits. */
function submitsPast(count: number, timeoutMs = 10_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const tick = () => (w.apimart.submitCount() > count ? resolve() : Date.now() > deadline ? reject(new Error('no submit')) : setTimeout(tick, 20));
    tick();
  });
}

const uploadsFor = (token: string) => w.discord.callsTo('PATCH', new RegExp(`/webhooks/\\d+/${token}/messages/@original`)).filter((c) => c.files.length > 0 && c.status < 300);

describe('restart', () => {
  it('kill -9 mid-poll: the new process resumes the job; one submit, one delivery', async () => {
    const first = await w.start();
    w.apimart.nextTask({ timeline: [{ at: 0, status: 'pending' }, { at: 1_000, status: 'processing', progress: 30 }, { at: 6_000, status: 'completed' }], estimatedTime: 6, videoBytes: 32 * 1024 });
    const submitsBefore = w.apimart.submitCount();
    const sent = sendVideo();
    const original = new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`);
    await w.discord.waitForCall('PATCH', original); // the job message: submitted and queued
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await first.kill('SIGKILL')).toBeNull();

    const second = await w.start();
    await second.waitFor('video delivered', 20_000);
    expect(w.apimart.submitCount() - submitsBefore).toBe(1);
    const uploads = uploadsFor(sent.token);
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.files[0]!.data.equals(expectedVideoBytes(32 * 1024))).toBe(true);
    expect(second.output()).toMatch(/"resumed":1/);
    await second.kill('SIGTERM');
  });

  it('a crash during the submit is reported as unconfirmed, never submitted twice', async () => {
    const first = await w.start();
    w.apimart.failSubmit(errors.slow(4_000)); // the provider creates the task but answers late
    const submitsBefore = w.apimart.submitCount();
    const sent = sendVideo();
    await submitsPast(submitsBefore);
    await first.kill('SIGKILL');

    const second = await w.start();
    expect(second.output()).toMatch(/"unconfirmed":1/);
    await w.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`), { predicate: (c) => String(textOf(c.body ?? {})).includes('did not confirm') });
    await new Promise((r) => setTimeout(r, 500));
    expect(w.apimart.submitCount() - submitsBefore).toBe(1);
    await second.kill('SIGTERM');
  });

  it('kill -9 while submits wait for their turn at the request gate: after the restart each is submitted, once', async () => {
    // One request a second: of three members pressing /video at once, the first submit is sent (and answered
    // late, so it cannot be confirmed), the other two wait for their turns, never sent, when the process dies.
    const slowEnv = w.env({ APIMART_MAX_RPS: '1' });
    const first = w.spawn(slowEnv);
    await first.waitFor('"msg":"bot started"');
    for (let i = 0; i < 3; i++) w.apimart.nextTask({ timeline: [{ at: 0, status: 'pending' }, { at: 2_000, status: 'completed' }], estimatedTime: 2, videoBytes: 16 * 1024 });
    w.apimart.failSubmit(errors.slow(4_000));
    const submitsBefore = w.apimart.submits().length;
    const sent = ['222222222222222231', '222222222222222232', '222222222222222233'].map((user) => sendVideo(user));
    await submitsPast(submitsBefore);
    await new Promise((r) => setTimeout(r, 300));
    expect(await first.kill('SIGKILL')).toBeNull();
    expect(w.apimart.submits().length - submitsBefore).toBe(1);

    const second = w.spawn(slowEnv);
    await second.waitFor('"msg":"bot started"');
    expect(second.output()).toMatch(/"submitted":2/);
    expect(second.output()).toMatch(/"unconfirmed":1/);
    await eventually(() => sent.filter((s) => uploadsFor(s.token).length > 0).length === 2, 'two videos delivered', 30_000);
    await new Promise((r) => setTimeout(r, 1_000));
    const submits = w.apimart.submits().slice(submitsBefore);
    expect(submits).toHaveLength(3);
    expect(new Set(submits.map((r) => r.headers['idempotency-key'])).size).toBe(3);
    expect(sent.map((s) => uploadsFor(s.token).length).sort()).toEqual([0, 1, 1]);
    await second.kill('SIGTERM');
  }, 60_000);

  it('kill -9 between the 2nd and 3rd submit of variations:4: after the restart 4 tasks in all, each delivered once', async () => {
    // One request a second: the takes' submits are spaced, so the test can act between them. Four at once
    // need four concurrent slots (each take counts as a video).
    const takesEnv = w.env({ APIMART_MAX_RPS: '1', DEFAULT_CONCURRENT: '4' });
    const first = w.spawn(takesEnv);
    await first.waitFor('"msg":"bot started"');
    const sizes = [20_000, 20_001, 20_002, 20_003];
    for (const size of sizes) w.apimart.nextTask({ timeline: [{ at: 0, status: 'pending' }, { at: 1_000, status: 'processing', progress: 30 }, { at: 5_000, status: 'completed' }], estimatedTime: 5, videoBytes: size });
    const submitsBefore = w.apimart.submits().length;
    const a = w.discord.addAttachment({ filename: 'ref.png', contentType: 'image/png', width: 640, height: 480, data: pngHeader(640, 480) });
    const sent = w.discord.sendCommand({
      name: 'video',
      options: [{ name: 'prompt', type: 3, value: 'slow pan' }, { name: 'image1', type: 11, value: a.id }, { name: 'variations', type: 4, value: 4 }],
      attachments: [a],
      user: { id: '222222222222222223' },
    });
    const original = new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`);
    // The card after the 1st take's submit; the one after the 2nd is held (429, retry in 5 s): the 2nd take is
    // recorded as accepted, the 3rd and 4th are written but never sent. Then the process dies.
    await w.discord.waitForCall('PATCH', original);
    w.discord.failNext('PATCH', original, { status: 429, retryAfter: 5 });
    await w.discord.waitForCall('PATCH', original, { predicate: (c) => c.status === 429 });
    expect(w.apimart.submits().length - submitsBefore).toBe(2);
    expect(await first.kill('SIGKILL')).toBeNull();

    const second = w.spawn(takesEnv);
    await second.waitFor('"msg":"bot started"');
    expect(second.output()).toMatch(/"resumed":2/);
    expect(second.output()).toMatch(/"submitted":2/);
    await eventually(() => (second.output().match(/"msg":"video delivered"/g)?.length ?? 0) >= 4, 'four takes delivered', 30_000);
    const submits = w.apimart.submits().slice(submitsBefore);
    expect(submits).toHaveLength(4);
    // Four distinct takes: four Idempotency-Keys, four seeds.
    expect(new Set(submits.map((r) => r.headers['idempotency-key'])).size).toBe(4);
    expect(new Set(submits.map((r) => (r.body as { seed: number }).seed)).size).toBe(4);
    await new Promise((r) => setTimeout(r, 1_000));
    // Each take's video uploaded once, as it was made.
    expect(uploadsFor(sent.token).flatMap((u) => u.files.map((f) => f.data.length)).sort()).toEqual(sizes);
    expect(second.output().match(/"msg":"video delivered"/g)).toHaveLength(4);
    await second.kill('SIGTERM');
  }, 60_000);

  it('kill -9 after the deferral, before the job record: the restart answers the reply; nothing submitted, no quota used', async () => {
    const first = await w.start();
    const submitsBefore = w.apimart.submitCount();
    const held = w.discord.holdAttachments();
    const member = '222222222222222224';
    let sent: ReturnType<FakeDiscord['sendCommand']>;
    try {
      // No dimensions: the bot reads the image's bytes after the deferral, before any reservation or record.
      const a = w.discord.addAttachment({ filename: 'ref.png', contentType: 'image/png', data: pngHeader(640, 480) });
      sent = w.discord.sendCommand({ name: 'video', options: [{ name: 'prompt', type: 3, value: 'slow pan' }, { name: 'image1', type: 11, value: a.id }], attachments: [a], user: { id: member }, locale: 'fr' });
      await eventually(() => held.waiting() > 0, 'the probe of the image');
      // The marker is written beside the probe; a moment for it to land.
      await new Promise((r) => setTimeout(r, 300));
      expect(await first.kill('SIGKILL')).toBeNull();
    } finally {
      held.release();
    }
    expect(w.discord.interactionMessages(sent.id).map((m) => m.flags! & (1 << 7))).toEqual([1 << 7]); // "thinking…"

    const second = await w.start();
    const original = new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`);
    const edit = await w.discord.waitForCall('PATCH', original, { predicate: (c) => c.status < 300, timeoutMs: 15_000 });
    expect(textOf(edit.body ?? {})).toContain('Le bot a redémarré avant que ta demande puisse commencer');
    expect(edit.auth).toBeUndefined();
    expect(w.apimart.submitCount() - submitsBefore).toBe(0);
    await second.kill('SIGTERM');
    // The store as the next process would read it: no usage for the member, and the marker gone.
    const kv = await openStore(w.env().STORE_URL!);
    try {
      expect(await kv.get(`usage:${w.discord.guilds[0]!.id}:${member}`)).toBeUndefined();
      const left = await new PendingReplies(kv, { logger: createLogger({ level: 'silent' }), now: Date.now, editReply: async () => undefined, startedBy: async () => false }).list(0);
      expect(left.map(([id]) => id)).not.toContain(sent.id);
    } finally {
      await kv.close();
    }
  });

  it('npm run deploy-commands registers in DEV_GUILD_ID, even when unchanged', async () => {
    const guildId = w.discord.guilds[0]!.id;
    const route = new RegExp(`^/applications/\\d+/guilds/${guildId}/commands$`);
    for (const expected of [1, 2]) {
      const bot = w.spawn(w.env({ DEV_GUILD_ID: guildId }), 'src/deploy-commands.ts');
      expect(await bot.exited).toBe(0);
      expect(w.discord.callsTo('PUT', route)).toHaveLength(expected);
    }
    expect(w.discord.callsTo('PUT', route)[0]!.body.map((c: { name: string }) => c.name)).toEqual(['video', 'video-limits', 'video-usage', 'video-refs', 'video-history', 'video-stats', 'Make a video']);
  });

  it('a wrong bot token stops the start with one clear line', async () => {
    const bot = w.spawn(w.env({ DISCORD_TOKEN: 'not-the-token' }));
    expect(await bot.exited).toBe(1);
    expect(bot.output().trim()).toBe('Discord refused DISCORD_TOKEN (401 Unauthorized): check the bot token in .env.');
  });

  it('SIGTERM stops cleanly: exit code 0 and the store closed', async () => {
    const bot = await w.start();
    expect(await bot.kill('SIGTERM')).toBe(0);
    expect(bot.output()).toContain('shutting down');
  });
});
