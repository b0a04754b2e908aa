import { en } from './en';
import { de } from './de';
import { esES } from './es-ES';
import { fr } from './fr';
import { ja } from './ja';
import { ko } from './ko';
import { ptBR } from './pt-BR';
import { zhCN } from './zh-CN';
import type { Resource } from './resource';

/**
 * Every language the bot speaks, by the Discord locale it is registered for (docs/discord.md). English is the
 * default and the source: each other language has exactly its keys (a translation's type is derived from it,
 * and test/i18n.test.ts checks the placeholders and the plural forms each language needs).
 */

/** The languages besides English, as Discord names its locales. */
export const TRANSLATED = ['zh-CN', 'ja', 'ko', 'es-ES', 'pt-BR', 'fr', 'de'] as const;
export type TranslatedLocale = (typeof TRANSLATED)[number];
export type Language = 'en' | TranslatedLocale;

export const RESOURCES: { en: typeof en } & Record<TranslatedLocale, Resource> = { en, 'zh-CN': zhCN, ja, ko, 'es-ES': esES, 'pt-BR': ptBR, fr, de };

/**
 * The language for a Discord locale (`interaction.locale`): the same locale, else the same language
 * (`es-419` reads Spanish, `en-GB` English), else English. Chinese matches only `zh-CN`: `zh-TW` is written in
 * another script.
 */
export function languageOf(locale: string | null | undefined): Language {
  if (!locale) return 'en';
  const exact = TRANSLATED.find((l) => l.toLowerCase() === locale.toLowerCase());
  if (exact) return exact;
  const base = locale.split('-')[0]!.toLowerCase();
  return (base !== 'zh' && TRANSLATED.find((l) => l.split('-')[0] === base)) || 'en';
}
