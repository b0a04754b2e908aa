import { describe, expect, it } from 'vitest';
import type { TaskView } from '../src/apimart/parse';
import type { KeptFile, Messenger, VideoFile } from '../src/discord/messenger';
import type { Outgoing } from '../src/discord/outgoing';
import { createLogger } from '../src/log';
import { JobMessage } from '../src/discord/job-message';
import { newJob } from '../src/jobs/record';
import { JobRepo } from '../src/jobs/repo';
import { JobService } from '../src/jobs/service';
import { openStore } from '../src/store/kv';
import { scaledClock } from '../src/util/clock';
import { buttonsOf, galleryOf, textOf } from './support/card';
import { eventually } from './support/eventually';
import { jobInput } from './support/job-input';

/**
 * The takes of a `variations` request joining one card (docs/commands.md, variations), against a messenger that
 * keeps the message's files as Discord does: an edit listing attachments keeps only those (docs/discord.md).
 */

const MIN = 60_000;
const logger = createLogger({ level: 'silent' });
const CHANNEL = '223456789012345678';
const MESSAGE = '623456789012345678';

async function world(opts: { answerAttachments?: boolean } = {}) {
  const repo = new JobRepo(await openStore('memory:'), logger);
  const clock = scaledClock(20);
  let files: KeptFile[] = [];
  let nextId = 900000000000000000n;
  const shown: { payload: Outgoing; files: string[] }[] = [];
  let hold: Promise<void> | undefined;
  let uploadsFail: { status: number; code?: number } | undefined;
  const edit = async (payload: Outgoing, add: readonly VideoFile[] = [], keep: readonly KeptFile[] = []) => {
    if (add.length) await hold;
    if (add.length && uploadsFail) throw Object.assign(new Error('upload refused'), uploadsFail);
    if (add.length || keep.length) files = [...keep, ...add.map((f) => ({ id: String(nextId++), filename: f.name }))];
    shown.push({ payload, files: files.map((f) => f.filename) });
    return { channelId: CHANNEL, messageId: MESSAGE, attachments: opts.answerAttachments === false ? [] : files };
  };
  const messenger: Messenger = {
    editOriginal: (_t, p, f, k) => edit(p, f, k),
    editChannelMessage: (_c, _m, p, f, k) => edit(p, f, k),
    sendChannel: () => Promise.reject(new Error('no channel posts here')),
    sendDm: () => Promise.reject(new Error('no DMs here')),
    deleteOriginal: async () => undefined,
    deleteChannelMessage: async () => undefined,
    refreshAttachmentUrls: async () => new Map(),
  };
  const view = new JobMessage({ messenger, download: async () => ({ ok: true, data: Buffer.alloc(16) }), logger, clock, notices: { undelivered: async () => undefined } });
  const quota = { commit: async () => undefined, release: async () => undefined };
  const apimart = { submit: () => Promise.reject(new Error('not used')), getTask: () => Promise.reject(new Error('not used')) };
  const jobs = new JobService({ repo, apimart, view, quota, logger, maxRps: 10, clock });
  const ids = ['take0101', 'take0102'];
  for (const [i, id] of ids.entries()) {
    const input = jobInput({ id, tokenExpiresAt: clock.now() + 15 * MIN, replyMessageId: MESSAGE, channelId: CHANNEL, request: { ...jobInput({ id }).request, seed: 7 + i }, group: { id: ids[0]!, index: i + 1, jobIds: ids } });
    await repo.create({ ...newJob(input, clock.now()), state: 'generating', taskId: `task${i}`, submittedAt: clock.now(), progress: 10 });
  }
  const task = (state: TaskView['state'], progress?: number): TaskView => ({
    taskId: 't',
    state,
    rawStatus: state,
    known: true,
    progress,
    createdAt: undefined,
    estimatedTimeSec: undefined,
    videoUrl: state === 'completed' ? 'https://cdn.example/v.mp4' : undefined,
    expiresAt: undefined,
    error: undefined,
  });
  return {
    repo,
    jobs,
    ids,
    shown,
    task,
    hold(p: Promise<void>) {
      hold = p;
    },
    failUploads(answer: { status: number; code?: number } = { status: 500 }) {
      uploadsFail = answer;
    },
  };
}

/** A gallery item names a file of the message's, and every file the message carries plays in the card. */
function matches(edit: { payload: Outgoing; files: string[] }): boolean {
  const gallery = galleryOf(edit.payload).map((i) => i.media.url.replace('attachment://', ''));
  return gallery.length === edit.files.length && gallery.every((g) => edit.files.includes(g));
}

describe('variations: a take joins the card while the others run', () => {
  it('a progress edit queued behind a take\'s upload still shows that take playing', async () => {
    const w = await world();
    let upload!: () => void;
    w.hold(new Promise<void>((r) => (upload = r)));
    await w.jobs.onTask(w.ids[0]!, w.task('completed'));
    // Take 2's progress comes in while take 1 uploads: its edit waits its turn behind the delivery.
    const progress = w.jobs.onTask(w.ids[1]!, w.task('processing', 60));
    upload();
    await progress;
    await eventually(async () => (await w.repo.get(w.ids[0]!))?.state === 'delivered', 'take 1 delivered');
    await eventually(() => w.shown.some((e) => textOf(e.payload).includes('60%')), 'the progress edit');
    for (const e of w.shown) expect(matches(e), textOf(e.payload)).toBe(true);
    expect(galleryOf(w.shown.at(-1)!.payload)).toHaveLength(1);
    await w.jobs.stop();
  });

  it('a take no route would take after another was delivered: the card keeps playing the first and links the second', async () => {
    const w = await world();
    await w.jobs.onTask(w.ids[0]!, w.task('completed'));
    await eventually(async () => (await w.repo.get(w.ids[0]!))?.state === 'delivered', 'take 1 delivered');
    // Every upload fails from here (the channel post and the DM are refused anyway); plain edits still work.
    w.failUploads();
    await w.jobs.onTask(w.ids[1]!, w.task('completed'));
    await eventually(async () => (await w.repo.get(w.ids[1]!))?.announced === true, 'take 2 ended and shown');
    const last = w.shown.at(-1)!;
    expect(matches(last), textOf(last.payload)).toBe(true);
    expect(galleryOf(last.payload).map((i) => i.description)).toEqual(['Take 1']);
    expect(textOf(last.payload)).toContain('1 of your 2 takes are ready');
    expect(textOf(last.payload)).toContain('**Take 2** · seed 8 · ⚠️ made, not posted');
    expect(buttonsOf(last.payload).map((b) => b.label)).toContain('Take 2');
    await w.jobs.stop();
  });

  it('a take Discord refuses as too large below its stated limit is a link, and the take before it keeps playing', async () => {
    const w = await world();
    await w.jobs.onTask(w.ids[0]!, w.task('completed'));
    await eventually(async () => (await w.repo.get(w.ids[0]!))?.state === 'delivered', 'take 1 delivered');
    w.failUploads({ status: 413, code: 40005 });
    await w.jobs.onTask(w.ids[1]!, w.task('completed'));
    await eventually(async () => (await w.repo.get(w.ids[1]!))?.state === 'delivered', 'take 2 delivered');
    const last = w.shown.at(-1)!;
    expect(last.files).toEqual([`vidu-${w.ids[0]}.mp4`]);
    expect(matches(last), textOf(last.payload)).toBe(true);
    expect(textOf(last.payload)).toContain('Your 2 takes are ready');
    expect(textOf(last.payload)).toContain('**Take 2** · seed 8 · ✅ ready, linked below');
    expect((await w.repo.get(w.ids[1]!))?.delivery).toMatchObject({ attached: false, linked: { code: 'refused' } });
    await w.jobs.stop();
  });

  it('an upload Discord answered without its attachments still plays in the progress edits after it', async () => {
    const w = await world({ answerAttachments: false });
    await w.jobs.onTask(w.ids[0]!, w.task('completed'));
    await eventually(async () => (await w.repo.get(w.ids[0]!))?.state === 'delivered', 'take 1 delivered');
    await w.jobs.onTask(w.ids[1]!, w.task('processing', 60));
    const progress = w.shown.at(-1)!;
    expect(textOf(progress.payload)).toContain('60%');
    expect(matches(progress), textOf(progress.payload)).toBe(true);
    // Its id unknown, the next upload sends it again in place of the copy it cannot list: one file per take.
    await w.jobs.onTask(w.ids[1]!, w.task('completed'));
    await eventually(async () => (await w.repo.get(w.ids[1]!))?.state === 'delivered', 'take 2 delivered');
    const last = w.shown.at(-1)!;
    expect(last.files.sort()).toEqual(w.ids.map((id) => `vidu-${id}.mp4`).sort());
    expect(matches(last), textOf(last.payload)).toBe(true);
    await w.jobs.stop();
  });
});
