import { ApimartError, InsufficientBalance, InvalidRequest, Malformed, RateLimited, Transient, Unauthorized } from '../apimart/errors';
import type { TaskView } from '../apimart/parse';
import { clip } from '../util/clip';

/** One friendly sentence per way a job can fail. The detail goes to the log, never to the channel. */

/** Provider messages are quoted to users; a long one is cut here. */
const PROVIDER_MESSAGE_MAX = 300;

export const UNCONFIRMED =
  'The video service did not confirm the submission, so the bot stopped tracking it and gave your quota back. Please run /video again.';

/** Why a made video is not in the channel, as the job message says it (the video link follows it). */
export const UNDELIVERABLE = 'Discord refused every way the bot tried to post it: this message, a new message in the channel and a DM to you.';

/** A task the provider never finished: the bot stopped waiting `waitedMs` after the submit (overdue.ts). */
export function overdueText(waitedMs: number): string {
  const minutes = Math.round(waitedMs / 60_000);
  return `The video service had still not finished it after ${minutes} minutes, so the bot stopped waiting and gave your quota back. Please try again.`;
}

export function submitFailureText(err: unknown): string {
  if (err instanceof Unauthorized) return 'The bot is misconfigured: the video service refused its API key. Please tell a server admin.';
  if (err instanceof InsufficientBalance) return "The bot's video credit is used up. Please tell the bot's owner.";
  if (err instanceof InvalidRequest) {
    const why = err.providerMessage?.replace(/^build_request_failed:\s*/, '');
    return why ? `The video service refused the request: ${clip(why, PROVIDER_MESSAGE_MAX)}` : 'The video service refused the request.';
  }
  if (err instanceof RateLimited) return 'The video service is busy right now. Please try again in a minute.';
  if (err instanceof Transient && !err.maybeSent) return 'The video service could not be reached. Please try again in a minute.';
  if (err instanceof Transient || err instanceof Malformed) return UNCONFIRMED;
  return 'Something went wrong on our side. Please try again.';
}

export function taskFailureText(view: TaskView): string {
  const message = view.error?.message;
  if (view.state === 'cancelled') return 'The video service cancelled the task.';
  return message ? `The video service could not make it: ${clip(message, PROVIDER_MESSAGE_MAX)}` : 'The video service could not make it.';
}

/** Whether a failure means the bot, not the user, is at fault: logged at error level. */
export function isOperatorProblem(err: unknown): boolean {
  return err instanceof Unauthorized || err instanceof InsufficientBalance || (err instanceof ApimartError && err.kind === 'malformed');
}
