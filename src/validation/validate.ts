import {
  ASPECT_RATIOS,
  DEFAULTS,
  IMAGE_RULES,
  MODELS,
  PROMPT_MAX,
  RESOLUTIONS,
  PREVIEW_DEFAULTS,
  SEED_MAX,
  VARIATIONS,
  modelRules,
  previewResolution,
  type AspectRatio,
  type ModelId,
  type Resolution,
} from '../models';
import type { GenerationRequest } from '../apimart/request';
import type { ServerCaps } from './caps';

/** What Discord tells us about an attachment, before any byte is read. */
export interface AttachmentMeta {
  url: string;
  filename: string;
  contentType: string | null;
  size: number;
  width: number | null;
  height: number | null;
  /** The probe could not load the link at all (an HTTP error, a timeout, a refused address): probe.ts. */
  unreachable?: boolean;
}

export interface VideoRequestInput {
  prompt: string;
  model?: string | null;
  duration?: number | null;
  resolution?: string | null;
  aspectRatio?: string | null;
  seed?: number | null;
  /** The quick, cheap defaults (models.ts PREVIEW_DEFAULTS) for the options not given. */
  preview?: boolean | null;
  /** How many takes (models.ts VARIATIONS); not part of the submit body, each take is its own task. */
  variations?: number | null;
  attachments: AttachmentMeta[];
  /** How many of `attachments`, first, come from a saved reference set (/video-refs) rather than the options. */
  fromSet?: number;
}


/**
 * One thing wrong with a request, as data: a code and the values that word it. The sentences live in the
 * Discord adapter's messages (src/discord/messages/), one catalogue per language. `image` is the 1-based
 * option number (image1..image7) and `filename` the name as uploaded, so a message can name the file.
 */
export type Problem =
  | { code: 'prompt_empty' }
  | { code: 'prompt_too_long'; length: number; max: number }
  | { code: 'model_unknown'; model: string; choices: string[] }
  | { code: 'model_not_allowed'; model: string; allowed: string[] }
  | { code: 'duration_not_whole'; duration: number }
  | { code: 'duration_out_of_range'; model: string; min: number; max: number; duration: number }
  | { code: 'duration_over_cap'; max: number; duration: number }
  | { code: 'resolution_unknown'; resolution: string; choices: string[] }
  | { code: 'resolution_not_offered'; model: string; resolution: string; choices: string[] }
  | { code: 'resolution_over_cap'; max: string; resolution: string }
  | { code: 'aspect_ratio_unknown'; aspectRatio: string; choices: string[] }
  | { code: 'seed_out_of_range'; seed: number; max: number }
  | { code: 'variations_out_of_range'; variations: number; min: number; max: number }
  | { code: 'images_missing' }
  | { code: 'images_too_many'; count: number; max: number; fromSet: number }
  | ImageProblem;

interface ImageRef {
  image: number;
  filename: string;
}
/** A problem with one attachment. */
export type ImageProblem = ImageRef &
  (
    | { code: 'image_not_recognised' }
    | { code: 'image_type'; contentType: string }
    | { code: 'image_file_size_impossible'; bytes: number }
    | { code: 'image_too_large'; bytes: number; max: number }
    | { code: 'image_no_link' }
    | { code: 'image_dimensions_impossible'; width: number | null; height: number | null }
    | { code: 'image_link_dead' }
    | { code: 'image_unreadable' }
    | { code: 'image_too_small'; width: number; height: number; min: number }
    | { code: 'image_aspect'; width: number; height: number; orientation: 'wide' | 'tall'; maxAspect: number }
  );

export type ValidationResult = { ok: true; request: GenerationRequest } | { ok: false; problems: Problem[] };

const codePoints = (s: string) => [...s].length;

/** A content type as claimed, normalised (`Image/JPG; x=y` -> `image/jpeg`); undefined when there is none. */
export function claimedType(contentType: string | null): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type ? (type === 'image/jpg' ? 'image/jpeg' : type) : undefined;
}

/** Discord's numbers arrive as JSON, where `1e999` is Infinity; a count of bytes or pixels is a whole number. */
const impossible = (n: number | null) => n !== null && !(Number.isSafeInteger(n) && n >= 0);

/**
 * The type is the content type alone: after probing (probe.ts) it is either one the file name agrees with or
 * the one read from the bytes, so a name like `evil.svg.png` proves nothing.
 */
function attachmentProblems(a: AttachmentMeta, image: number, maxBytes: number): ImageProblem[] {
  const problems: ImageProblem[] = [];
  const ref: ImageRef = { image, filename: a.filename };
  // Nothing else can be said of a file that could not be fetched, and "unreadable" would blame the file.
  if (a.unreachable) return [{ ...ref, code: 'image_link_dead' }];
  const { width, height } = a;
  const unread = width == null || height == null;
  // An unreadable file gets one problem, not also "not a recognised image" for the type it could not show.
  if (!unread && !IMAGE_RULES.contentTypes[claimedType(a.contentType) ?? '']) {
    problems.push(a.contentType ? { ...ref, code: 'image_type', contentType: a.contentType } : { ...ref, code: 'image_not_recognised' });
  }
  if (impossible(a.size)) problems.push({ ...ref, code: 'image_file_size_impossible', bytes: a.size });
  else if (a.size > maxBytes) problems.push({ ...ref, code: 'image_too_large', bytes: a.size, max: maxBytes });
  if (!/^https?:\/\//i.test(a.url)) problems.push({ ...ref, code: 'image_no_link' });
  if (impossible(width) || impossible(height)) {
    problems.push({ ...ref, code: 'image_dimensions_impossible', width, height });
    return problems;
  }
  if (unread || width <= 0 || height <= 0) {
    problems.push({ ...ref, code: 'image_unreadable' });
    return problems;
  }
  const { minSide, maxAspect } = IMAGE_RULES;
  if (width < minSide || height < minSide) problems.push({ ...ref, code: 'image_too_small', width, height, min: minSide });
  // Exact rational comparison: 512x128 is allowed, 513x128 is not.
  if (width > height * maxAspect || height > width * maxAspect) {
    problems.push({ ...ref, code: 'image_aspect', width, height, orientation: width > height ? 'wide' : 'tall', maxAspect });
  }
  return problems;
}

/** The options a request carries, without its images. */
export type RequestOptions = Omit<VideoRequestInput, 'attachments' | 'fromSet'>;

/** The options with the defaults applied where the user gave none: preview's (models.ts), else the usual. */
function withDefaults(input: RequestOptions): { model: string; duration: number; resolution: string; aspectRatio: string } {
  const model = input.model ?? (input.preview ? PREVIEW_DEFAULTS.model : DEFAULTS.model);
  const rules = modelRules(model);
  return {
    model,
    duration: input.duration ?? (input.preview ? PREVIEW_DEFAULTS.duration : DEFAULTS.duration),
    resolution: input.resolution ?? (input.preview && rules ? previewResolution(rules) : DEFAULTS.resolution),
    aspectRatio: input.aspectRatio ?? DEFAULTS.aspectRatio,
  };
}

/**
 * Problems with a request's options (prompt, model, duration, resolution, aspect ratio, seed) and the
 * server's caps. Re-roll checks only these: its images were checked when they were first submitted.
 */
export function optionProblems(input: RequestOptions, caps: ServerCaps = {}): Problem[] {
  const problems: Problem[] = [];

  const prompt = input.prompt.trim();
  if (!prompt) problems.push({ code: 'prompt_empty' });
  else if (codePoints(prompt) > PROMPT_MAX) problems.push({ code: 'prompt_too_long', length: codePoints(prompt), max: PROMPT_MAX });

  const given = withDefaults(input);
  const modelId = given.model;
  const rules = modelRules(modelId);
  if (!rules) problems.push({ code: 'model_unknown', model: modelId, choices: MODELS.map((m) => m.id) });
  else if (caps.models && !caps.models.includes(rules.id as ModelId)) {
    problems.push({ code: 'model_not_allowed', model: rules.id, allowed: [...caps.models] });
  }

  const duration = given.duration;
  if (!Number.isInteger(duration)) problems.push({ code: 'duration_not_whole', duration });
  else if (rules && (duration < rules.minDuration || duration > rules.maxDuration)) {
    problems.push({ code: 'duration_out_of_range', model: rules.id, min: rules.minDuration, max: rules.maxDuration, duration });
  } else if (caps.maxDuration !== undefined && duration > caps.maxDuration) {
    problems.push({ code: 'duration_over_cap', max: caps.maxDuration, duration });
  }

  const resolution = given.resolution as Resolution;
  if (!RESOLUTIONS.includes(resolution)) {
    problems.push({ code: 'resolution_unknown', resolution, choices: [...RESOLUTIONS] });
  } else if (rules && !rules.resolutions.includes(resolution)) {
    problems.push({ code: 'resolution_not_offered', model: rules.id, resolution, choices: [...rules.resolutions] });
  } else if (caps.maxResolution && RESOLUTIONS.indexOf(resolution) > RESOLUTIONS.indexOf(caps.maxResolution)) {
    problems.push({ code: 'resolution_over_cap', max: caps.maxResolution, resolution });
  }

  const aspect = given.aspectRatio as AspectRatio;
  if (!ASPECT_RATIOS.includes(aspect)) problems.push({ code: 'aspect_ratio_unknown', aspectRatio: aspect, choices: [...ASPECT_RATIOS] });

  const seed = input.seed ?? undefined;
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > SEED_MAX)) {
    problems.push({ code: 'seed_out_of_range', seed, max: SEED_MAX });
  }

  const variations = input.variations ?? undefined;
  if (variations !== undefined && (!Number.isInteger(variations) || variations < VARIATIONS.min || variations > VARIATIONS.max)) {
    problems.push({ code: 'variations_out_of_range', variations, min: VARIATIONS.min, max: VARIATIONS.max });
  }

  return problems;
}

/**
 * Problems with the images: count, type, size, dimensions, aspect. The first `fromSet` come from a saved set;
 * the others are numbered as the options that carried them (image1 is the first attached). `maxBytes`: a
 * tighter bound than the image rules', for images the bot keeps (/video-refs).
 */
export function imageProblems(attachments: AttachmentMeta[], opts: { fromSet?: number; maxBytes?: number } = {}): Problem[] {
  const fromSet = opts.fromSet ?? 0;
  const problems: Problem[] = [];
  if (attachments.length < IMAGE_RULES.minImages) problems.push({ code: 'images_missing' });
  else if (attachments.length > IMAGE_RULES.maxImages) {
    problems.push({ code: 'images_too_many', count: attachments.length, max: IMAGE_RULES.maxImages, fromSet });
  }
  attachments.forEach((a, i) => problems.push(...attachmentProblems(a, i < fromSet ? i + 1 : i + 1 - fromSet, opts.maxBytes ?? IMAGE_RULES.maxBytes)));
  return problems;
}

/**
 * Request + attachment metadata -> the APIMart body with defaults applied, or every problem found, as data
 * (worded for Discord by src/discord/messages/). Pure: no I/O. Attachments must have been through
 * completeAttachmentSizes (probe.ts) first, which reads the bytes of every attachment whose metadata cannot
 * be trusted.
 */
export function validateVideoRequest(input: VideoRequestInput, caps: ServerCaps = {}): ValidationResult {
  const problems = [...optionProblems(input, caps), ...imageProblems(input.attachments, { fromSet: input.fromSet ?? 0 })];
  if (problems.length) return { ok: false, problems };
  return { ok: true, request: toRequest(input, input.attachments.map((a) => a.url)) };
}

/** The submit body of options already checked by optionProblems. */
export function toRequest(input: RequestOptions, imageUrls: string[]): GenerationRequest {
  const seed = input.seed ?? undefined;
  const given = withDefaults(input);
  return {
    model: given.model as ModelId,
    prompt: input.prompt.trim(),
    image_urls: imageUrls,
    duration: given.duration,
    resolution: given.resolution as Resolution,
    aspect_ratio: given.aspectRatio as AspectRatio,
    ...(seed !== undefined ? { seed } : {}),
  };
}
