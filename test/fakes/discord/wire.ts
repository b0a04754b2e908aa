/** Discord's error shapes and the small facts every part of the fake shares (docs/discord.md). */

export const FLAG_EPHEMERAL = 1 << 6;
export const FLAG_LOADING = 1 << 7;
/** `IS_COMPONENTS_V2`: set on a message once, never removed. */
export const FLAG_COMPONENTS_V2 = 1 << 15;

export interface Result {
  status: number;
  json?: unknown;
  headers?: Record<string, string>;
}

export function apiError(status: number, code: number, message: string, extra?: Record<string, unknown>): Result {
  return { status, json: { message, code, ...extra } };
}

/** 400/50035 with Discord's nested `errors` shape, so DiscordAPIError prints the offending field. */
export function formError(path: (string | number)[], code: string, message: string): Result {
  let errors: any = { _errors: [{ code, message }] };
  for (const key of [...path].reverse()) errors = { [String(key)]: errors };
  return apiError(400, 50035, 'Invalid Form Body', { errors });
}

/** Discord counts text limits in code points, not UTF-16 units (discord/discord-api-docs#1315). */
export const chars = (s: string): number => [...s].length;
