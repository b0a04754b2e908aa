import { z } from 'zod';
import { ASPECT_RATIOS, MODEL_IDS, RESOLUTIONS } from '../models';

/**
 * The submit body of `POST /v1/videos/generations`, exactly as sent, and only the fields docs/apimart.md
 * documents for these models. Validation builds it, job records store it, the client sends it.
 */
export const generationRequestSchema = z.object({
  model: z.enum(MODEL_IDS),
  prompt: z.string(),
  image_urls: z.array(z.string()).min(1),
  duration: z.number().int(),
  resolution: z.enum(RESOLUTIONS),
  aspect_ratio: z.enum(ASPECT_RATIOS),
  seed: z.number().int().optional(),
});

export type GenerationRequest = z.infer<typeof generationRequestSchema>;
