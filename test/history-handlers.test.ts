import { describe, expect, it } from 'vitest';
import { jobInput } from './support/job-input';
import { showHistory } from '../commands/video-history';
import { showStats } from '../commands/video-stats';
import { sendAgain } from '../src/interactions/resend';
import type { Actor, HistoryPorts } from '../src/interactions/ports';
import type { VideoFile } from '../src/discord/messenger';
import type { BudgetLeft } from '../src/discord/render-stats';
import type { Outgoing } from '../src/discord/outgoing';
import { buttonsOf, textOf } from './support/card';
import { parseButtonId } from '../src/discord/custom-id';
import type { Download } from '../src/jobs/download';
import { newJob, type Job } from '../src/jobs/record';
import { liveMarkdown, shownText } from './support/markdown';

/**
 * The cores of /video-history, its Send again button and /video-stats over in-memory ports: what the member
 * sees (private answers, files attached, DMs) for each case a member would notice.
 */

const GUILD = '100000000000000001';
const MEMBER = '200000000000000001';
const STRANGER = '200000000000000002';
const NOW = Date.UTC(2026, 2, 14, 15);
const MiB = 1024 * 1024;

const member: Actor = { userId: MEMBER, guildId: GUILD, moderator: false, limitsScope: GUILD, roleIds: [GUILD], channelId: '300000000000000001', parentChannelId: null };
const moderator: Actor = { ...member, userId: STRANGER, moderator: true };

let seq = 0;
function job(over: Partial<Job> = {}): Job {
  const id = `hist${String(++seq).padStart(12, '0')}`;
  const request = { model: 'viduq3' as const, prompt: 'The cat turns its head', image_urls: ['https://cdn.example/a.png'], duration: 5, resolution: '720p' as const, aspect_ratio: '16:9' as const, seed: 7 };
  const base = newJob(
    jobInput({ id, guildId: GUILD, channelId: '300000000000000001', userId: MEMBER, tokenExpiresAt: NOW - 3600_000, replyMessageId: `6000000000000000${String(seq).padStart(2, '0')}`, attachmentSizeLimit: 10 * MiB, request, imageNames: ['cat.png'] }),
    NOW - 3600_000,
  );
  return { ...base, state: 'delivered', taskId: 'task_1', videoUrl: `https://files.example/${id}.mp4`, videoExpiresAt: NOW + 3600_000, ...over };
}

type Seen = { thinking: 'private' } | { reply: string } | { edit: string; buttons: string[] } | { file: string; bytes: number; text: string } | { dm: string; file?: string };

interface World {
  jobs?: Job[];
  download?: Download;
  uploadLimit?: number;
  /** The answer with a file fails so (e.g. 413 or a dead token). */
  failFile?: unknown;
  failEdit?: unknown;
  failDm?: unknown;
  budget?: BudgetLeft;
}

function world(w: World = {}) {
  const seen: Seen[] = [];
  const downloads: { url: string; max: number }[] = [];
  const csv: string[] = [];
  const stored = new Map((w.jobs ?? []).map((j) => [j.id, j]));
  const labels = (m: Outgoing) => buttonsOf(m).map((c) => `${c.label ?? ''}|${c.custom_id ?? 'link'}`);
  const ports: HistoryPorts = {
    reply: {
      deferForJob: async () => {
        throw new Error('not a job');
      },
      deferPrivately: async () => void seen.push({ thinking: 'private' }),
      reply: async (text) => void seen.push({ reply: text }),
      edit: async (message) => {
        if (w.failEdit) throw w.failEdit;
        seen.push({ edit: textOf(message), buttons: labels(message) });
      },
      showModal: async () => {
        throw new Error('a form shown unexpectedly');
      },
      uploadLimit: w.uploadLimit ?? 10 * MiB,
      editWithFile: async (message, file?: VideoFile) => {
        // A card without a file (the link) is an edit like any other.
        if (!file) {
          if (w.failEdit) throw w.failEdit;
          return void seen.push({ edit: textOf(message), buttons: labels(message) });
        }
        if (w.failFile) throw w.failFile;
        if (file.contentType === 'text/csv') csv.push(file.data.toString('utf8'));
        seen.push({ file: file.name, bytes: file.data.length, text: textOf(message) });
      },
    },
    jobs: { get: async (id) => stored.get(id) },
    history: {
      recentOfUser: async (userId, limit) => [...stored.values()].filter((j) => j.userId === userId).sort((a, b) => b.createdAt - a.createdAt).slice(0, limit),
      ofGuild: async (guildId, from, to) => [...stored.values()].filter((j) => j.guildId === guildId && j.createdAt >= from && j.createdAt <= to),
    },
    download: async (url, max) => (downloads.push({ url, max }), w.download ?? { ok: true, data: Buffer.alloc(4096) }),
    dm: async (_userId, message, file) => {
      if (w.failDm) throw w.failDm;
      seen.push({ dm: textOf(message), ...(file ? { file: file.name } : {}) });
    },
    budgetLeft: async () => w.budget,
    now: () => NOW,
    logger: { info: () => undefined, warn: () => undefined },
  };
  return { ports, seen, downloads, csv };
}

describe('/video-history', () => {
  it('lists the latest 10, newest first, with state, when, a link to each job message and Send again while the file exists', async () => {
    const jobs = Array.from({ length: 12 }, (_, i) => job({ createdAt: NOW - (12 - i) * 60_000 }));
    jobs[11] = { ...jobs[11]!, state: 'failed', videoUrl: null, videoExpiresAt: null };
    jobs[10] = { ...jobs[10]!, videoExpiresAt: NOW - 1 };
    jobs[9] = { ...jobs[9]!, guildId: null };
    jobs[8] = { ...jobs[8]!, private: true };
    const w = world({ jobs: [...jobs, job({ userId: STRANGER })] });
    await showHistory(member, w.ports);
    expect(w.seen[0]).toEqual({ thinking: 'private' });
    const answer = w.seen[1] as { edit: string; buttons: string[] };
    const lines = answer.edit.split('\n').filter((l) => /^\*\*\d+\.\*\*/.test(l));
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatch(/^\*\*1\.\*\* Failed · <t:\d+:R> · \[job message\]\(https:\/\/discord\.com\/channels\/100000000000000001\/300000000000000001\/\d+\)$/);
    expect(lines[1]).toContain('Delivered');
    expect(lines[0]).toContain(`<t:${Math.floor(jobs[11]!.createdAt / 1000)}:R>`);
    // A job in DMs links into the DM channel.
    expect(lines[2]).toContain('https://discord.com/channels/@me/300000000000000001/');
    // A private job's ephemeral reply cannot be linked to; it can still be sent again.
    expect(lines[3]).not.toContain('https://discord.com/channels/');
    // #1 failed and #2's file expired: Send again only from #3 on, one button per job, each naming its job.
    expect(answer.buttons).toHaveLength(8);
    expect(answer.buttons[0]).toBe(`Send #3 again|vidu:resend:${jobs[9]!.id}`);
    expect(parseButtonId(answer.buttons[0]!.split('|')[1]!)).toEqual({ action: 'resend', jobId: jobs[9]!.id });
    expect(answer.edit).not.toContain(STRANGER);
  });

  it('shows the prompt as typed, on one line, without live markdown', async () => {
    const w = world({ jobs: [job({ request: { ...job().request, prompt: '# big\n**bold** [x](https://evil) <@123> _it_' } })] });
    await showHistory(member, w.ports);
    const quote = (w.seen[1] as { edit: string }).edit.split('\n').find((l) => l.startsWith('> '))!;
    expect(shownText(quote)).toBe('> # big **bold** [x](https://evil) <@123> _it_');
    expect(liveMarkdown(quote.slice(2))).toEqual([]);
  });

  it('keeps a line for each of ten jobs whose prompts are all markdown, within 2000 characters', async () => {
    const w = world({ jobs: Array.from({ length: 10 }, (_, i) => job({ createdAt: NOW - i * 1000, request: { ...job().request, prompt: '*_~'.repeat(200) } })) });
    await showHistory(member, w.ports);
    const text = (w.seen[1] as { edit: string }).edit;
    expect([...text].length).toBeLessThanOrEqual(2000);
    expect(text.split('\n').filter((l) => /^\*\*\d+\.\*\*/.test(l))).toHaveLength(10);
    expect(text.split('\n').filter((l) => l.startsWith('> ')).every((l) => liveMarkdown(l.slice(2)).length === 0)).toBe(true);
  });

  it('says the history starts now when the member has no job in it', async () => {
    const w = world();
    await showHistory(member, w.ports);
    expect((w.seen[1] as { edit: string }).edit).toContain('lists the videos you start from now on');
  });
});

describe('Send again', () => {
  it('sends the file to its owner in a private answer', async () => {
    const j = job();
    const w = world({ jobs: [j] });
    await sendAgain(j.id, member, w.ports);
    expect(w.downloads).toEqual([{ url: j.videoUrl, max: 10 * MiB }]);
    expect(w.seen).toEqual([{ thinking: 'private' }, { file: `vidu-${j.id}.mp4`, bytes: 4096, text: expect.stringContaining('Your video is ready') }]);
  });

  it("refuses someone else's video, and an expired file, without downloading", async () => {
    const mine = job();
    const expired = job({ videoExpiresAt: NOW - 1000 });
    const w = world({ jobs: [mine, expired] });
    await sendAgain(mine.id, { ...member, userId: STRANGER, moderator: true }, w.ports);
    await sendAgain(expired.id, member, w.ports);
    await sendAgain('nosuchjob0000', member, w.ports);
    expect(w.seen).toEqual([
      { reply: expect.stringContaining('only the person who made it') },
      { reply: expect.stringContaining('no longer keeps this video') },
      { reply: 'This video job no longer exists.' },
    ]);
    expect(w.downloads).toEqual([]);
  });

  it("gives the link with its expiry when the video is over this interaction's upload limit", async () => {
    const j = job();
    const w = world({ jobs: [j], uploadLimit: 8 * MiB, download: { ok: false, reason: 'too_large', size: 9 * MiB } });
    await sendAgain(j.id, member, w.ports);
    const answer = w.seen[1] as { edit: string; buttons: string[] };
    expect(answer.edit).toContain('The video (9.0 MB) is too large to upload here (limit 8.0 MB)');
    expect(answer.edit).toContain(`the link expires <t:${Math.floor(j.videoExpiresAt! / 1000)}:R>`);
    expect(answer.buttons).toContain('Download video|link');
  });

  it('falls back to the link when Discord refuses the file as too large below its stated limit', async () => {
    const j = job();
    const w = world({ jobs: [j], failFile: Object.assign(new Error('Request entity too large'), { status: 413, code: 40005 }) });
    await sendAgain(j.id, member, w.ports);
    expect((w.seen[1] as { edit: string }).edit).toContain('is too large to upload here');
  });

  it('goes by DM when the press\'s token is dead, and uses that token no more', async () => {
    const j = job();
    const dead = Object.assign(new Error('Invalid Webhook Token'), { status: 401, code: 50027 });
    const w = world({ jobs: [j], failFile: dead });
    await sendAgain(j.id, member, w.ports);
    expect(w.seen).toEqual([{ thinking: 'private' }, { dm: expect.stringContaining('Your video is ready'), file: `vidu-${j.id}.mp4` }]);
  });

  it('goes by DM when the answer fails otherwise, and says so in the answer', async () => {
    const j = job();
    const w = world({ jobs: [j], failFile: Object.assign(new Error('Internal Server Error'), { status: 500 }) });
    await sendAgain(j.id, member, w.ports);
    expect(w.seen.slice(1)).toEqual([{ dm: expect.stringContaining('Your video is ready'), file: `vidu-${j.id}.mp4` }, { edit: expect.stringContaining('sent to you by DM'), buttons: [] }]);
  });

  it('says so when neither the answer nor a DM takes it', async () => {
    const j = job();
    const w = world({ jobs: [j], failFile: Object.assign(new Error('Internal Server Error'), { status: 500 }), failDm: Object.assign(new Error('Cannot send messages to this user'), { status: 403, code: 50007 }) });
    await sendAgain(j.id, member, w.ports);
    expect(w.seen.at(-1)).toEqual({ edit: expect.stringContaining('could not be sent here or by DM'), buttons: [] });
  });

  it('quotes no limit when Discord refuses a file below the limit it stated', async () => {
    const j = job();
    const w = world({ jobs: [j], failFile: Object.assign(new Error('Request entity too large'), { status: 413, code: 40005 }) });
    await sendAgain(j.id, member, w.ports);
    const text = (w.seen[1] as { edit: string }).edit;
    expect(text).toContain('The video (0.0 MB) is too large to upload here. Use the button below');
  });
});

describe('/video-stats', () => {
  const day = (d: number) => NOW - d * 24 * 3600_000;
  const jobs = [
    job({ createdAt: day(0), request: { ...job().request, duration: 10 } }),
    job({ createdAt: day(0), userId: STRANGER, request: { ...job().request, duration: 4 } }),
    job({ createdAt: day(0), state: 'failed', videoUrl: null }),
    job({ createdAt: day(5), request: { ...job().request, duration: 8 } }),
    job({ createdAt: day(20) }),
    job({ createdAt: day(45) }),
  ];

  it('is refused to a member without Manage Server, at run time, and outside servers', async () => {
    const w = world({ jobs });
    await showStats(member, w.ports);
    await showStats({ ...moderator, guildId: null }, w.ports);
    expect(w.seen).toEqual([{ reply: expect.stringContaining('Only members with the Manage Server permission') }, { reply: '/video-stats works in servers only.' }]);
  });

  it('shows today and this month with the top members as mentions, and attaches the CSV of 30 days', async () => {
    const w = world({ jobs });
    await showStats(moderator, w.ports);
    expect(w.seen[0]).toEqual({ thinking: 'private' });
    const answer = w.seen[1] as { file: string; text: string };
    expect(answer.file).toBe('video-stats-2026-03-14.csv');
    expect(answer.text).toContain('**Today (UTC)**: 2 videos, 14 seconds');
    expect(answer.text).toContain(`1. <@${MEMBER}>: 10 seconds (1 video)`);
    expect(answer.text).toContain(`2. <@${STRANGER}>: 4 seconds (1 video)`);
    expect(answer.text).toContain('**This month (UTC)**: 3 videos, 22 seconds');
    expect(answer.text).not.toContain('Budget left');
    const rows = w.csv[0]!.trim().split('\r\n');
    expect(rows[0]).toBe('created_at,member_id,model,duration,resolution,variations,state');
    // Today's three, day 5 and day 20; not day 45.
    expect(rows).toHaveLength(6);
    expect(rows[3]).toBe(`${new Date(day(0)).toISOString()},${MEMBER},viduq3,5,720p,1,failed`);
  });

  it('shows the budget left when the server has one', async () => {
    const w = world({ jobs, budget: { daily: 100, monthly: null } });
    await showStats(moderator, w.ports);
    expect((w.seen[1] as { text: string }).text).toContain('Budget left: 100 seconds today');
  });
});
