import { z } from 'zod';

/**
 * Button custom ids carry an action and a job id, nothing else: whatever a handler needs is read from the
 * store, so a forged id can at most name a job, and the handler checks who may act on it.
 */
export const BUTTON_ACTIONS = ['cancel', 'reroll', 'resend'] as const;
export type ButtonAction = (typeof BUTTON_ACTIONS)[number];
export const CUSTOM_ID_PREFIX = 'vidu';

const customIdSchema = z
  .string()
  .max(100)
  .regex(new RegExp(`^${CUSTOM_ID_PREFIX}:(${BUTTON_ACTIONS.join('|')}):[a-z0-9]{8,32}$`))
  .transform((s) => {
    const [, action, jobId] = s.split(':') as [string, ButtonAction, string];
    return { action, jobId };
  });

export function buttonId(action: ButtonAction, jobId: string): string {
  return `${CUSTOM_ID_PREFIX}:${action}:${jobId}`;
}

export function parseButtonId(id: string): { action: ButtonAction; jobId: string } | undefined {
  const parsed = customIdSchema.safeParse(id);
  return parsed.success ? parsed.data : undefined;
}
