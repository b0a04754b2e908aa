/**
 * What Discord refuses when commands are registered (docs/discord.md, "Application commands"): names,
 * descriptions and their localisations, context-menu commands with options or a description, and more
 * commands of a type than an application may have.
 */
import { chars, formError, type Result } from './wire';

/** The locales Discord takes in `name_localizations` / `description_localizations`. */
export const DISCORD_LOCALES = [
  'id', 'da', 'de', 'en-GB', 'en-US', 'es-ES', 'es-419', 'fr', 'hr', 'it', 'lt', 'hu', 'nl', 'no', 'pl', 'pt-BR',
  'ro', 'fi', 'sv-SE', 'vi', 'tr', 'cs', 'el', 'bg', 'ru', 'uk', 'hi', 'th', 'zh-CN', 'ja', 'zh-TW', 'ko',
];
/** Per application and type: 100 slash commands, 15 user and 15 message commands (DISCORD.md, since 2026-03). */
const MAX_PER_TYPE: Record<number, number> = { 1: 100, 2: 15, 3: 15 };
/** Slash command and option names: lowercase letters and digits of any script, `-`, `_`, `'`; 1..32. */
const SLASH_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

type Path = (string | number)[];

function nameProblem(name: unknown, at: Path, slash: boolean): Result | undefined {
  if (typeof name !== 'string' || chars(name) < 1 || chars(name) > 32) return formError(at, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 32 in length.');
  if (slash && (!SLASH_NAME.test(name) || name !== name.toLowerCase())) return formError(at, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  return undefined;
}

function localizationsProblem(map: unknown, at: Path, check: (v: unknown, at: Path) => Result | undefined): Result | undefined {
  if (map === undefined || map === null) return undefined;
  if (typeof map !== 'object') return formError(at, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
  for (const [locale, value] of Object.entries(map)) {
    if (!DISCORD_LOCALES.includes(locale)) return formError([...at, locale], 'LOCALE_INVALID', `Invalid locale "${locale}"`);
    const bad = check(value, [...at, locale]);
    if (bad) return bad;
  }
  return undefined;
}

const descriptionProblem = (d: unknown, at: Path): Result | undefined =>
  typeof d === 'string' && chars(d) >= 1 && chars(d) <= 100 ? undefined : formError(at, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');

function optionsProblem(options: unknown, at: Path): Result | undefined {
  if (options === undefined || options === null) return undefined;
  if (!Array.isArray(options) || options.length > 25) return formError(at, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  for (const [k, o] of options.entries()) {
    const oat: Path = [...at, k];
    const bad =
      nameProblem(o?.name, [...oat, 'name'], true) ??
      localizationsProblem(o?.name_localizations, [...oat, 'name_localizations'], (v, p) => nameProblem(v, p, true)) ??
      descriptionProblem(o?.description, [...oat, 'description']) ??
      localizationsProblem(o?.description_localizations, [...oat, 'description_localizations'], descriptionProblem) ??
      choicesProblem(o?.choices, [...oat, 'choices']) ??
      optionsProblem(o?.options, [...oat, 'options']);
    if (bad) return bad;
  }
  return undefined;
}

function choicesProblem(choices: unknown, at: Path): Result | undefined {
  if (choices === undefined || choices === null) return undefined;
  if (!Array.isArray(choices) || choices.length > 25) return formError(at, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  const nameOk = (v: unknown, p: Path): Result | undefined =>
    typeof v === 'string' && chars(v) >= 1 && chars(v) <= 100 ? undefined : formError(p, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
  for (const [k, c] of choices.entries()) {
    const bad = nameOk(c?.name, [...at, k, 'name']) ?? localizationsProblem(c?.name_localizations, [...at, k, 'name_localizations'], nameOk);
    if (bad) return bad;
  }
  return undefined;
}

/** One command definition; `at` is its place in a bulk overwrite. */
export function commandRefusal(def: any, at: Path = []): Result | undefined {
  const type = def?.type ?? 1;
  const slash = type === 1;
  const bad =
    nameProblem(def?.name, [...at, 'name'], slash) ??
    localizationsProblem(def?.name_localizations, [...at, 'name_localizations'], (v, p) => nameProblem(v, p, slash));
  if (bad) return bad;
  if (slash) {
    return (
      descriptionProblem(def.description, [...at, 'description']) ??
      localizationsProblem(def.description_localizations, [...at, 'description_localizations'], descriptionProblem) ??
      optionsProblem(def.options, [...at, 'options'])
    );
  }
  if (typeof def.description === 'string' && def.description !== '') {
    return formError([...at, 'description'], 'APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION', 'Context menu commands cannot have a description');
  }
  if (Array.isArray(def.options) && def.options.length > 0) {
    return formError([...at, 'options'], 'APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS', 'Context menu commands cannot have options');
  }
  return undefined;
}

/** A bulk overwrite: every definition, no name twice within a type, no type over its limit. */
export function bulkCommandsRefusal(defs: any[]): Result | undefined {
  const seen = new Set<string>();
  const perType = new Map<number, number>();
  for (const [k, def] of defs.entries()) {
    const bad = commandRefusal(def, [k]);
    if (bad) return bad;
    const type = def.type ?? 1;
    const key = `${type}:${def.name}`;
    if (seen.has(key)) return formError([k, 'name'], 'APPLICATION_COMMANDS_DUPLICATE_NAME', `Application command names must be unique`);
    seen.add(key);
    perType.set(type, (perType.get(type) ?? 0) + 1);
    if ((perType.get(type) ?? 0) > (MAX_PER_TYPE[type] ?? 100)) {
      return formError([], 'APPLICATION_COMMANDS_TOO_MANY', `At most ${MAX_PER_TYPE[type]} commands of type ${type}`);
    }
  }
  return undefined;
}
