/**
 * Per-model rules: the one table that both the slash command's choices and validation read, so the two
 * cannot disagree. Values from docs/apimart.md. The choices' names are words, in the messages' resources
 * (`commands.video.modelChoice`, src/discord/messages/locales/).
 */

export const RESOLUTIONS = ['540p', '720p', '1080p'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export const ASPECT_RATIOS = ['16:9', '9:16', '4:3', '3:4', '1:1'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

export interface ModelRules {
  id: string;
  minDuration: number;
  maxDuration: number;
  resolutions: readonly Resolution[];
}

export const MODELS = [
  { id: 'viduq3', minDuration: 3, maxDuration: 16, resolutions: ['540p', '720p', '1080p'] },
  { id: 'viduq3-mix', minDuration: 1, maxDuration: 16, resolutions: ['720p', '1080p'] },
] as const satisfies readonly ModelRules[];

export type ModelId = (typeof MODELS)[number]['id'];
export const MODEL_IDS = MODELS.map((m) => m.id) as [ModelId, ...ModelId[]];

export const DEFAULTS = {
  model: 'viduq3' as ModelId,
  duration: 5,
  resolution: '720p' as Resolution,
  aspectRatio: '16:9' as AspectRatio,
};

/**
 * `preview:true` (docs/commands.md): the quick, cheap take. Each value applies only where the user gave none;
 * the resolution is the model's lowest, so a preview of viduq3-mix (no 540p) is 720p rather than refused.
 */
export const PREVIEW_DEFAULTS = { model: 'viduq3' as ModelId, duration: 3 };
export const previewResolution = (rules: Pick<ModelRules, 'resolutions'>): Resolution => rules.resolutions[0] ?? DEFAULTS.resolution;

/** `variations` (docs/commands.md): that many takes of one request, each with its own seed, in one job message. */
export const VARIATIONS = { min: 1, max: 4, default: 1 } as const;

export const PROMPT_MAX = 5000;
export const SEED_MAX = 2_147_483_647;

export const IMAGE_RULES = {
  minImages: 1,
  maxImages: 7,
  minSide: 128,
  /** long side / short side */
  maxAspect: 4,
  maxBytes: 50 * 1024 * 1024,
  contentTypes: { 'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/webp': 'WebP' } as Record<string, string>,
};

/** The slash command's duration bounds: the widest any model allows; validation narrows per model. */
export const DURATION_BOUNDS = {
  min: Math.min(...MODELS.map((m) => m.minDuration)),
  max: Math.max(...MODELS.map((m) => m.maxDuration)),
};

export function modelRules(id: string): ModelRules | undefined {
  return MODELS.find((m) => m.id === id);
}
