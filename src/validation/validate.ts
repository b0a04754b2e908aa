import {
  ASPECT_RATIOS,
  DEFAULTS,
  IMAGE_RULES,
  MODELS,
  PROMPT_MAX,
  RESOLUTIONS,
  SEED_MAX,
  modelRules,
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
}

export interface VideoRequestInput {
  prompt: string;
  model?: string | null;
  duration?: number | null;
  resolution?: string | null;
  aspectRatio?: string | null;
  seed?: number | null;
  attachments: AttachmentMeta[];
}


export type ValidationResult = { ok: true; request: GenerationRequest } | { ok: false; problems: string[] };

const MB = 1024 * 1024;
const fmtMb = (bytes: number) => `${(bytes / MB).toFixed(bytes % MB === 0 ? 0 : 1)} MB`;
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
function attachmentProblems(a: AttachmentMeta, label: string): string[] {
  const problems: string[] = [];
  const name = `${label} (${a.filename})`;
  const { width, height } = a;
  const unread = width == null || height == null;
  // An unreadable file gets one sentence, not also "not a recognised image" for the type it could not show.
  if (!unread && !IMAGE_RULES.contentTypes[claimedType(a.contentType) ?? '']) {
    problems.push(`${name} is ${a.contentType ? `of type ${a.contentType}` : 'not a recognised image'}; use PNG, JPEG or WebP.`);
  }
  if (impossible(a.size)) problems.push(`${name} has an impossible file size (${a.size} bytes) in Discord's data; upload it again.`);
  else if (a.size > IMAGE_RULES.maxBytes) {
    problems.push(`${name} is ${fmtMb(a.size)}; each image can be at most ${fmtMb(IMAGE_RULES.maxBytes)}.`);
  }
  if (!/^https?:\/\//i.test(a.url)) problems.push(`${name} has no usable link; upload it again.`);
  if (impossible(width) || impossible(height)) {
    problems.push(`${name} has an impossible size (${width}x${height} px) in Discord's data; upload it again.`);
    return problems;
  }
  if (unread || width <= 0 || height <= 0) {
    problems.push(`${name}: its size could not be read; make sure it is a valid image file.`);
    return problems;
  }
  const { minSide, maxAspect } = IMAGE_RULES;
  if (width < minSide || height < minSide) {
    problems.push(`${name} is ${width}x${height} px; images must be at least ${minSide}x${minSide} px.`);
  }
  // Exact rational comparison: 512x128 is allowed, 513x128 is not.
  if (width > height * maxAspect || height > width * maxAspect) {
    problems.push(`${name} is ${width}x${height} px, too ${width > height ? 'wide' : 'tall'}; the aspect ratio must be between 1:4 and 4:1.`);
  }
  return problems;
}

/** The options a request carries, without its images. */
export type RequestOptions = Omit<VideoRequestInput, 'attachments'>;

/**
 * Problems with a request's options (prompt, model, duration, resolution, aspect ratio, seed) and the
 * server's caps. Re-roll checks only these: its images were checked when they were first submitted.
 */
export function optionProblems(input: RequestOptions, caps: ServerCaps = {}): string[] {
  const problems: string[] = [];

  const prompt = input.prompt.trim();
  if (!prompt) problems.push('The prompt is empty; describe the motion and camera you want.');
  else if (codePoints(prompt) > PROMPT_MAX) {
    problems.push(`The prompt is ${codePoints(prompt)} characters; the limit is ${PROMPT_MAX}.`);
  }

  const modelId = input.model ?? DEFAULTS.model;
  const rules = modelRules(modelId);
  if (!rules) problems.push(`Unknown model "${modelId}"; choose ${MODELS.map((m) => m.id).join(' or ')}.`);
  else if (caps.models && !caps.models.includes(rules.id as ModelId)) {
    problems.push(`This server does not allow ${rules.id}; allowed: ${caps.models.join(', ') || 'none'}.`);
  }

  const duration = input.duration ?? DEFAULTS.duration;
  if (!Number.isInteger(duration)) problems.push(`The duration must be a whole number of seconds; you asked for ${duration}.`);
  else if (rules && (duration < rules.minDuration || duration > rules.maxDuration)) {
    problems.push(`${rules.id} supports ${rules.minDuration} to ${rules.maxDuration} seconds; you asked for ${duration}.`);
  } else if (caps.maxDuration !== undefined && duration > caps.maxDuration) {
    problems.push(`This server allows videos of at most ${caps.maxDuration} seconds; you asked for ${duration}.`);
  }

  const resolution = (input.resolution ?? DEFAULTS.resolution) as Resolution;
  if (!RESOLUTIONS.includes(resolution)) {
    problems.push(`Unknown resolution "${resolution}"; choose ${RESOLUTIONS.join(', ')}.`);
  } else if (rules && !rules.resolutions.includes(resolution)) {
    problems.push(`${rules.id} does not offer ${resolution}; choose ${rules.resolutions.join(' or ')}.`);
  } else if (caps.maxResolution && RESOLUTIONS.indexOf(resolution) > RESOLUTIONS.indexOf(caps.maxResolution)) {
    problems.push(`This server allows at most ${caps.maxResolution}; you asked for ${resolution}.`);
  }

  const aspect = (input.aspectRatio ?? DEFAULTS.aspectRatio) as AspectRatio;
  if (!ASPECT_RATIOS.includes(aspect)) problems.push(`Unknown aspect ratio "${aspect}"; choose ${ASPECT_RATIOS.join(', ')}.`);

  const seed = input.seed ?? undefined;
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > SEED_MAX)) {
    problems.push(`The seed must be a whole number from 0 to ${SEED_MAX}; you gave ${seed}.`);
  }

  return problems;
}

/** Problems with the images: count, type, size, dimensions, aspect. */
export function imageProblems(attachments: AttachmentMeta[]): string[] {
  const problems: string[] = [];
  if (attachments.length < IMAGE_RULES.minImages) problems.push('Attach at least one reference image.');
  else if (attachments.length > IMAGE_RULES.maxImages) {
    problems.push(`You attached ${attachments.length} images; the limit is ${IMAGE_RULES.maxImages}.`);
  }
  attachments.forEach((a, i) => problems.push(...attachmentProblems(a, `image${i + 1}`)));
  return problems;
}

/**
 * Request + attachment metadata -> the APIMart body with defaults applied, or every problem found, each a
 * sentence a Discord user understands. Pure: no I/O. Attachments must have been through completeAttachmentSizes
 * (probe.ts) first, which reads the bytes of every attachment whose metadata cannot be trusted.
 */
export function validateVideoRequest(input: VideoRequestInput, caps: ServerCaps = {}): ValidationResult {
  const problems = [...optionProblems(input, caps), ...imageProblems(input.attachments)];
  if (problems.length) return { ok: false, problems };
  return { ok: true, request: toRequest(input, input.attachments.map((a) => a.url)) };
}

/** The submit body of options already checked by optionProblems. */
export function toRequest(input: RequestOptions, imageUrls: string[]): GenerationRequest {
  const seed = input.seed ?? undefined;
  return {
    model: (input.model ?? DEFAULTS.model) as ModelId,
    prompt: input.prompt.trim(),
    image_urls: imageUrls,
    duration: input.duration ?? DEFAULTS.duration,
    resolution: (input.resolution ?? DEFAULTS.resolution) as Resolution,
    aspect_ratio: (input.aspectRatio ?? DEFAULTS.aspectRatio) as AspectRatio,
    ...(seed !== undefined ? { seed } : {}),
  };
}
