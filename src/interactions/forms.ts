import { FIELD } from '../discord/modals';
import type { AttachmentMeta, RequestOptions } from '../validation';

/**
 * A modal submit's answers, as the cores read them: the discord.js edge (./edge.ts) reads them off a real
 * submit, a test gives them directly. A field the form did not have, or left empty, is null (or no files).
 */
export interface FormAnswers {
  text(id: string): string | null;
  /** A select's first value or a radio group's value. */
  choice(id: string): string | null;
  files(id: string): AttachmentMeta[];
}

/**
 * The options of a video form (src/discord/modals.ts): each as the member chose it, for validation to judge
 * like /video's. `prompt` is null when the field was left empty.
 */
export function formOptions(answers: FormAnswers): Omit<RequestOptions, 'prompt'> & { prompt: string | null } {
  const [model, resolution] = answers.choice(FIELD.model)?.split('|') ?? [];
  const duration = answers.choice(FIELD.duration);
  return {
    prompt: answers.text(FIELD.prompt) || null,
    model: model ?? null,
    resolution: resolution ?? null,
    duration: duration === null ? null : Number(duration),
    aspectRatio: answers.choice(FIELD.aspect),
  };
}
