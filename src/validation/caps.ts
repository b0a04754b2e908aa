import { z } from 'zod';
import { DURATION_BOUNDS, MODEL_IDS, RESOLUTIONS } from '../models';

/**
 * A server's caps (/video-limits server), narrowing what the models allow. Stored in the server's settings
 * record (limits/) and applied by validation: one schema, one type.
 */
export const serverCapsSchema = z.object({
  maxDuration: z.number().int().min(1).max(DURATION_BOUNDS.max).optional(),
  maxResolution: z.enum(RESOLUTIONS).optional(),
  // An empty list would silently forbid every model; a server that wants that blocks with daily_videos:0.
  models: z.array(z.enum(MODEL_IDS)).min(1).optional(),
});

export type ServerCaps = z.infer<typeof serverCapsSchema>;

/** A moderator's change: `undefined` leaves a cap as it is, `null` removes it. */
export type CapsPatch = { [K in keyof ServerCaps]?: ServerCaps[K] | null };
