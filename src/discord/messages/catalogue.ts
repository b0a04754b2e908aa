import { createInstance } from 'i18next';
import type { LocalizationMap } from 'discord.js';
import type { Messages } from './types';
import { bindMessages, type Translate } from './bind';
import { languageOf, RESOURCES, TRANSLATED, type Language } from './locales';

/**
 * The bot's words in every language: one i18next instance of its own (never i18next's global one), initialised
 * synchronously from the inline resources, and never switched: each language reads through its own fixed `t`,
 * so concurrent interactions in different languages cannot disturb each other.
 */
/** A text's values, or the values in terms of the language's other texts (say: a key under `commands.`, its values). */
export type TextValues = Record<string, unknown> | ((say: (key: string, values?: Record<string, unknown>) => string) => Record<string, unknown>);

export interface Catalogue {
  /** The messages for a Discord locale (`interaction.locale`; unknown or absent: English). */
  messagesFor(locale: string | null | undefined): Messages;
  /** A command-picker text (resource key under `commands.`) in English, the definition's default. */
  english(key: string, values?: TextValues): string;
  /** The same text in each translated locale, for `setDescriptionLocalizations` / `setNameLocalizations`. */
  localizations(key: string, values?: TextValues): LocalizationMap;
}

export function createCatalogue(): Catalogue {
  const i18n = createInstance();
  void i18n.init({
    // Inline resources and no backend: init completes before it returns.
    initAsync: false,
    resources: Object.fromEntries(Object.entries(RESOURCES).map(([lng, r]) => [lng, { translation: r }])),
    lng: 'en',
    fallbackLng: 'en',
    // Keys never name a namespace; sentences are shown as Discord markdown, not HTML (render.ts escapes what must be).
    nsSeparator: false,
    interpolation: {
      escapeValue: false,
      // A prompt, a file name or a provider's message may contain `{{…}}` or `$t(…)`: values are never read as keys.
      skipOnVariables: true,
    },
    // The built-in formatters' cache is keyed by every value of the call (i18next 26), so it would grow with
    // each distinct prompt or file name for the life of the process; a formatter is cheap to make per message.
    cacheInBuiltFormats: false,
  });
  const fixed = (lng: Language): Translate => {
    const t = i18n.getFixedT(lng);
    return (key, values) => String(t(key, values ?? {}));
  };
  const byLanguage = new Map<Language, Messages>();
  const messagesOf = (lng: Language) => {
    let m = byLanguage.get(lng);
    if (!m) byLanguage.set(lng, (m = bindMessages(fixed(lng), lng)));
    return m;
  };
  const commandText = (lng: Language, key: string, values?: TextValues): string => {
    const say = (k: string, v?: Record<string, unknown>) => commandText(lng, k, v);
    return fixed(lng)(`commands.${key}`, typeof values === 'function' ? values(say) : values);
  };
  return {
    messagesFor: (locale) => messagesOf(languageOf(locale)),
    english: (key, values) => commandText('en', key, values),
    localizations: (key, values) => Object.fromEntries(TRANSLATED.map((lng) => [lng, commandText(lng, key, values)])),
  };
}
