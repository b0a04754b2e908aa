import { z } from 'zod';

/**
 * Button custom ids carry an action and a job id, nothing else: whatever a handler needs is read from the
 * store, so a forged id can at most name a job, and the handler checks who may act on it.
 */
export const BUTTON_ACTIONS = ['cancel', 'reroll', 'resend', 'remix', 'final', 'delete', 'approve', 'deny'] as const;
export type ButtonAction = (typeof BUTTON_ACTIONS)[number];
export const CUSTOM_ID_PREFIX = 'vidu';

const JOB_ID = /^[a-z0-9]{8,32}$/;

const customIdSchema = z
  .string()
  .max(100)
  .transform((s) => s.split(':'))
  .pipe(z.tuple([z.literal(CUSTOM_ID_PREFIX), z.enum(BUTTON_ACTIONS), z.string().regex(JOB_ID)]))
  .transform(([, action, jobId]) => ({ action, jobId }));

export function buttonId(action: ButtonAction, jobId: string): string {
  return `${CUSTOM_ID_PREFIX}:${action}:${jobId}`;
}

export function parseButtonId(id: string): { action: ButtonAction; jobId: string } | undefined {
  const parsed = customIdSchema.safeParse(id);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Modal custom ids: the form and what it is about. Remix and Final name the source job; "Make a video" names
 * the message command's interaction, under whose id the target message's images wait (interactions/drafts.ts).
 * Checked like button ids: a forged one can at most name a job or a draft, and the handler checks the rest.
 */
export const MODAL_ACTIONS = ['remix', 'final', 'make'] as const;
export type ModalAction = (typeof MODAL_ACTIONS)[number];
const MODAL_PREFIX = 'vidu-modal';

const modalIdSchema = z
  .string()
  .max(100)
  .transform((s) => s.split(':'))
  .pipe(
    z.union([
      z.tuple([z.literal(MODAL_PREFIX), z.enum(['remix', 'final']), z.string().regex(JOB_ID)]),
      // An interaction id: a snowflake.
      z.tuple([z.literal(MODAL_PREFIX), z.literal('make'), z.string().regex(/^\d{1,20}$/)]),
    ]),
  )
  .transform(([, action, subject]) => ({ action, subject }));

export function modalId(action: ModalAction, subject: string): string {
  return `${MODAL_PREFIX}:${action}:${subject}`;
}

/** `subject`: the job id (remix, final) or the message command's interaction id (make). */
export function parseModalId(id: string): { action: ModalAction; subject: string } | undefined {
  const parsed = modalIdSchema.safeParse(id);
  return parsed.success ? parsed.data : undefined;
}
