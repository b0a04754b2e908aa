/**
 * What Discord refuses in Components V2 messages, modals and autocomplete answers (docs/discord.md,
 * "Components V2 and modals"). Each check answers the first violation as Discord does: 400 / 50035 with the
 * offending field's path in `errors`.
 */
import { chars, formError, FLAG_COMPONENTS_V2, type Result } from './wire';
import type { FakeMessage } from './types';

type Path = (string | number)[];

/** Top-level component types of a V2 message, in the order Discord lists them in its error. */
const V2_TOP_LEVEL = [1, 9, 10, 12, 13, 14, 17];
const CONTAINER_CHILDREN = [1, 9, 10, 12, 13, 14];
const SELECTS = [3, 5, 6, 7, 8];
export const MAX_V2_COMPONENTS = 40;
export const MAX_TEXT_DISPLAY_CHARS = 4000;

const typeChoices = (at: Path, allowed: number[]): Result =>
  formError([...at, 'type'], 'UNION_TYPE_CHOICES', `Value of field "type" must be one of (${allowed.join(', ')}).`);
const badLength = (at: Path, min: number, max: number): Result =>
  formError(at, 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${max} in length.`);
const required = (at: Path): Result => formError(at, 'BASE_TYPE_REQUIRED', 'This field is required');

function lengthProblem(value: unknown, at: Path, min: number, max: number, optional = false): Result | undefined {
  if (value === undefined || value === null) return optional ? undefined : required(at);
  if (typeof value !== 'string') return formError(at, 'BASE_TYPE_STRING', 'Must be a string.');
  const n = chars(value);
  return n < min || n > max ? badLength(at, min, max) : undefined;
}

function rangeProblem(value: unknown, at: Path, min: number, max: number): Result | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) return formError(at, 'NUMBER_TYPE_COERCE', `Value "${String(value)}" is not int.`);
  if (value < min) return formError(at, 'NUMBER_TYPE_MIN', `int value should be greater than or equal to ${min}.`);
  if (value > max) return formError(at, 'NUMBER_TYPE_MAX', `int value should be less than or equal to ${max}.`);
  return undefined;
}

function customIdProblem(c: any, at: Path, seen: Set<string>): Result | undefined {
  const bad = lengthProblem(c.custom_id, [...at, 'custom_id'], 1, 100);
  if (bad) return bad;
  if (seen.has(c.custom_id)) return formError([...at, 'custom_id'], 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
  seen.add(c.custom_id);
  return undefined;
}

function optionsProblem(options: unknown, at: Path, min: number, max: number): Result | undefined {
  if (!Array.isArray(options)) return required(at);
  if (options.length < min || options.length > max) return badLength(at, min, max);
  for (const [k, o] of options.entries()) {
    const bad = lengthProblem(o?.label, [...at, k, 'label'], 1, 100) ?? lengthProblem(o?.value, [...at, k, 'value'], 1, 100) ?? lengthProblem(o?.description, [...at, k, 'description'], 1, 100, true);
    if (bad) return bad;
  }
  return undefined;
}

function minMaxProblem(c: any, at: Path, minLimit: number, maxLimit: number): Result | undefined {
  const bad = rangeProblem(c.min_values, [...at, 'min_values'], 0, minLimit) ?? rangeProblem(c.max_values, [...at, 'max_values'], 1, maxLimit);
  if (bad) return bad;
  if (typeof c.min_values === 'number' && typeof c.max_values === 'number' && c.min_values > c.max_values) {
    return formError([...at, 'min_values'], 'SELECT_COMPONENT_MIN_VALUES_GREATER_THAN_MAX', 'min_values must be less than or equal to max_values');
  }
  return undefined;
}

/** A string select (messages and modals): 1..25 options, min/max values within them. */
function stringSelectProblem(c: any, at: Path, seen: Set<string>): Result | undefined {
  return (
    customIdProblem(c, at, seen) ??
    optionsProblem(c.options, [...at, 'options'], 1, 25) ??
    minMaxProblem(c, at, 25, 25) ??
    (typeof c.max_values === 'number' && Array.isArray(c.options) && c.max_values > c.options.length
      ? formError([...at, 'max_values'], 'SELECT_COMPONENT_TOO_MANY_VALUES', `max_values must be less than or equal to the number of options (${c.options.length})`)
      : undefined) ??
    lengthProblem(c.placeholder, [...at, 'placeholder'], 0, 150, true)
  );
}

// ---- Components V2 messages -------------------------------------------------------------------------------

export interface V2Write {
  /** The request body (JSON or payload_json). */
  body: any;
  /** The message being edited; undefined on create. */
  existing?: FakeMessage | undefined;
  /** File names the message will carry after this write (kept ones and new uploads). */
  attachmentNames: string[];
}

/** Whether the message is (or becomes) a Components V2 message with this write. */
export function isV2Write(body: any, existing: FakeMessage | undefined): boolean {
  const was = ((existing?.flags ?? 0) & FLAG_COMPONENTS_V2) !== 0;
  return was || (typeof body?.flags === 'number' && (body.flags & FLAG_COMPONENTS_V2) !== 0);
}

/**
 * What Discord refuses in a V2 write: the flag taken off, legacy fields (content, embeds, poll, stickers) left
 * on the message, more than 40 components counted with nested ones, more than 4000 characters of text
 * displays, a component where its parent does not take it, and media that names an `attachment://` file the
 * message does not carry.
 */
export function componentsV2Refusal(w: V2Write): Result | undefined {
  const body = w.body ?? {};
  const was = ((w.existing?.flags ?? 0) & FLAG_COMPONENTS_V2) !== 0;
  if (was && typeof body.flags === 'number' && (body.flags & FLAG_COMPONENTS_V2) === 0) {
    return formError(['flags'], 'MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG', 'The IS_COMPONENTS_V2 flag cannot be removed from a message');
  }
  if (!isV2Write(body, w.existing)) return undefined;
  const content = 'content' in body ? body.content : w.existing?.content;
  const embeds = 'embeds' in body ? body.embeds : w.existing?.embeds;
  const legacy: [string, boolean][] = [
    ['content', typeof content === 'string' && content !== ''],
    ['embeds', Array.isArray(embeds) && embeds.length > 0],
    ['poll', body.poll !== undefined && body.poll !== null],
    ['sticker_ids', Array.isArray(body.sticker_ids) && body.sticker_ids.length > 0],
  ];
  for (const [field, used] of legacy) {
    if (used) return formError([field], 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', `The '${field}' field cannot be used when using MessageFlags.IS_COMPONENTS_V2`);
  }
  if (!('components' in body) || body.components === null) return undefined;
  if (!Array.isArray(body.components)) return formError(['components'], 'BASE_TYPE_ARRAY', 'Must be an array.');
  const walk = new V2Walk(new Set(w.attachmentNames));
  for (const [k, c] of body.components.entries()) {
    const bad = walk.component(c, ['components', k], V2_TOP_LEVEL);
    if (bad) return bad;
  }
  if (walk.count > MAX_V2_COMPONENTS) {
    return formError(['components'], 'COMPONENT_MAX_TOTAL_COMPONENTS_EXCEEDED', `Must be ${MAX_V2_COMPONENTS} or fewer in total (nested components included); got ${walk.count}.`);
  }
  return undefined;
}

/** Number of components in a V2 tree, nested ones included (what the 40 limit counts). */
export function countComponents(components: any[]): number {
  let n = 0;
  const visit = (c: any): void => {
    if (!c || typeof c !== 'object') return;
    n++;
    for (const child of Array.isArray(c.components) ? c.components : []) visit(child);
    if (c.accessory) visit(c.accessory);
  };
  for (const c of components) visit(c);
  return n;
}

class V2Walk {
  count = 0;
  private textChars = 0;
  private readonly customIds = new Set<string>();
  constructor(private readonly attachments: Set<string>) {}

  component(c: any, at: Path, allowed: number[]): Result | undefined {
    if (!c || typeof c !== 'object' || !allowed.includes(c.type)) return typeChoices(at, allowed);
    this.count++;
    switch (c.type) {
      case 17:
        return this.children(c.components, [...at, 'components'], CONTAINER_CHILDREN, 1, MAX_V2_COMPONENTS) ?? rangeProblem(c.accent_color, [...at, 'accent_color'], 0, 0xffffff);
      case 9: {
        const bad = this.children(c.components, [...at, 'components'], [10], 1, 3);
        if (bad) return bad;
        if (!c.accessory) return required([...at, 'accessory']);
        return this.component(c.accessory, [...at, 'accessory'], [2, 11]);
      }
      case 10: {
        const bad = lengthProblem(c.content, [...at, 'content'], 1, MAX_TEXT_DISPLAY_CHARS);
        if (bad) return bad;
        this.textChars += chars(c.content);
        return this.textChars > MAX_TEXT_DISPLAY_CHARS
          ? formError([...at, 'content'], 'COMPONENT_TEXT_DISPLAY_TOTAL_LENGTH_EXCEEDED', `Text displays may hold ${MAX_TEXT_DISPLAY_CHARS} characters in all.`)
          : undefined;
      }
      case 11:
        return this.media(c.media?.url, [...at, 'media', 'url'], false) ?? lengthProblem(c.description, [...at, 'description'], 1, 1024, true);
      case 12: {
        const items = c.items;
        if (!Array.isArray(items)) return required([...at, 'items']);
        if (items.length < 1 || items.length > 10) return badLength([...at, 'items'], 1, 10);
        for (const [k, item] of items.entries()) {
          const bad = this.media(item?.media?.url, [...at, 'items', k, 'media', 'url'], false) ?? lengthProblem(item?.description, [...at, 'items', k, 'description'], 1, 1024, true);
          if (bad) return bad;
        }
        return undefined;
      }
      case 13:
        return this.media(c.file?.url, [...at, 'file', 'url'], true);
      case 14:
        return c.spacing === undefined || c.spacing === null || c.spacing === 1 || c.spacing === 2
          ? undefined
          : formError([...at, 'spacing'], 'BASE_TYPE_CHOICES', 'Value must be one of (1, 2).');
      case 1:
        return this.actionRow(c, at);
      case 2:
        return buttonProblem(c, at, this.customIds);
      default:
        return undefined;
    }
  }

  private children(list: unknown, at: Path, allowed: number[], min: number, max: number): Result | undefined {
    if (!Array.isArray(list)) return required(at);
    if (list.length < min || list.length > max) return badLength(at, min, max);
    for (const [k, c] of list.entries()) {
      const bad = this.component(c, [...at, k], allowed);
      if (bad) return bad;
    }
    return undefined;
  }

  private actionRow(row: any, at: Path): Result | undefined {
    const items = row.components;
    if (!Array.isArray(items) || items.length < 1 || items.length > 5) return badLength([...at, 'components'], 1, 5);
    const selects = items.filter((c: any) => SELECTS.includes(c?.type)).length;
    if (selects > 0 && items.length > 1) return formError([...at, 'components'], 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'The specified component exceeds the maximum width');
    for (const [k, c] of items.entries()) {
      const cat: Path = [...at, 'components', k];
      if (!c || ![2, ...SELECTS].includes(c.type)) return typeChoices(cat, [2, ...SELECTS]);
      this.count++;
      const bad = c.type === 2 ? buttonProblem(c, cat, this.customIds) : c.type === 3 ? stringSelectProblem(c, cat, this.customIds) : customIdProblem(c, cat, this.customIds);
      if (bad) return bad;
    }
    return undefined;
  }

  /** `attachment://name` must name a file of this message; a File component takes nothing else. */
  private media(url: unknown, at: Path, attachmentOnly: boolean): Result | undefined {
    if (typeof url !== 'string' || url === '') return required(at);
    const ref = /^attachment:\/\/(.+)$/.exec(url)?.[1];
    if (ref !== undefined) {
      return this.attachments.has(ref)
        ? undefined
        : formError(at, 'UNFURLED_MEDIA_ATTACHMENT_NOT_FOUND', `Attachment "${ref}" is not an attachment of this message.`);
    }
    if (attachmentOnly) return formError(at, 'UNFURLED_MEDIA_ATTACHMENT_REQUIRED', 'Only attachment:// URLs are supported here.');
    return /^https?:\/\//i.test(url) && URL.canParse(url) ? undefined : formError(at, 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
  }
}

/** Link buttons: a url and no custom id; others: a unique custom id of 1..100; labels up to 80. */
export function buttonProblem(comp: any, at: Path, customIds: Set<string>): Result | undefined {
  if (comp.style === 5) {
    const bad = linkUrlProblem(comp.url, at);
    if (bad) return bad;
    if (comp.custom_id !== undefined) return formError([...at, 'custom_id'], 'COMPONENT_CUSTOM_ID_NOT_ALLOWED', 'A custom id is not allowed on link buttons');
  } else if (comp.style !== 6) {
    const bad = customIdProblem(comp, at, customIds);
    if (bad) return bad;
  }
  if (typeof comp.label === 'string' && chars(comp.label) > 80) return formError([...at, 'label'], 'BASE_TYPE_MAX_LENGTH', 'Must be 80 or fewer in length.');
  return undefined;
}

/** Link buttons take these schemes only; anything else is refused as Discord words it. */
const LINK_SCHEMES = ['http', 'https', 'discord'];

export function linkUrlProblem(url: unknown, at: Path): Result | undefined {
  if (typeof url !== 'string' || url === '') return formError([...at, 'url'], 'BASE_TYPE_REQUIRED', 'This field is required');
  if (chars(url) > 512) return formError([...at, 'url'], 'BASE_TYPE_MAX_LENGTH', 'Must be 512 or fewer in length.');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  if (scheme === undefined || !URL.canParse(url)) return formError([...at, 'url'], 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
  if (!LINK_SCHEMES.includes(scheme.toLowerCase())) {
    return formError([...at, 'url'], 'URL_TYPE_INVALID_SCHEME', `Scheme "${scheme}" is not supported. Scheme must be one of ('http', 'https', 'discord').`);
  }
  return undefined;
}

// ---- modals ---------------------------------------------------------------------------------------------

export const MAX_MODAL_COMPONENTS = 5;
export const MAX_TEXT_INPUT = 4000;
/** What a Label may wrap: string select, text input, user/role/mentionable/channel selects, file upload, radio group, checkbox group, checkbox. */
const LABELLED = [3, 4, 5, 6, 7, 8, 19, 21, 22, 23];

/**
 * A modal's `data` as Discord checks it: custom id 1..100, title 1..45, 1..5 top-level components (Labels,
 * text displays, or legacy action rows holding one text input), each input's limits.
 */
export function modalRefusal(data: any): Result | undefined {
  if (!data || typeof data !== 'object') return required(['data']);
  const bad = lengthProblem(data.custom_id, ['data', 'custom_id'], 1, 100) ?? lengthProblem(data.title, ['data', 'title'], 1, 45);
  if (bad) return bad;
  const list = data.components;
  if (!Array.isArray(list) || list.length < 1 || list.length > MAX_MODAL_COMPONENTS) return badLength(['data', 'components'], 1, MAX_MODAL_COMPONENTS);
  const seen = new Set<string>();
  for (const [k, c] of list.entries()) {
    const at: Path = ['data', 'components', k];
    let problem: Result | undefined;
    if (c?.type === 18) {
      problem =
        lengthProblem(c.label, [...at, 'label'], 1, 45) ??
        lengthProblem(c.description, [...at, 'description'], 1, 100, true) ??
        (!c.component || !LABELLED.includes(c.component.type) ? typeChoices([...at, 'component'], LABELLED) : modalInputProblem(c.component, [...at, 'component'], seen));
    } else if (c?.type === 10) {
      problem = lengthProblem(c.content, [...at, 'content'], 1, MAX_TEXT_DISPLAY_CHARS);
    } else if (c?.type === 1) {
      const inner = c.components;
      problem =
        !Array.isArray(inner) || inner.length !== 1 ? badLength([...at, 'components'], 1, 1)
        : inner[0]?.type !== 4 ? typeChoices([...at, 'components', 0], [4])
        : lengthProblem(inner[0].label, [...at, 'components', 0, 'label'], 1, 45) ?? modalInputProblem(inner[0], [...at, 'components', 0], seen);
    } else {
      problem = typeChoices(at, [1, 10, 18]);
    }
    if (problem) return problem;
  }
  return undefined;
}

function modalInputProblem(c: any, at: Path, seen: Set<string>): Result | undefined {
  switch (c.type) {
    case 4: {
      const bad =
        customIdProblem(c, at, seen) ??
        (c.style === 1 || c.style === 2 ? undefined : formError([...at, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of (1, 2).')) ??
        rangeProblem(c.min_length, [...at, 'min_length'], 0, MAX_TEXT_INPUT) ??
        rangeProblem(c.max_length, [...at, 'max_length'], 1, MAX_TEXT_INPUT) ??
        lengthProblem(c.value, [...at, 'value'], 0, MAX_TEXT_INPUT, true) ??
        lengthProblem(c.placeholder, [...at, 'placeholder'], 0, 100, true);
      if (bad) return bad;
      if (typeof c.min_length === 'number' && typeof c.max_length === 'number' && c.min_length > c.max_length) {
        return formError([...at, 'min_length'], 'TEXT_INPUT_MIN_LENGTH_GREATER_THAN_MAX', 'min_length must be less than or equal to max_length');
      }
      if (typeof c.value === 'string' && typeof c.max_length === 'number' && chars(c.value) > c.max_length) {
        return formError([...at, 'value'], 'BASE_TYPE_MAX_LENGTH', `Must be ${c.max_length} or fewer in length.`);
      }
      return undefined;
    }
    case 3:
      return stringSelectProblem(c, at, seen);
    case 19:
      return customIdProblem(c, at, seen) ?? minMaxProblem(c, at, 10, 10);
    case 21:
      return customIdProblem(c, at, seen) ?? optionsProblem(c.options, [...at, 'options'], 2, 10);
    case 22:
      return customIdProblem(c, at, seen) ?? optionsProblem(c.options, [...at, 'options'], 1, 10) ?? minMaxProblem(c, at, 10, 10);
    default:
      return customIdProblem(c, at, seen);
  }
}

/** The inputs of a shown modal, by custom id, with the Label that names each (for submits and tests). */
export function modalInputs(components: any[]): { customId: string; type: number; input: any; label?: string }[] {
  const out: { customId: string; type: number; input: any; label?: string }[] = [];
  for (const c of components ?? []) {
    if (c?.type === 18 && c.component) out.push({ customId: c.component.custom_id, type: c.component.type, input: c.component, label: c.label });
    if (c?.type === 1) for (const inner of c.components ?? []) out.push({ customId: inner.custom_id, type: inner.type, input: inner, label: inner.label });
  }
  return out;
}

// ---- autocomplete -------------------------------------------------------------------------------------------

/** An autocomplete answer: at most 25 choices, names 1..100 characters, values strings of 1..100 or numbers. */
export function autocompleteRefusal(data: any): Result | undefined {
  const choices = data?.choices;
  if (!Array.isArray(choices)) return required(['data', 'choices']);
  if (choices.length > 25) return formError(['data', 'choices'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  for (const [k, ch] of choices.entries()) {
    const at: Path = ['data', 'choices', k];
    const bad = lengthProblem(ch?.name, [...at, 'name'], 1, 100);
    if (bad) return bad;
    if (typeof ch.value === 'number') continue;
    const badValue = lengthProblem(ch.value, [...at, 'value'], 1, 100);
    if (badValue) return badValue;
  }
  return undefined;
}
