import { describe, expect, it } from 'vitest';
import { RESOURCES, TRANSLATED, languageOf } from '../src/discord/messages/locales';
import { en as english } from '../src/discord/messages/locales/en';
import { ja } from '../src/discord/messages/locales/ja';
import type { Resource } from '../src/discord/messages/locales/resource';
import { messagesFor, wordProblem, wordRefusal, wordFailure } from '../src/discord/messages';
import type { Problem } from '../src/validation';
import { ApplicationCommandType, ContextMenuCommandBuilder } from 'discord.js';
import { named } from '../src/discord/command-text';
import { taskLanguage } from '../src/apimart';

/**
 * The catalogues (src/discord/messages/locales/): every language says every message, with the placeholders
 * English uses and the plural forms its own grammar needs (CLDR, through Intl.PluralRules).
 */

const PLURAL = /_(zero|one|two|few|many|other)$/;

/** Every leaf key, dotted, with its text. */
function leaves(tree: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    if (typeof v === 'string') out.set(`${prefix}${k}`, v);
    else for (const [kk, vv] of leaves(v as object, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}

/** The names of a text's `{{name}}` / `{{name, format}}` placeholders. */
const placeholders = (text: string) => new Set([...text.matchAll(/{{\s*([^,}\s]+)[^}]*}}/g)].map((m) => m[1]!));

/** English's messages: plural ones (an `_other` form) by their base key, each with the placeholders of all its forms. */
function messagesOf(tree: object, pluralBases: Set<string>): Map<string, { forms: Set<string>; names: Set<string> }> {
  const out = new Map<string, { forms: Set<string>; names: Set<string> }>();
  for (const [key, text] of leaves(tree)) {
    const base = key.replace(PLURAL, '');
    const id = PLURAL.test(key) && pluralBases.has(base) ? base : key;
    const entry = out.get(id) ?? { forms: new Set<string>(), names: new Set<string>() };
    entry.forms.add(id === key ? '' : key.slice(base.length + 1));
    for (const n of placeholders(text)) entry.names.add(n);
    out.set(id, entry);
  }
  return out;
}

/** The plural categories a language needs for a message: ordinal ones for an `_ordinal` message (i18next's `ordinal: true`). */
const categoriesOf = (lng: string, id: string) => [...new Intl.PluralRules(lng, id.endsWith('_ordinal') ? { type: 'ordinal' } : {}).resolvedOptions().pluralCategories].sort();

const englishPlurals = new Set([...leaves(english).keys()].filter((k) => k.endsWith('_other')).map((k) => k.replace(PLURAL, '')));
const source = messagesOf(english, englishPlurals);

describe('the catalogues', () => {
  it.each(TRANSLATED)('%s has every English message, no other, with the same placeholders and its own plural forms', (lng) => {
    const translated = messagesOf(RESOURCES[lng], englishPlurals);
    expect([...translated.keys()].sort()).toEqual([...source.keys()].sort());
    for (const [id, { forms, names }] of source) {
      const t = translated.get(id)!;
      expect([...t.names].sort(), `${lng} ${id}: placeholders`).toEqual([...names].sort());
      if (englishPlurals.has(id)) expect([...t.forms].sort(), `${lng} ${id}: plural forms`).toEqual(categoriesOf(lng, id));
      else expect(forms.has('')).toBe(true);
    }
  });

  it('is enforced by the types: a translation missing a message, or a plural message without `_other`, does not compile', () => {
    // `npx tsc --noEmit` checks this file: each directive fails the build if the line below it ever compiles.
    const { ready: _dropped, ...job } = ja.job;
    // @ts-expect-error `job.ready` is missing
    const missing: Resource = { ...ja, job };
    // @ts-expect-error `job.images` has no `_other` form
    const noOther: Resource = { ...ja, job: { ...ja.job, images_other: undefined } };
    // @ts-expect-error a key English does not have
    const extra: Resource = { ...ja, job: { ...ja.job, readyNow: '今できました' } };
    expect([missing, noOther, extra]).toHaveLength(3);
  });

  it('has the plural forms English needs too', () => {
    for (const base of englishPlurals) expect([...source.get(base)!.forms].sort()).toEqual(categoriesOf('en', base));
  });

  it('reads a Discord locale as its language, and anything else as English', () => {
    expect(['ja', 'ko', 'fr', 'de', 'zh-CN', 'pt-BR', 'es-ES'].map(languageOf)).toEqual(['ja', 'ko', 'fr', 'de', 'zh-CN', 'pt-BR', 'es-ES']);
    expect(['en-US', 'en-GB', 'es-419', 'zh-TW', 'tlh', '', undefined, null].map(languageOf)).toEqual(['en', 'en', 'es-ES', 'en', 'en', 'en', 'en', 'en']);
  });
});

describe('messages in a language', () => {
  it('picks the plural form of the language', () => {
    const images = (lng: string, count: number) => messagesFor(lng).job.images({ count });
    expect([images('en-US', 1), images('en-US', 2)]).toEqual(['1 image', '2 images']);
    expect([images('pt-BR', 1), images('pt-BR', 2), images('pt-BR', 0)]).toEqual(['1 imagem', '2 imagens', '0 imagem']);
    expect([images('fr', 0), images('fr', 2)]).toEqual(['0 image', '2 images']);
    expect([images('ja', 1), images('ja', 2)]).toEqual(['画像1枚', '画像2枚']);
    expect(images('de', 1)).toBe('1 Bild');
  });

  it('formats sizes and lists for the locale; Discord timestamps stay timestamps', () => {
    const tooLarge = (lng: string) => messagesFor(lng).job.tooLarge({ what: messagesFor(lng).job.theVideo, sizeBytes: 2 * 1024 * 1024, limitBytes: 1024 * 1024 });
    expect(tooLarge('en-US')).toBe('The video (2.0 MB) is too large to upload here (limit 1.0 MB)');
    expect(tooLarge('de')).toBe('Das Video (2,0 MB) ist zu groß, um es hier hochzuladen (Limit 1,0 MB)');
    expect(tooLarge('fr')).toContain('(2,0 Mo)');
    const offered: Problem = { code: 'resolution_not_offered', model: 'viduq3-mix', resolution: '540p', choices: ['720p', '1080p'] };
    expect(wordProblem(offered, messagesFor('fr'))).toBe('viduq3-mix ne propose pas 540p ; choisis 720p ou 1080p.');
    expect(wordProblem(offered, messagesFor('ja'))).toBe('viduq3-mixは540pに対応していません。720pまたは1080pから選んでください。');
    const used = { code: 'daily_videos_used', limit: 'dailyVideos', used: 2, max: 2, resetAt: 86_400_000 } as const;
    expect(wordRefusal(used, messagesFor('ko'))).toBe('오늘 만들 수 있는 영상 2개를 모두 썼어요(한도 2개). <t:86400:R> 초기화돼요.');
  });

  it('counts what the newer views count in the plural forms of the language', () => {
    expect(messagesFor('pt-BR').stats.period({ label: 'Hoje (UTC)', videos: 1, seconds: 1 })).toBe('**Hoje (UTC)**: 1 vídeo, 1 segundo');
    expect(messagesFor('pt-BR').stats.topLine({ rank: 1, userId: '9', videos: 2, seconds: 30 })).toBe('1. <@9>: 30 segundos (2 vídeos)');
    expect(messagesFor('de').refs.refusal.member_full({ code: 'member_full', max: 1 })).toBe('Du hast schon 1 Set gespeichert, mehr sind nicht erlaubt; lösch zuerst eins mit /video-refs delete.');
    const takes = { code: 'concurrent_full', limit: 'concurrent', active: 1, max: 2, takes: 3 } as const;
    expect(wordRefusal(takes, messagesFor('fr'))).toContain('variations:3 lance 3 vidéos en même temps, et tu as déjà 1 vidéo en cours de génération');
    expect(messagesFor('ja').job.takesReady({ made: 2, count: 3 })).toBe('3テイク中2テイクが完成しました');
    expect(messagesFor('de').modals.makeTitle({ count: 4 })).toBe('Video erstellen (4 Bilder)');
    expect([1, 2, 3, 4, 11, 22].map((place) => messagesFor('en-US').queue.waiting({ place }))).toEqual(
      ['1st', '2nd', '3rd', '4th', '11th', '22nd'].map((p) => `Waiting: ${p} in line`),
    );
    expect([1, 2].map((place) => messagesFor('fr').queue.waiting({ place }))).toEqual(['En attente : 1re dans la file', 'En attente : 2e dans la file']);
    expect(messagesFor('en-GB').router.privateUndelivered({ count: 1 })).toMatch(/^A private video of yours could not reach you: .* to send it again\.$/);
    expect(messagesFor('fr').router.privateUndelivered({ count: 2 })).toMatch(/^2 de tes vidéos privées n’ont pas pu t’arriver/);
  });

  it('keeps Discord mentions and timestamps as they are in every language', () => {
    const line = messagesFor('ko').history.line({ index: 1, state: '완성', at: 86_400_000, link: 'https://discord.com/channels/1/2/3', prompt: 'a cat' });
    expect(line).toBe('**1.** 완성 · <t:86400:R> · [작업 메시지](https://discord.com/channels/1/2/3)\n> a cat');
    expect(messagesFor('es-ES').limits.channelsOnly({ channelIds: ['1', '2'] })).toBe('/video solo funciona en <#1> y <#2>');
  });

  it('shows what members typed and what the provider said as they are, never as keys or placeholders', () => {
    const said = wordFailure({ code: 'task_failed', providerMessage: '{{count}} $t(job.ready)' }, messagesFor('ja'));
    expect(said).toBe('動画サービスで動画を作れませんでした：{{count}} $t(job.ready)');
  });
});

describe('names and languages outside the messages', () => {
  it('gives the message command "Make a video" its name in every language, in one call, within Discord\'s 32 characters', () => {
    const json = named(new ContextMenuCommandBuilder().setType(ApplicationCommandType.Message), 'makeVideo').toJSON();
    expect(json.name).toBe('Make a video');
    expect(json.name_localizations).toMatchObject({ ja: '動画を作る', 'pt-BR': 'Criar um vídeo', de: 'Video erstellen' });
    expect(Object.keys(json.name_localizations ?? {}).sort()).toEqual([...TRANSLATED].sort());
    for (const name of Object.values(json.name_localizations ?? {})) expect([...(name ?? '')].length).toBeLessThanOrEqual(32);
  });

  it("asks the provider for a failure reason in the member's language where it has one, else English", () => {
    expect(['zh-CN', 'ja', 'ko', 'en-US', 'en-GB', 'fr', 'pt-BR', 'zh-TW', undefined].map(taskLanguage)).toEqual(['zh', 'ja', 'ko', 'en', 'en', 'en', 'en', 'en', undefined]);
  });
});
