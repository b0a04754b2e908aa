import {
  ComponentType,
  TextInputStyle,
  type APIComponentInLabel,
  type APILabelComponent,
  type APIModalInteractionResponseCallbackData,
  type APITextDisplayComponent,
} from 'discord.js';
import { ASPECT_RATIOS, DEFAULTS, DURATION_BOUNDS, IMAGE_RULES, MODELS, modelRules } from '../models';
import type { Job } from '../jobs/record';
import { modalId } from './custom-id';
import { en, type Messages } from './messages';
import { clip } from '../util/clip';

/**
 * The forms (modals) of Remix, Final and "Make a video": layout only, words from the catalogue. Discord's rules
 * (docs/discord.md): 1..5 top-level components, each input wrapped in a Label (label <= 45 characters,
 * description <= 100); a title <= 45; a text input's value and max_length <= 4000, while a prompt may have
 * 5000, so a longer prompt is not prefilled and a text display says so. Model and resolution share one select
 * (the pairs each model offers): with the prompt, duration, aspect ratio and either that note or the file
 * upload, the forms stay within five components.
 */

export type Modal = APIModalInteractionResponseCallbackData;

/** The custom ids of the forms' fields, read back by src/interactions/forms.ts. */
export const FIELD = { prompt: 'prompt', model: 'model', duration: 'duration', aspect: 'aspect', images: 'images' } as const;

/** Discord's text input limit (value and max_length). */
export const TEXT_INPUT_MAX = 4000;
const TITLE_MAX = 45;
const DESCRIPTION_MAX = 100;

/** `viduq3|720p`: one value of the model-and-resolution select. */
export const modelChoice = (model: string, resolution: string) => `${model}|${resolution}`;

function label(text: string, component: APIComponentInLabel, description?: string): APILabelComponent {
  return { type: ComponentType.Label, label: clip(text, TITLE_MAX), ...(description ? { description: clip(description, DESCRIPTION_MAX) } : {}), component };
}

const textDisplay = (content: string): APITextDisplayComponent => ({ type: ComponentType.TextDisplay, content });

/** The prompt field: prefilled when it fits; a prompt too long to hold is kept when the field is left empty. */
function promptField(prompt: string | undefined, m: Messages): { note?: APITextDisplayComponent; field: APILabelComponent } {
  const length = prompt === undefined ? 0 : [...prompt].length;
  const tooLong = length > TEXT_INPUT_MAX;
  const input: APIComponentInLabel = {
    type: ComponentType.TextInput,
    custom_id: FIELD.prompt,
    style: TextInputStyle.Paragraph,
    max_length: TEXT_INPUT_MAX,
    // Empty keeps a prompt too long to show, so the field is required only when it holds the prompt.
    required: !tooLong,
    ...(prompt !== undefined && !tooLong ? { value: prompt, min_length: 1 } : {}),
    ...(tooLong ? { placeholder: m.modals.promptKeep } : {}),
  };
  return {
    ...(tooLong ? { note: textDisplay(m.modals.promptNotShown({ length, max: TEXT_INPUT_MAX })) } : {}),
    field: label(m.modals.promptLabel, input, m.modals.promptDescription),
  };
}

function modelField(model: string, resolution: string, m: Messages): APILabelComponent {
  const options = MODELS.flatMap((rules) =>
    rules.resolutions.map((r) => ({ label: m.modals.modelOption({ model: m.modals.modelName[rules.id], resolution: r }), value: modelChoice(rules.id, r), default: rules.id === model && r === resolution })),
  );
  return label(m.modals.modelLabel, { type: ComponentType.StringSelect, custom_id: FIELD.model, options, min_values: 1, max_values: 1, required: true });
}

/** Every whole second a model allows: the widest range when the model is chosen in the same form. */
function durationField(duration: number, m: Messages, model?: string): APILabelComponent {
  const rules = model ? modelRules(model) : undefined;
  const min = rules?.minDuration ?? DURATION_BOUNDS.min;
  const max = rules?.maxDuration ?? DURATION_BOUNDS.max;
  const options = Array.from({ length: max - min + 1 }, (_, i) => min + i).map((s) => ({ label: m.job.duration({ seconds: s }), value: String(s), default: s === duration }));
  return label(m.modals.durationLabel, { type: ComponentType.StringSelect, custom_id: FIELD.duration, options, min_values: 1, max_values: 1, required: true });
}

function aspectField(aspect: string, m: Messages): APILabelComponent {
  return label(m.modals.aspectLabel, {
    type: ComponentType.RadioGroup,
    custom_id: FIELD.aspect,
    options: ASPECT_RATIOS.map((a) => ({ label: a, value: a, default: a === aspect })),
    required: true,
  });
}

/** Remix: the prompt and options of `job`, editable; its images stay. */
export function remixModal(job: Pick<Job, 'id' | 'request'>, m: Messages = en): Modal {
  const r = job.request;
  const prompt = promptField(r.prompt, m);
  return {
    custom_id: modalId('remix', job.id),
    title: m.modals.remixTitle,
    components: [...(prompt.note ? [prompt.note] : []), prompt.field, modelField(r.model, r.resolution, m), durationField(r.duration, m), aspectField(r.aspect_ratio, m)],
  };
}

/** Final: everything of `job` but the resolution (1080p) and the duration, asked here starting from the original's. */
export function finalModal(job: Pick<Job, 'id' | 'request'> & { request: { seed: number } }, m: Messages = en): Modal {
  const r = job.request;
  return {
    custom_id: modalId('final', job.id),
    title: m.modals.finalTitle,
    components: [textDisplay(m.modals.finalSummary({ seed: r.seed, model: r.model, aspectRatio: r.aspect_ratio })), durationField(r.duration, m, r.model)],
  };
}

/**
 * "Make a video": `found` images taken from the message (of `total` it has), a prompt to write, the options
 * at their defaults, and an upload for the room left under the 7; when the message's images fill it, a note
 * in the upload's place says so (and, past 7, that only the first ones are used).
 */
export function makeModal(draftId: string, found: number, total: number, m: Messages = en): Modal {
  const room = IMAGE_RULES.maxImages - found;
  const more =
    room > 0
      ? label(
          m.modals.uploadLabel,
          { type: ComponentType.FileUpload, custom_id: FIELD.images, min_values: 0, max_values: room, required: false },
          m.modals.uploadDescription({ found, room }),
        )
      : textDisplay(m.modals.imagesFull({ found, total, max: IMAGE_RULES.maxImages }));
  return {
    custom_id: modalId('make', draftId),
    title: m.modals.makeTitle({ count: found }),
    components: [promptField(undefined, m).field, modelField(DEFAULTS.model, DEFAULTS.resolution, m), durationField(DEFAULTS.duration, m), aspectField(DEFAULTS.aspectRatio, m), more],
  };
}
