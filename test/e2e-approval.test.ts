import { describe, expect, it } from 'vitest';
import { eventually } from './support/eventually';
import type { Harness } from './support/harness';
import { describeOnStores } from './support/stores';
import type { SentInteraction } from './fakes/discord/types';
import { textOf } from './support/card';

/**
 * Approval end to end through the fakes (docs/commands.md, approval): a request over the server's threshold
 * waits, posted in the approval channel with Approve / Deny; only Manage Server decides; Approve submits it,
 * Deny ends it with its quota and budget back. Each test has a guild of its own.
 */

let h: Harness;
const MOD = { id: '333333333333333303' };
const MANAGE_GUILD = String(1n << 5n);
let seq = 0;
const member = () => ({ id: `66666666666666${String(6000 + seq++).padStart(4, '0')}` });


const fastTask = { timeline: [{ at: 0, status: 'processing', progress: 50 }, { at: 500, status: 'completed' }], estimatedTime: 1, videoBytes: 4096 };
const original = (sent: SentInteraction) => new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`);
const messageOf = (sent: SentInteraction) => h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!;

async function answerTo(sent: SentInteraction): Promise<string> {
  const callback = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${sent.id}/`));
  if (callback.body.type === 4) return String(callback.body.data?.content ?? '');
  const edit = await h.discord.waitForCall('PATCH', original(sent));
  return String(edit.body.content ?? '');
}

const modCommand = (guildId: string, name: string, options: unknown[]) => answerTo(h.discord.sendCommand({ name, options, user: MOD, guildId, memberPermissions: MANAGE_GUILD }));

/** A guild whose requests over 8 s wait for approval in its approval channel, which is returned. */
async function guildWithApproval() {
  const guildId = h.discord.addGuild();
  const approvals = h.discord.addChannel(guildId, { name: 'approvals' });
  const audit = h.discord.addChannel(guildId, { name: 'mod-log' });
  expect(await modCommand(guildId, 'video-limits', [{ name: 'audit', type: 1, options: [{ name: 'channel', type: 7, value: audit }] }])).toContain('Saved');
  const set = await modCommand(guildId, 'video-limits', [{ name: 'approval', type: 1, options: [{ name: 'above_seconds', type: 4, value: 8 }, { name: 'channel', type: 7, value: approvals }] }]);
  expect(set).toContain(`Approval: requests longer than 8 s wait for a moderator in <#${approvals}>`);
  expect(await modCommand(guildId, 'video-limits', [{ name: 'budget', type: 1, options: [{ name: 'daily_seconds', type: 4, value: 100 }] }])).toContain('Saved');
  return { guildId, approvals, audit };
}

/** The request's post in the approval channel, once it is there. */
async function postIn(channelId: string) {
  await eventually(() => h.discord.channelMessages(channelId).length > 0, 'the approval post', 15_000);
  return h.discord.channelMessages(channelId).at(-1)!;
}

const press = (action: 'approve' | 'deny', jobId: string, messageId: string, user: { id: string }, memberPermissions = '0') =>
  h.discord.sendButton({ customId: `vidu:${action}:${jobId}`, messageId, user, memberPermissions });

const usageOf = (guildId: string, user: { id: string }) => answerTo(h.discord.sendCommand({ name: 'video-usage', options: [], user, guildId }));

describeOnStores({ env: { DEFAULT_DAILY_VIDEOS: '3', DEFAULT_CONCURRENT: '2', DEFAULT_COOLDOWN: '0' } }, (started) => (h = started), () => {

  describe('approval above 8 s', () => {
    it("a 10 s request waits; a member's Approve is refused; a moderator's Approve submits it", async () => {
      const { guildId, approvals, audit } = await guildWithApproval();
      const m = member();
      const submits = h.apimart.submitCount();
      const sent = h.video({ user: m, guildId, duration: 10 });
      const job = await h.waitForState(sent.id, 'awaiting_approval');
      await eventually(() => textOf(messageOf(sent) ?? {}).includes("Waiting for a moderator's approval"), 'the waiting message', 15_000);
      const post = await postIn(approvals);
      expect(post.content).toContain('Video request awaiting approval');
      expect(post.content).toContain(`<@${m.id}>`);
      expect(post.content).toContain('longer than 8 s');
      expect((post.components ?? []).flatMap((r: { components: { label: string }[] }) => r.components.map((b) => b.label))).toEqual(['Approve', 'Deny']);
      expect(h.discord.pings.filter((p) => p.channelId === approvals)).toEqual([]);

      expect(await answerTo(press('approve', job.id, post.id, m))).toContain('Only members with the Manage Server permission');
      expect(h.apimart.submitCount()).toBe(submits);

      h.apimart.nextTask(fastTask);
      expect(await answerTo(press('approve', job.id, post.id, MOD, MANAGE_GUILD))).toContain('Approved');
      await h.waitForState(sent.id, 'delivered');
      expect(h.apimart.submitCount()).toBe(submits + 1);
      await eventually(() => (h.discord.messages.get(post.id)?.content ?? '').includes(`Approved by <@${MOD.id}>`), 'the decided post', 15_000);
      expect(h.discord.channelMessages(audit).map((p) => p.content).join('\n')).toContain(`**Video request approved** by <@${MOD.id}>`);
    });

    it('Deny ends it with its quota and budget back', async () => {
      const { guildId, approvals, audit } = await guildWithApproval();
      const m = member();
      const submits = h.apimart.submitCount();
      const sent = h.video({ user: m, guildId, duration: 10 });
      const job = await h.waitForState(sent.id, 'awaiting_approval');
      const post = await postIn(approvals);
      expect(await usageOf(guildId, m)).toContain('used 1, 2 left');

      expect(await answerTo(press('deny', job.id, post.id, MOD, MANAGE_GUILD))).toContain('Denied');
      await h.waitForState(sent.id, 'denied');
      await eventually(() => textOf(messageOf(sent) ?? {}).includes('Denied'), "the requester's message", 15_000);
      expect(textOf(messageOf(sent))).toContain('did not count against your limits');
      expect(await usageOf(guildId, m)).toContain('used 0, 3 left');
      const shown = await modCommand(guildId, 'video-limits', [{ name: 'show', type: 1, options: [] }]);
      expect(shown).toContain('100 s left');
      expect(h.apimart.submitCount()).toBe(submits);
      expect(h.discord.messages.get(post.id)!.content).toContain(`Denied by <@${MOD.id}>`);
      expect(h.discord.channelMessages(audit).map((p) => p.content).join('\n')).toContain(`**Video request denied** by <@${MOD.id}>`);
      // A second press finds it decided.
      expect(await answerTo(press('approve', job.id, post.id, MOD, MANAGE_GUILD))).toContain('already decided');
    });

    it('Cancel while awaiting approval ends it with its quota back, and its post loses Approve / Deny', async () => {
      const { guildId, approvals } = await guildWithApproval();
      const m = member();
      const sent = h.video({ user: m, guildId, duration: 10 });
      const job = await h.waitForState(sent.id, 'awaiting_approval');
      const post = await postIn(approvals);
      // The post's id is stored right after Discord answers the post.
      for (let i = 0; i < 100 && !(await h.app.ctx.jobs.get(job.id))?.approval?.messageId; i++) await new Promise((r) => setTimeout(r, 20));
      const cancel = h.discord.sendButton({ customId: `vidu:cancel:${job.id}`, messageId: h.discord.originalMessageId(sent.id)!, user: m });
      expect(await answerTo(cancel)).toContain('The quota for it was given back');
      await h.waitForState(sent.id, 'cancelled');
      await eventually(() => (h.discord.messages.get(post.id)?.content ?? '').includes('Cancelled before a decision'), 'the post updated', 15_000);
      expect(h.discord.messages.get(post.id)!.components ?? []).toEqual([]);
      expect(await usageOf(guildId, m)).toContain('used 0, 3 left');
    });
  });
});
