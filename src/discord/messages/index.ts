import type { Problem } from '../../validation';
import type { Refusal } from '../../limits';
import type { UserReason } from '../../util/user-error';
import type { Failure } from '../../jobs/failure';
import type { SaveRefusal } from '../../refs';
import type { ByCode, LinkProblem, Message, Messages } from './types';
import { createCatalogue } from './catalogue';

/**
 * The user-facing words, one catalogue per language (./locales/, docs/architecture.md). Code outside
 * src/discord/ returns reasons as data; these turn them into sentences.
 *
 * The catalogue is made once here, at load: command definitions (commands/*.ts) are built when their module
 * is imported and need their localisations then. It is constant after that (fixed languages, no switching),
 * so every importer reads the same words, with nothing shared that could change under it.
 */
const catalogue = createCatalogue();

export type { Messages, Message, ByCode, LinkProblem };
export type { TextValues } from './catalogue';

/** The messages in the language of a Discord locale (`interaction.locale`, a job's `locale`); English when unknown. */
export const messagesFor = catalogue.messagesFor;
/** A command-picker text in English and its translations (registration, src/discord/command-text.ts). */
export const commandEnglish = catalogue.english;
export const commandLocalizations = catalogue.localizations;
/** English, the default language. */
export const en: Messages = messagesFor('en');

/** The message of a reason's code, given the reason's own values. */
function byCode<U extends { code: string }>(table: ByCode<U>, reason: U): string {
  // The mapped type guarantees table[code] takes exactly this member of U; TypeScript cannot follow that.
  return (table[reason.code as U['code']] as Message<U>)(reason);
}

export const wordProblem = (p: Problem, m: Messages = en): string => byCode(m.problem, p);
export const wordRefusal = (r: Refusal, m: Messages = en): string => byCode(m.refusal, r);
export const wordUserError = (r: UserReason, m: Messages = en): string => byCode(m.userError, r);
export const wordFailure = (f: Failure, m: Messages = en): string => byCode(m.failure, f);
export const wordLinkProblem = (p: LinkProblem, m: Messages = en): string => byCode(m.job.linkProblem, p);
export const wordSaveRefusal = (r: SaveRefusal, m: Messages = en): string => byCode(m.refs.refusal, r);
