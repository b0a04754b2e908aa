import { describe, expect, it } from 'vitest';
import { eventually } from './support/eventually';
import type { Harness } from './support/harness';
import { describeOnStores } from './support/stores';
import type { SentInteraction } from './fakes/discord/types';
import type { Job } from '../src/jobs/record';
import { buttonsOf, textOf } from './support/card';

/**
 * The queue end to end through the fakes (docs/commands.md, queue): a request that finds the member's or the
 * server's concurrency full waits in line with its place shown and a Cancel button, and starts by itself when a
 * slot frees. Each test has a guild and members of its own.
 */

let h: Harness;
const MOD = { id: '333333333333333302' };
const MANAGE_GUILD = String(1n << 5n);
let seq = 0;
const member = () => ({ id: `55555555555555${String(5000 + seq++).padStart(4, '0')}` });


const task = (ms: number) => ({ timeline: [{ at: 0, status: 'processing', progress: 30 }, { at: ms, status: 'completed' }], estimatedTime: 2, videoBytes: 4096 });
const original = (sent: SentInteraction) => new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`);
const messageOf = (sent: SentInteraction) => h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!;
const buttonLabels = (sent: SentInteraction) => buttonsOf(messageOf(sent)).map((b) => b.label);

async function answerTo(sent: SentInteraction): Promise<string> {
  const callback = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${sent.id}/`));
  if (callback.body.type === 4) return String(callback.body.data?.content ?? '');
  const edit = await h.discord.waitForCall('PATCH', original(sent));
  return String(edit.body.content ?? '');
}

const usageOf = (guildId: string, user: { id: string }) => answerTo(h.discord.sendCommand({ name: 'video-usage', options: [], user, guildId }));

describeOnStores({ env: { DEFAULT_CONCURRENT: '1', DEFAULT_DAILY_VIDEOS: '2', DEFAULT_COOLDOWN: '0' } }, (started) => (h = started), () => {

  describe('concurrency 1', () => {
    it('the second request waits with "1st in line" and starts by itself when the first finishes', async () => {
      const guildId = h.discord.addGuild();
      const m = member();
      const submits = h.apimart.submitCount();
      h.apimart.nextTask(task(1500));
      const first = h.video({ user: m, guildId });
      await h.waitForState(first.id, ['queued', 'generating']);

      h.apimart.nextTask(task(300));
      const second = h.video({ user: m, guildId });
      const waiting = await h.waitForState(second.id, 'waiting');
      await eventually(() => textOf(messageOf(second) ?? {}).includes('1st in line'), 'the place in line', 15_000);
      expect(textOf(messageOf(second))).toContain('Waiting: 1st in line');
      expect(buttonLabels(second)).toEqual(['Cancel']);
      expect(h.apimart.submitCount()).toBe(submits + 1);

      await h.waitForState(first.id, 'delivered');
      const started = await h.waitForState(second.id, ['queued', 'generating', 'completed', 'delivered']);
      expect(started.id).toBe(waiting.id);
      await h.waitForState(second.id, 'delivered');
      expect(h.apimart.submitCount()).toBe(submits + 2);
    });

    it('Cancel while waiting ends it and gives its quota back; nothing is submitted for it', async () => {
      const guildId = h.discord.addGuild();
      const m = member();
      h.apimart.nextTask(task(4000));
      const first = h.video({ user: m, guildId });
      await h.waitForState(first.id, ['queued', 'generating']);
      const submits = h.apimart.submitCount();
      const second = h.video({ user: m, guildId });
      const job: Job = await h.waitForState(second.id, 'waiting');
      expect(await usageOf(guildId, m)).toContain('used 2, 0 left');

      const press = h.discord.sendButton({ customId: `vidu:cancel:${job.id}`, messageId: h.discord.originalMessageId(second.id)!, user: m });
      expect(await answerTo(press)).toContain('The quota for it was given back');
      await h.waitForState(second.id, 'cancelled');
      expect(await usageOf(guildId, m)).toContain('used 1, 1 left');
      await h.waitForState(first.id, 'delivered');
      expect(h.apimart.submitCount()).toBe(submits);
    });

    it("server_concurrent 1: another member's request waits for the server's slot", async () => {
      const guildId = h.discord.addGuild();
      const set = h.discord.sendCommand({ name: 'video-limits', options: [{ name: 'server', type: 1, options: [{ name: 'server_concurrent', type: 4, value: 1 }] }], user: MOD, guildId, memberPermissions: MANAGE_GUILD });
      expect(await answerTo(set)).toContain('Saved');
      h.apimart.nextTask(task(1000));
      const first = h.video({ user: member(), guildId });
      await h.waitForState(first.id, ['queued', 'generating']);
      h.apimart.nextTask(task(300));
      const second = h.video({ user: member(), guildId });
      await h.waitForState(second.id, 'waiting');
      await h.waitForState(first.id, 'delivered');
      await h.waitForState(second.id, 'delivered');
    });
  });
});
