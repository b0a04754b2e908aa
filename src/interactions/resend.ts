import { messagesFor, type Messages } from '../discord/messages';
import { isDeadToken, isTooLarge } from '../discord/job-message';
import type { VideoFile } from '../discord/messenger';
import { DEFAULT_UPLOAD_LIMIT } from '../discord/platform';
import { renderCard, videoFileName, type CardPayload, type NotAttached } from '../discord/card';
import { canSendAgain } from '../discord/render-history';
import type { Job } from '../jobs/record';
import type { Actor, HistoryPorts } from './ports';

/**
 * "Send again" under /video-history (docs/commands.md): the video, to the job's owner only, in a private answer
 * to the press: attached when it fits this interaction's upload limit (and Discord takes it), else its link
 * with when the link expires. When that answer cannot be written (the press's token is gone) it goes by DM.
 */
export async function sendAgain(jobId: string, actor: Actor, { reply, jobs, download, dm, now, logger }: HistoryPorts): Promise<void> {
  const words = messagesFor(actor.locale);
  const m = words.history;
  const job = await jobs.get(jobId);
  if (!job) return reply.reply(m.missing);
  if (job.userId !== actor.userId) return reply.reply(m.notYours);
  if (!canSendAgain(job, now())) return reply.reply(m.expired);
  // The download can outlast Discord's 3 s.
  await reply.deferPrivately();
  const got = await download(job.videoUrl!, reply.uploadLimit);
  if (!got.ok) logger.warn({ jobId, reason: got.reason }, 'send again: video not attached');
  const file: VideoFile | undefined = got.ok ? { name: videoFileName(job), data: got.data } : undefined;
  const sizeBytes = got.ok ? got.data.length : got.reason === 'too_large' ? got.size : undefined;
  // Too large (for this route, or already at the download) says so with the numbers; a failed download says it is not attachable.
  const tooLarge = file !== undefined || (!got.ok && got.reason === 'too_large');
  // `limitBytes` undefined: Discord refused the file below its stated limit, so no limit is quoted. The same card
  // as the job message's, with this one video (a take of several is sent alone).
  const asLink = (limitBytes: number | undefined): CardPayload => {
    const why: NotAttached =
      !got.ok && got.reason === 'refused'
        ? { code: 'link_refused' }
        : !tooLarge
          ? { code: 'not_downloaded' }
          : limitBytes === undefined
            ? { code: 'refused', sizeBytes }
            : { code: 'too_large', sizeBytes, limitBytes };
    return renderCard([job], { kind: 'delivered', notAttached: new Map([[job.id, why]]) }, {}, words);
  };

  let tokenDead: boolean;
  try {
    await answer(job, file, reply.uploadLimit, (p, f) => reply.editWithFile(p, f), asLink, words);
    return;
  } catch (err) {
    logger.warn({ jobId, err: (err as Error).message }, 'send again: the answer could not be written; sending by DM');
    tokenDead = isDeadToken(err);
  }
  let said = m.sentByDm;
  try {
    await answer(job, file, DEFAULT_UPLOAD_LIMIT, (p, f) => dm(job.userId, p, f), asLink, words);
  } catch (err) {
    logger.warn({ jobId, err: (err as Error).message }, 'send again: the DM failed too');
    said = m.notSent;
  }
  // A dead token is not used again (each refusal counts toward Discord's invalid-request ban, docs/discord.md);
  // after another failure a short answer may still get through, and nothing is lost when it does not.
  if (!tokenDead) await reply.edit({ text: said, rows: [] }).catch(() => undefined);
}

/** One route: the file when it fits `limit` and Discord takes it (a 413 below the stated limit falls back), else the link. */
async function answer(
  job: Job,
  file: VideoFile | undefined,
  limit: number,
  send: (p: CardPayload, f?: VideoFile) => Promise<void>,
  asLink: (limit: number | undefined) => CardPayload,
  m: Messages,
): Promise<void> {
  if (file && file.data.length <= limit) {
    try {
      return await send(renderCard([job], { kind: 'delivered', notAttached: new Map() }, {}, m), file);
    } catch (err) {
      if (!isTooLarge(err)) throw err;
      return await send(asLink(undefined));
    }
  }
  await send(asLink(limit));
}
