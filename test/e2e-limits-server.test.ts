import { describe, expect, it } from 'vitest';
import type { Harness } from './support/harness';
import { describeOnStores } from './support/stores';

/**
 * The server's own limits end to end through the fakes: per-role limits, the channels /video may run in, the
 * server's budget and the moderators' audit channel (docs/commands.md, /video-limits). Each test has a guild
 * of its own, so their settings never meet.
 */

let h: Harness;
const MOD = { id: '333333333333333301' };
const MEMBER = { id: '444444444444444401' };
const MANAGE_GUILD = String(1n << 5n);
const ROLE_A = '777777777777777701';
const ROLE_B = '777777777777777702';


const fastTask = { timeline: [{ at: 0, status: 'processing', progress: 50 }, { at: 500, status: 'completed' }], estimatedTime: 1, videoBytes: 4096 };
const failingTask = { timeline: [{ at: 0, status: 'processing', progress: 10 }, { at: 500, status: 'failed', error: { code: 'moderation', message: 'flagged', type: 'moderation' } }], estimatedTime: 1 };

function newGuild(): string {
  return h.discord.addGuild();
}

/** A slash command's first answer: its content and whether only the user sees it. */
async function command(guildId: string, name: string, options: unknown[], user: { id: string }, { memberRoles, ...extra }: { memberPermissions?: string; memberRoles?: Record<string, string[]>; channelId?: string } = {}) {
  // The fake keeps members' roles per guild, as Discord does; the interaction (and its resolved members) carry them.
  for (const [userId, roles] of Object.entries(memberRoles ?? {})) {
    for (const id of roles) h.discord.addRole(guildId, { id });
    h.discord.setMemberRoles(guildId, userId, roles);
  }
  const sent = h.discord.sendCommand({ name, options, user, guildId, memberPermissions: extra.memberPermissions ?? '0', ...extra });
  const call = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${sent.id}/`));
  return { content: String(call.body.data?.content ?? ''), ephemeral: (call.body.data?.flags & 64) === 64, type: call.body.type as number };
}

const limits = (guildId: string, sub: string, options: unknown[] = [], extra: { memberRoles?: Record<string, string[]> } = {}) =>
  command(guildId, 'video-limits', [{ name: sub, type: 1, options }], MOD, { memberPermissions: MANAGE_GUILD, ...extra });

/** The content the deferred /video reply was edited to. */
async function videoReply(sent: { id: string; token: string }): Promise<string> {
  await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`));
  return h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!.content ?? '';
}

describeOnStores({ env: { DEFAULT_DAILY_VIDEOS: '3', DEFAULT_CONCURRENT: '5', DEFAULT_COOLDOWN: '0' } }, (started) => (h = started), () => {

  describe('/video-limits role', () => {
    it('a member with two roles (2 and 5 videos) gets 5; their override of 1 wins; show names the role', async () => {
      const guildId = newGuild();
      await limits(guildId, 'role', [{ name: 'role', type: 8, value: ROLE_A }, { name: 'daily_videos', type: 4, value: 2 }]);
      const setB = await limits(guildId, 'role', [{ name: 'role', type: 8, value: ROLE_B }, { name: 'daily_videos', type: 4, value: 5 }]);
      expect(setB.content).toContain(`Limits of the role <@&${ROLE_B}>`);
      const memberRoles = { [MEMBER.id]: [ROLE_A, ROLE_B] };

      const shown = await limits(guildId, 'show', [{ name: 'user', type: 6, value: MEMBER.id }], { memberRoles });
      expect(shown.ephemeral).toBe(true);
      expect(shown.content).toContain(`Videos per day: **5** (role <@&${ROLE_B}>)`);

      // The member's own view reads their roles off their interaction.
      const usage = await command(guildId, 'video-usage', [], MEMBER, { memberRoles });
      expect(usage.content).toContain(`Videos per day: **5** (role <@&${ROLE_B}>)`);

      const override = await limits(guildId, 'user', [{ name: 'user', type: 6, value: MEMBER.id }, { name: 'daily_videos', type: 4, value: 1 }], { memberRoles });
      expect(override.content).toContain('Videos per day: **1** (member override)');

      const server = await limits(guildId, 'show');
      expect(server.content).toContain(`<@&${ROLE_A}>: Videos per day **2**`);
      expect(server.content).toContain(`<@&${ROLE_B}>: Videos per day **5**`);
      // Named, never pinged.
      expect(h.discord.pings.filter((p) => p.roles.length)).toEqual([]);
    });
  });

  describe('/video-limits channel', () => {
    it('/video in a channel not allowed is refused privately, naming the allowed channel, with no submit', async () => {
      const guildId = newGuild();
      const videos = h.discord.addChannel(guildId, { name: 'videos' });
      const set = await limits(guildId, 'channel', [{ name: 'channel', type: 7, value: videos }, { name: 'allowed', type: 5, value: true }]);
      expect(set.content).toContain(`/video works only in <#${videos}>`);

      const before = h.apimart.submitCount();
      const sent = h.video({ user: MEMBER, guildId });
      const call = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${sent.id}/`));
      expect(call.body.type).toBe(4);
      expect(call.body.data.flags & 64).toBe(64);
      expect(call.body.data.content).toBe(`Videos are made in <#${videos}> on this server, not here.`);
      expect(h.apimart.submitCount()).toBe(before);
      expect((await h.app.ctx.limits.usage(guildId, MEMBER.id)).videos).toBe(0);

      h.apimart.nextTask(fastTask);
      const there = h.video({ user: MEMBER, guildId, channelId: videos });
      await h.waitForState(there.id, 'delivered');
    });
  });

  describe('/video-limits budget', () => {
    it('10 s a day: a failed task returns its seconds, an 8 s video passes, the next 5 s is refused with the numbers', async () => {
      const guildId = newGuild();
      const set = await limits(guildId, 'budget', [{ name: 'daily_seconds', type: 4, value: 10 }]);
      expect(set.content).toContain('Today: 0 s used of 10 s, 10 s left');

      h.apimart.nextTask(failingTask);
      const failed = h.video({ user: MEMBER, guildId, duration: 8 });
      await h.waitForState(failed.id, 'failed');
      await expect.poll(async () => (await h.app.ctx.limits.serverUsage(guildId)).daySeconds).toBe(0);

      h.apimart.nextTask(fastTask);
      const ok = h.video({ user: MEMBER, guildId, duration: 8 });
      await h.waitForState(ok.id, 'delivered');

      const before = h.apimart.submitCount();
      const refused = h.video({ user: { id: '444444444444444402' }, guildId, duration: 5 });
      const text = await videoReply(refused);
      expect(text).toContain('Limit reached');
      expect(text).toContain("This server's daily video budget has 2 s of 10 s left today; this video needs 5 s. It resets <t:");
      expect(h.apimart.submitCount()).toBe(before);

      const usage = await command(guildId, 'video-usage', [], MEMBER);
      expect(usage.content).toContain('Today: 8 s used of 10 s, 2 s left');
      const shown = await limits(guildId, 'show');
      expect(shown.content).toContain('Today: 8 s used of 10 s, 2 s left');
    });
  });

  describe('/video-limits audit', () => {
    it('a limit change is posted to the audit channel without mentions; a channel that refuses the bot is told once and not posted to again', async () => {
      const guildId = newGuild();
      const auditChannel = h.discord.addChannel(guildId, { name: 'mod-log' });
      await limits(guildId, 'audit', [{ name: 'channel', type: 7, value: auditChannel }]);
      await limits(guildId, 'server', [{ name: 'daily_videos', type: 4, value: 4 }]);
      const posts = h.discord.channelMessages(auditChannel);
      expect(posts.at(-1)!.content).toBe(`**Video limits changed** by <@${MOD.id}>\n• server · videos per day: not set -> 4`);
      const postCall = h.discord.callsTo('POST', new RegExp(`^/channels/${auditChannel}/messages$`)).at(-1)!;
      expect(postCall.body.allowed_mentions).toEqual({ parse: [] });
      expect(h.discord.pings.filter((p) => p.channelId === auditChannel)).toEqual([]);

      h.discord.forbidChannel(auditChannel, 50013);
      const change = await limits(guildId, 'server', [{ name: 'daily_videos', type: 4, value: 6 }]);
      expect(change.content).toContain(`Audit posts to <#${auditChannel}> have stopped`);
      const attempts = h.discord.callsTo('POST', new RegExp(`^/channels/${auditChannel}/messages$`)).length;
      const next = await limits(guildId, 'server', [{ name: 'daily_videos', type: 4, value: 7 }]);
      expect(next.content).not.toContain('Audit posts');
      expect(h.discord.callsTo('POST', new RegExp(`^/channels/${auditChannel}/messages$`))).toHaveLength(attempts);
      expect(h.logs()).toContain('audit posts stop until a moderator sets the channel again');
    });
  });
});
