import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness';
import { buttonsOf, textOf } from './support/card';

let h: Harness;
const MOD = { id: '333333333333333333' };
const MEMBER = { id: '444444444444444444' };
const STRANGER = { id: '555555555555555555' };
const MANAGE_GUILD = String(1n << 5n);
const NO_PERMS = '0';

beforeAll(async () => {
  h = await startHarness({ env: { DEFAULT_DAILY_VIDEOS: '5', DEFAULT_CONCURRENT: '5' } });
});
afterAll(async () => {
  await h?.close();
});

const longTask = { timeline: [{ at: 0, status: 'pending' }, { at: 300, status: 'processing', progress: 10 }, { at: 60_000, status: 'completed' }], estimatedTime: 60 };
const fastTask = { timeline: [{ at: 0, status: 'processing', progress: 50 }, { at: 800, status: 'completed' }], estimatedTime: 1, videoBytes: 4096 };

/** Sends a slash command and returns the content of its (ephemeral) reply. */
async function command(name: string, options: unknown[], user: { id: string }, memberPermissions = NO_PERMS): Promise<{ content: string; ephemeral: boolean }> {
  const sent = h.discord.sendCommand({ name, options, user, memberPermissions });
  const call = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${sent.id}/`));
  return { content: String(call.body.data?.content ?? ''), ephemeral: (call.body.data?.flags & 64) === 64 };
}

async function pressButton(customId: string, messageId: string, user: { id: string }, memberPermissions = NO_PERMS) {
  const sent = h.discord.sendButton({ customId, messageId, user, memberPermissions });
  const call = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${sent.id}/`));
  return { sent, call, content: String(call.body.data?.content ?? '') };
}

describe('/video-limits and refusals', () => {
  it('refuses a non-moderator even when the command is visible to them', async () => {
    const r = await command('video-limits', [{ name: 'show', type: 1, options: [] }], STRANGER);
    expect(r.ephemeral).toBe(true);
    expect(r.content).toContain('Only members with the Manage Server permission');
  });

  it('registers /video-limits for Manage Server, guild only', () => {
    const put = h.discord.callsTo('PUT', /^\/applications\/\d+\/commands$/)[0]!;
    const limits = put.body.find((c: { name: string }) => c.name === 'video-limits');
    expect(limits.default_member_permissions).toBe(MANAGE_GUILD);
    expect(limits.contexts).toEqual([0]);
    expect(limits.options.map((o: { name: string }) => o.name)).toEqual(['show', 'user', 'server', 'reset', 'role', 'channel', 'budget', 'approval', 'audit']);
    const server = limits.options.find((o: { name: string }) => o.name === 'server');
    expect(server.options.map((o: { name: string }) => o.name)).toContain('server_concurrent');
    // The option names of the additions, exactly as docs/commands.md lists them.
    const optionsOf = (sub: string) => limits.options.find((o: { name: string }) => o.name === sub).options.map((o: { name: string; required?: boolean }) => `${o.name}${o.required ? '!' : ''}`);
    expect(optionsOf('role')).toEqual(['role!', 'daily_videos', 'daily_seconds', 'concurrent', 'cooldown']);
    expect(optionsOf('channel')).toEqual(['channel!', 'allowed!']);
    expect(optionsOf('budget')).toEqual(['daily_seconds', 'monthly_seconds']);
    expect(optionsOf('audit')).toEqual(['channel']);
  });

  it("a moderator sets daily_videos:1; the member's second /video is refused with no submit", async () => {
    const set = await command('video-limits', [{ name: 'user', type: 1, options: [{ name: 'user', type: 6, value: MEMBER.id }, { name: 'daily_videos', type: 4, value: 1 }] }], MOD, MANAGE_GUILD);
    expect(set.ephemeral).toBe(true);
    expect(set.content).toContain('Videos per day: **1** (member override)');

    h.apimart.nextTask(fastTask);
    const first = h.video({ user: MEMBER });
    await h.waitForState(first.id, 'delivered');

    const before = h.apimart.submitCount();
    const second = h.video({ user: MEMBER });
    await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${second.token}/messages/@original`));
    const reply = h.discord.messages.get(h.discord.originalMessageId(second.id)!)!;
    expect(textOf(reply)).toContain('Limit reached');
    expect(textOf(reply)).toMatch(/1 video.*limit 1/);
    expect(textOf(reply)).toMatch(/resets <t:\d+:R>/);
    expect(h.apimart.submitCount()).toBe(before);

    const usage = await command('video-usage', [], MEMBER);
    expect(usage.ephemeral).toBe(true);
    expect(usage.content).toContain('Videos per day: **1** (member override) · used 1, 0 left');
    expect(usage.content).toContain('Seconds of video per day: **10000 s** (bot default) · used 5 s, 9995 s left');
    expect(usage.content).toMatch(/reset <t:\d+:R>/);

    const reset = await command('video-limits', [{ name: 'reset', type: 1, options: [{ name: 'user', type: 6, value: MEMBER.id }] }], MOD, MANAGE_GUILD);
    expect(reset.content).toContain('Videos per day: **5** (bot default) · used 0, 5 left');
  });

  it('server caps refuse what the server does not allow, before any submit', async () => {
    await command('video-limits', [{ name: 'server', type: 1, options: [{ name: 'max_resolution', type: 3, value: '720p' }, { name: 'max_duration', type: 4, value: 8 }] }], MOD, MANAGE_GUILD);
    const before = h.apimart.submitCount();
    const sent = h.video({ user: STRANGER, resolution: '1080p', duration: 10 });
    await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`));
    const reply = textOf(h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!)!;
    expect(reply).toContain('This server allows videos of at most 8 seconds; you asked for 10.');
    expect(reply).toContain('This server allows at most 720p; you asked for 1080p.');
    expect(h.apimart.submitCount()).toBe(before);
    const shown = await command('video-limits', [{ name: 'show', type: 1, options: [] }], MOD, MANAGE_GUILD);
    expect(textOf(shown)).toContain('Longest video: 8 s');
    expect(textOf(shown)).toContain('Highest resolution: 720p');
  });
});

describe('the job message buttons', () => {
  async function runningJob(user: { id: string }) {
    h.apimart.nextTask(longTask);
    const sent = h.video({ user });
    const job = await h.waitForState(sent.id, ['queued', 'generating']);
    // The state is recorded before the job message is shown: wait for the message itself.
    await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`), { predicate: (c) => c.status < 300 && c.body?.components?.length > 0 });
    const messageId = h.discord.originalMessageId(sent.id)!;
    const cancel = buttonsOf(h.discord.messages.get(messageId)!)[0]!;
    expect(cancel).toMatchObject({ label: 'Cancel', custom_id: `vidu:cancel:${job.id}` });
    return { sent, job, messageId };
  }

  it('Cancel by a stranger is refused; by the requester it stops the job, which still counts (the provider had accepted it)', async () => {
    const { sent, job, messageId } = await runningJob(MEMBER);
    const usageBefore = await h.app.ctx.limits.usage(job.guildId, MEMBER.id);

    const stranger = await pressButton(`vidu:cancel:${job.id}`, messageId, STRANGER);
    expect(stranger.content).toContain('This is not your video');
    expect((stranger.call.body.data.flags & 64) === 64).toBe(true);
    expect((await h.app.ctx.jobs.get(job.id))!.state).not.toBe('cancelled');

    const own = await pressButton(`vidu:cancel:${job.id}`, messageId, MEMBER);
    expect(textOf(own)).toContain('Cancelled');
    const cancelled = await h.waitForState(sent.id, 'cancelled');
    expect(h.app.ctx.jobs.poller.has(cancelled.id)).toBe(false);
    const usageAfter = await h.app.ctx.limits.usage(job.guildId, MEMBER.id);
    expect(usageAfter.videos).toBe(usageBefore.videos);
    expect(usageAfter.active).not.toContain(job.id);
    expect(textOf(own)).toContain('counts toward your limits');
    expect(textOf(h.discord.messages.get(messageId)!)).toContain('Cancelled');
  });

  it('Cancel by a moderator works on anyone’s job', async () => {
    const { sent, job, messageId } = await runningJob(STRANGER);
    const mod = await pressButton(`vidu:cancel:${job.id}`, messageId, MOD, MANAGE_GUILD);
    expect(mod.content).toContain('Cancelled');
    await h.waitForState(sent.id, 'cancelled');
    expect(textOf(h.discord.messages.get(messageId)!)).toContain(`Cancelled by <@${MOD.id}>`);
  });

  it('Cancel on a finished video and Re-roll on a running one explain themselves', async () => {
    const { sent, job, messageId } = await runningJob(STRANGER);
    const early = await pressButton(`vidu:reroll:${job.id}`, messageId, STRANGER);
    expect(textOf(early)).toContain('still being made');
    await pressButton(`vidu:cancel:${job.id}`, messageId, STRANGER);
    await h.waitForState(sent.id, 'cancelled');
    h.apimart.nextTask(fastTask);
    const done = h.video({ user: STRANGER });
    const finished = await h.waitForState(done.id, 'delivered');
    const late = await pressButton(`vidu:cancel:${finished.id}`, h.discord.originalMessageId(done.id)!, STRANGER);
    expect(textOf(late)).toContain('already finished');
  });

  it('/video-limits user without a value says what to give', async () => {
    const r = await command('video-limits', [{ name: 'user', type: 1, options: [{ name: 'user', type: 6, value: MEMBER.id }] }], MOD, MANAGE_GUILD);
    expect(r.content).toContain('Give at least one limit to set');
  });

  it('a forged custom id gets nothing', async () => {
    const r = await pressButton('vidu:cancel:doesnotexist0', '1', STRANGER);
    expect(r.content).toContain('no longer exists');
    const bad = await pressButton('vidu:delete:abc', '1', STRANGER);
    expect(bad.content).toContain('no longer valid');
  });

  it('Re-roll makes a second job with the same inputs, refreshed image links and a new seed', async () => {
    h.apimart.nextTask(fastTask);
    const sent = h.video({ user: STRANGER, seed: 7, resolution: '720p', duration: 5 });
    const first = await h.waitForState(sent.id, 'delivered');
    const messageId = h.discord.originalMessageId(sent.id)!;
    const reroll = buttonsOf(h.discord.messages.get(messageId)!)[0]!;
    expect(reroll).toMatchObject({ label: 'Re-roll', custom_id: `vidu:reroll:${first.id}` });

    h.apimart.nextTask(fastTask);
    const before = h.apimart.submitCount();
    const press = await pressButton(`vidu:reroll:${first.id}`, messageId, STRANGER);
    expect(press.call.body.type).toBe(5);
    const second = await h.waitForState(press.sent.id, 'delivered');
    expect(h.apimart.submitCount()).toBe(before + 1);
    expect(second.rerollOf).toBe(first.id);
    expect(second.request.seed).not.toBe(7);
    expect({ ...second.request, seed: 0, image_urls: [] }).toEqual({ ...first.request, seed: 0, image_urls: [] });
    expect(h.discord.callsTo('POST', /^\/attachments\/refresh-urls$/).length).toBeGreaterThan(0);
    expect(second.request.image_urls[0]).not.toBe(first.request.image_urls[0]);
    expect(h.discord.originalMessageId(press.sent.id)).not.toBe(messageId);
  });

  it('Re-roll when Discord no longer has the images says so and submits nothing', async () => {
    // A member of their own: STRANGER's cancelled jobs above still count (their tasks had been accepted).
    const OTHER = { id: '666666666666666666' };
    h.apimart.nextTask(fastTask);
    const sent = h.video({ user: OTHER });
    const first = await h.waitForState(sent.id, 'delivered');
    h.discord.deleteAttachment(first.request.image_urls[0]!);
    const before = h.apimart.submitCount();
    const press = await pressButton(`vidu:reroll:${first.id}`, h.discord.originalMessageId(sent.id)!, OTHER);
    await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${press.sent.token}/messages/@original`));
    expect(textOf(h.discord.messages.get(h.discord.originalMessageId(press.sent.id)!)!)).toContain('Discord no longer has the images');
    expect(h.apimart.submitCount()).toBe(before);
  });
});
