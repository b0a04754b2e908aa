import { z } from 'zod';
import { ApimartError, InsufficientBalance, InvalidRequest, Malformed, RateLimited, Transient, Unauthorized } from '../apimart/errors';
import type { TaskView } from '../apimart/parse';
import { clip } from '../util/clip';

/**
 * Why a job ended without a video for the member, as data: a code and the values its message needs. The job
 * record stores it (record.ts); the words are in src/discord/messages/. The detail goes to the log, never to
 * the channel.
 */

/** Provider messages are quoted to users; a long one is cut here, so the stored record stays small too. */
const PROVIDER_MESSAGE_MAX = 300;

const providerMessage = z.string().optional();

export const failureSchema = z.discriminatedUnion('code', [
  /** The provider may have accepted the submit, but the bot never heard it did: it stopped tracking the job. */
  z.object({ code: z.literal('unconfirmed') }),
  /** The provider never finished the task: the bot stopped waiting `waitedMs` after the submit (overdue.ts). */
  z.object({ code: z.literal('overdue'), waitedMs: z.number().min(0) }),
  /** 401/403 on the submit: the API key is refused. */
  z.object({ code: z.literal('unauthorized') }),
  /** 402 on the submit: the account's credit is used up. */
  z.object({ code: z.literal('no_credit') }),
  /** The provider refused the request for its content, with its reason when it gave one. */
  z.object({ code: z.literal('refused'), providerMessage }),
  /** 429 on the submit, after the client's retries. */
  z.object({ code: z.literal('busy') }),
  /** The submit provably never reached the provider. */
  z.object({ code: z.literal('unreachable') }),
  /** Anything else (a bug): the log has it. */
  z.object({ code: z.literal('internal') }),
  /** The provider reported the task failed, with its reason when it gave one. */
  z.object({ code: z.literal('task_failed'), providerMessage }),
  z.object({ code: z.literal('task_cancelled') }),
  /** Polls kept failing, or the provider no longer knows the task. */
  z.object({ code: z.literal('lost_track') }),
  /** A made video that no delivery route took (discord/job-message.ts). */
  z.object({ code: z.literal('undeliverable') }),
  /** A record of schema v1 stored the sentence itself; it is shown as it was written (record.ts). */
  z.object({ code: z.literal('legacy'), text: z.string() }),
]);

export type Failure = z.infer<typeof failureSchema>;
export type FailureCode = Failure['code'];

/** The provider's reason, cut to size; absent when it gave none. */
function quoted(message: string | undefined): { providerMessage?: string } {
  return message ? { providerMessage: clip(message, PROVIDER_MESSAGE_MAX) } : {};
}

export function submitFailure(err: unknown): Failure {
  if (err instanceof Unauthorized) return { code: 'unauthorized' };
  if (err instanceof InsufficientBalance) return { code: 'no_credit' };
  if (err instanceof InvalidRequest) return { code: 'refused', ...quoted(err.providerMessage?.replace(/^build_request_failed:\s*/, '')) };
  if (err instanceof RateLimited) return { code: 'busy' };
  if (err instanceof Transient && !err.maybeSent) return { code: 'unreachable' };
  if (err instanceof Transient || err instanceof Malformed) return { code: 'unconfirmed' };
  return { code: 'internal' };
}

export function taskFailure(view: TaskView): Failure {
  if (view.state === 'cancelled') return { code: 'task_cancelled' };
  return { code: 'task_failed', ...quoted(view.error?.message) };
}

/** Whether a failure means the bot, not the user, is at fault: logged at error level. */
export function isOperatorProblem(err: unknown): boolean {
  return err instanceof Unauthorized || err instanceof InsufficientBalance || (err instanceof ApimartError && err.kind === 'malformed');
}
