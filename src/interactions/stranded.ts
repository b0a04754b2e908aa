/**
 * What a restart does with a deferred reply that no job took over (./pending.ts): the decision alone, without I/O.
 *
 * - `mine`: this process is answering it (interactions are served from before the login): left alone.
 * - `later`: younger than the grace: a process that owned the shard until a moment ago may still answer it.
 * - `expired`: its token is dead, or dies before an edit could land: nothing can reach the reply; dropped.
 * - `check`: look for a job record of the interaction, then answer the reply if there is none.
 */
export type StrandedAction = { kind: 'mine' } | { kind: 'later'; inMs: number } | { kind: 'expired' } | { kind: 'check' };

/** A reply is left alone this long after its deferral; then it is answered if no job took it. */
export const STRANDED_GRACE_MS = 5_000;
/** An edit needs its token alive a little longer than the call: a token closer to its end is not used. */
const TOKEN_MARGIN_MS = 10_000;

export function strandedAction(marker: { createdAt: number; tokenExpiresAt: number }, now: number, inUse: boolean, graceMs = STRANDED_GRACE_MS): StrandedAction {
  if (inUse) return { kind: 'mine' };
  if (marker.tokenExpiresAt - TOKEN_MARGIN_MS <= now) return { kind: 'expired' };
  const age = now - marker.createdAt;
  if (age < graceMs) return { kind: 'later', inMs: graceMs - age };
  return { kind: 'check' };
}
