import { describe, expect, it } from 'vitest';
import { botWorld } from './support/bot-world';
import { pngHeader } from './support/images';
import { textOf } from './support/card';

/**
 * Jobs that wait (in line for a slot, or for a moderator's approval) survive a kill -9: the bot process is
 * killed while they wait, and a new one picks them up from the store (docs/commands.md, queue and approval).
 */

const USER = { id: '222222222222222223' };
const MOD = { id: '333333333333333304' };
const MANAGE_GUILD = String(1n << 5n);

const w = botWorld({ name: 'restart-queue', env: { DEFAULT_CONCURRENT: '1' } });

function sendVideo(extra: { guildId?: string; duration?: number; user?: { id: string } } = {}) {
  const a = w.discord.addAttachment({ filename: 'ref.png', contentType: 'image/png', width: 640, height: 480, data: pngHeader(640, 480) });
  const options: unknown[] = [{ name: 'prompt', type: 3, value: 'slow pan' }, { name: 'image1', type: 11, value: a.id }];
  if (extra.duration) options.push({ name: 'duration', type: 4, value: extra.duration });
  return w.discord.sendCommand({ name: 'video', options: options as never, attachments: [a], user: extra.user ?? USER, ...(extra.guildId ? { guildId: extra.guildId } : {}) });
}

const original = (token: string) => new RegExp(`/webhooks/\\d+/${token}/messages/@original`);
const uploadsFor = (token: string) => w.discord.callsTo('PATCH', original(token)).filter((c) => c.files.length > 0 && c.status < 300);

describe('restart while waiting', () => {
  it('kill -9 while a job waits in line: after the restart it still starts, once, when the first finishes', async () => {
    const first = await w.start();
    const guildId = w.discord.addGuild();
    const submitsBefore = w.apimart.submitCount();
    w.apimart.nextTask({ timeline: [{ at: 0, status: 'processing', progress: 30 }, { at: 5_000, status: 'completed' }], estimatedTime: 5, videoBytes: 8 * 1024 });
    const running = sendVideo({ guildId });
    await w.discord.waitForCall('PATCH', original(running.token), { predicate: (c) => c.status < 300 && textOf(c.body ?? {}).includes('slow pan') });
    w.apimart.nextTask({ timeline: [{ at: 0, status: 'processing', progress: 30 }, { at: 500, status: 'completed' }], estimatedTime: 1, videoBytes: 8 * 1024 });
    const waiting = sendVideo({ guildId });
    await w.discord.waitForCall('PATCH', original(waiting.token), { predicate: (c) => textOf(c.body ?? {}).includes('1st in line') });
    expect(await first.kill('SIGKILL')).toBeNull();
    expect(w.apimart.submitCount() - submitsBefore).toBe(1);

    const second = await w.start();
    const deadline = Date.now() + 30_000;
    while (uploadsFor(waiting.token).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(uploadsFor(running.token)).toHaveLength(1);
    expect(uploadsFor(waiting.token)).toHaveLength(1);
    expect(w.apimart.submitCount() - submitsBefore).toBe(2);
    await second.kill('SIGTERM');
  });

  it('kill -9 while a request awaits approval: after the restart its Approve button still works', async () => {
    const first = await w.start();
    const guildId = w.discord.addGuild();
    const approvals = w.discord.addChannel(guildId, { name: 'approvals' });
    const set = w.discord.sendCommand({
      name: 'video-limits',
      options: [{ name: 'approval', type: 1, options: [{ name: 'above_seconds', type: 4, value: 8 }, { name: 'channel', type: 7, value: approvals }] }],
      user: MOD,
      guildId,
      memberPermissions: MANAGE_GUILD,
    });
    await w.discord.waitForCall('POST', new RegExp(`^/interactions/${set.id}/`));
    const submitsBefore = w.apimart.submitCount();
    const sent = sendVideo({ guildId, duration: 10 });
    const deadline = Date.now() + 15_000;
    while (w.discord.channelMessages(approvals).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const post = w.discord.channelMessages(approvals).at(-1)!;
    const jobId = /^vidu:approve:([a-z0-9]+)$/.exec(post.components[0].components[0].custom_id)![1]!;
    expect(w.apimart.submitCount()).toBe(submitsBefore);
    expect(await first.kill('SIGKILL')).toBeNull();

    const second = await w.start();
    w.apimart.nextTask({ timeline: [{ at: 0, status: 'processing', progress: 30 }, { at: 500, status: 'completed' }], estimatedTime: 1, videoBytes: 8 * 1024 });
    const press = w.discord.sendButton({ customId: `vidu:approve:${jobId}`, messageId: post.id, user: MOD, guildId, memberPermissions: MANAGE_GUILD });
    await w.discord.waitForCall('PATCH', original(press.token), { predicate: (c) => String(c.body?.content).includes('Approved') });
    const until = Date.now() + 20_000;
    while (uploadsFor(sent.token).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(uploadsFor(sent.token)).toHaveLength(1);
    expect(w.apimart.submitCount() - submitsBefore).toBe(1);
    await second.kill('SIGTERM');
  });
});
