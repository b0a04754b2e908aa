import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlashCommandBuilder } from 'discord.js';
import { startHarness, type Harness } from './support/harness';
import { registerCommands } from '../src/discord/registry';
import { openStore } from '../src/store/kv';
import { capturedLogger } from './support/log-capture';
import { buttonId } from '../src/discord/custom-id';
import { buttonsOf, textOf } from './support/card';

/**
 * Languages end to end (docs/commands.md, languages): the commands as registered, and what members whose
 * Discord speaks Japanese, Portuguese, Chinese or a language the bot does not have read.
 */

let h: Harness;
const TRANSLATED = ['zh-CN', 'ja', 'ko', 'es-ES', 'pt-BR', 'fr', 'de'];
const JA = { id: '610000000000000001' };
const PT = { id: '620000000000000002' };
const ZH = { id: '630000000000000003' };
const XX = { id: '640000000000000004' };

beforeAll(async () => {
  h = await startHarness({ env: { DEFAULT_DAILY_VIDEOS: '3' } });
});
afterAll(async () => {
  await h?.close();
});

const fastTask = { timeline: [{ at: 0, status: 'pending' }, { at: 300, status: 'processing', progress: 40 }, { at: 900, status: 'completed' }], estimatedTime: 1, videoBytes: 4096 };

/** Every text a payload sends to Discord, for "is it in this language" checks. */
const shown = (body: unknown) => JSON.stringify(body ?? null);

async function usage(user: { id: string }, locale: string): Promise<string> {
  const sent = h.discord.sendCommand({ name: 'video-usage', user, locale });
  const call = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${sent.id}/`));
  return String(call.body.data?.content ?? '');
}

describe('registered commands', () => {
  type Node = { name: string; description?: string; description_localizations?: Record<string, string>; name_localizations?: unknown; options?: Node[]; choices?: { name: string; value: unknown; name_localizations?: Record<string, string> }[] };
  const walk = (nodes: Node[], visit: (n: Node, path: string) => void, path = '') => {
    for (const n of nodes) {
      visit(n, `${path}/${n.name}`);
      walk(n.options ?? [], visit, `${path}/${n.name}`);
    }
  };

  it('carry description localisations for all seven languages; names and choice values are unchanged', () => {
    const put = h.discord.callsTo('PUT', /^\/applications\/\d+\/commands$/)[0]!;
    const all = put.body as (Node & { type?: number })[];
    expect(all.map((c) => c.name)).toEqual(['video', 'video-limits', 'video-usage', 'video-refs', 'video-history', 'video-stats', 'Make a video']);
    // The message command has a name in every language and no description (Discord shows none).
    const make = all.find((c) => c.type === 3)!;
    expect(Object.keys(make.name_localizations as object).sort()).toEqual([...TRANSLATED].sort());
    expect(make.description ?? '').toBe('');
    const body = all.filter((c) => c.type !== 3);
    let described = 0;
    walk(body, (n, path) => {
      expect(n.name_localizations ?? null, `${path}: names are a contract`).toBeNull();
      expect(Object.keys(n.description_localizations ?? {}).sort(), path).toEqual([...TRANSLATED].sort());
      for (const text of Object.values(n.description_localizations!)) {
        expect(text.length, `${path}: Discord's limit`).toBeLessThanOrEqual(100);
        expect(text).not.toBe(n.description);
      }
      described++;
    });
    expect(described).toBeGreaterThan(30);

    const video = body.find((c) => c.name === 'video')!;
    expect(video.description).toBe('Turn 1 to 7 reference images (attached or a saved set) into a short AI video');
    expect(video.description_localizations!.ja).toBe('1〜7枚の参考画像（添付か保存済みのセット）から短いAI動画を作ります');
    const model = video.options!.find((o) => o.name === 'model')!;
    expect(model.choices!.map((c) => c.value)).toEqual(['viduq3', 'viduq3-mix']);
    expect(model.choices![0]!.name).toBe('Vidu Q3 (smarter shot changes)');
    expect(Object.keys(model.choices![0]!.name_localizations!).sort()).toEqual([...TRANSLATED].sort());
    const limits = body.find((c) => c.name === 'video-limits')!;
    const models = limits.options!.find((o) => o.name === 'server')!.options!.find((o) => o.name === 'models')!;
    expect(models.choices!.map((c) => [c.value, c.name, c.name_localizations!.de])).toEqual([
      ['all', 'all', 'alle'],
      ['viduq3', 'only viduq3', 'nur viduq3'],
      ['viduq3-mix', 'only viduq3-mix', 'nur viduq3-mix'],
    ]);
  });

  it('are registered again when only a localisation changed', async () => {
    const kv = await openStore('memory:');
    const puts: unknown[] = [];
    const rest = { put: async (_route: string, opts: { body: unknown }) => void puts.push(opts.body) } as never;
    const command = (ja: string) => ({ data: new SlashCommandBuilder().setName('video').setDescription('Make a video').setDescriptionLocalizations({ ja }) });
    const register = (ja: string) => registerCommands({ rest, applicationId: '1', commands: [command(ja)], kv, logger: capturedLogger().logger });
    expect(await register('動画を作る')).toBe('registered');
    expect(await register('動画を作る')).toBe('unchanged');
    expect(await register('動画をつくる')).toBe('registered');
    expect(puts).toHaveLength(2);
    await kv.close();
  });
});

describe('a member in their own language', () => {
  it("a ja member's refusal, job card and finished card are Japanese", async () => {
    const refused = h.video({ user: JA, locale: 'ja', model: 'viduq3-mix', resolution: '540p' });
    await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${refused.token}/messages/@original`));
    const refusal = h.discord.messages.get(h.discord.originalMessageId(refused.id)!)!.content;
    expect(refusal).toContain('このリクエストには問題が1件あります');
    expect(refusal).toContain('viduq3-mixは540pに対応していません。720pまたは1080pから選んでください。');
    expect(refusal).toContain('何も送信しておらず、利用枠も使っていません。');

    h.apimart.nextTask(fastTask);
    const sent = h.video({ user: JA, locale: 'ja', seed: 7 });
    const job = await h.waitForState(sent.id, 'delivered');
    expect(job.locale).toBe('ja');
    const edits = h.discord.callsTo('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`)).map((c) => shown(c.body));
    const running = edits.find((e) => e.includes('キャンセル'))!;
    expect(running).toMatch(/順番待ち|生成中/);
    expect(running).toContain('シード 7 · 画像1枚');
    const finished = h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!;
    expect(textOf(finished)).toContain('動画ができました');
    expect(textOf(finished)).toContain('viduq3 · 5秒 · 720p · 16:9 · シード 7 · 画像1枚');
    expect(buttonsOf(finished).map((b) => b.label)).toEqual(['作り直す', 'アレンジ', '1080pで仕上げ', '削除', '元の動画']);
  });

  it('a message that outlives the interaction is in the language stored with the job: the channel post names the ja member in Japanese', async () => {
    h.apimart.nextTask(fastTask);
    const sent = h.video({ user: JA, locale: 'ja', createdAt: Date.now() - 16 * 60 * 1000 });
    const queued = await h.waitForState(sent.id, ['queued', 'generating']);
    h.discord.failNext('PATCH', new RegExp(`^/channels/\\d+/messages/${queued.replyMessageId}$`), { status: 404, code: 10008, message: 'Unknown Message', times: 10 });
    const job = await h.waitForState(sent.id, 'delivered');
    expect(job.delivery).toMatchObject({ route: 'channel', attached: true });
    const posted = h.discord.channelMessages(job.channelId).filter((m) => m.createdAt >= job.createdAt && textOf(m).includes(`<@${JA.id}>`));
    expect(posted.map((m) => textOf(m).split('\n')[0])).toEqual([`<@${JA.id}> ✅ **動画ができました**`]);
  });

  it("a pt-BR member's /video-usage is Portuguese, with the plural of each count", async () => {
    for (const n of [1, 2]) {
      h.apimart.nextTask(fastTask);
      await h.waitForState(h.video({ user: PT, locale: 'pt-BR' }).id, 'delivered');
      const text = await usage(PT, 'pt-BR');
      expect(text).toContain('**Seu uso de vídeo hoje**');
      expect(text).toContain(n === 1 ? 'Vídeos por dia: **3** (padrão do bot) · já usou 1 vídeo, ainda tem 2 vídeos' : 'já usou 2 vídeos, ainda tem 1 vídeo');
      expect(text).toContain(`já usou ${5 * n} s, ainda tem ${10000 - 5 * n} s`);
      expect(text).toMatch(/Os limites diários renovam <t:\d+:R> \(<t:\d+:f>, meia-noite UTC\)\./);
    }
  });

  it("a ja member's button answers and a ja moderator's /video-limits are Japanese", async () => {
    h.apimart.nextTask(fastTask);
    const theirs = await h.waitForState(h.video({ user: PT, locale: 'pt-BR' }).id, 'delivered');
    const press = async (customId: string) => {
      const sent = h.discord.sendButton({ customId, messageId: theirs.replyMessageId!, user: JA, locale: 'ja', memberPermissions: '0' });
      const call = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${sent.id}/`));
      return String(call.body.data?.content ?? '');
    };
    expect(await press(buttonId('cancel', theirs.id))).toBe('これはあなたの動画ではありません。キャンセルできるのは、作った本人かモデレーターだけです。');
    expect(await press('nonsense')).toContain('このボタンはもう使えません。');

    const sent = h.discord.sendCommand({ name: 'video-limits', options: [{ name: 'show', type: 1, options: [] }], user: JA, locale: 'ja', memberPermissions: String(1 << 5) });
    const call = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${sent.id}/`));
    expect(call.body.data.content).toContain('**サーバーの既定の制限**\n• 1日の動画数：**3**（ボットの既定値）');
    expect(call.body.data.content).toContain('• 最高解像度：上限なし');
  });

  it('a locale the bot does not speak reads English', async () => {
    const text = await usage(XX, 'tlh');
    expect(text).toContain('**Your video usage today**');
    expect(text).toContain('Videos per day: **3** (bot default) · used 0, 3 left');
  });

  it("the poll of a zh-CN member's job asks for the provider's reason in Chinese; an English member's in English", async () => {
    h.apimart.nextTask(fastTask);
    const zh = await h.waitForState(h.video({ user: ZH, locale: 'zh-CN' }).id, 'delivered');
    h.apimart.nextTask(fastTask);
    const en = await h.waitForState(h.video({ user: XX }).id, 'delivered');
    const polls = (taskId: string) => h.apimart.requests.filter((r) => r.method === 'GET' && r.path === `/v1/tasks/${taskId}`).map((r) => new URL(r.url, 'http://x').searchParams.get('language'));
    expect(polls(zh.taskId!).length).toBeGreaterThan(0);
    expect(new Set(polls(zh.taskId!))).toEqual(new Set(['zh']));
    expect(new Set(polls(en.taskId!))).toEqual(new Set(['en']));
    expect(textOf(h.discord.messages.get(h.discord.originalMessageId(zh.interactionId)!)!)).toContain('你的视频好了');
  });
});
