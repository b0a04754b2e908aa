import { describe, expect, it } from 'vitest';
import { jobInput } from './support/job-input';
import { escapeMarkdown } from 'discord.js';
import { newJob, type Job } from '../src/jobs/record';
import { literal } from '../src/discord/markdown';
import { apiBody, ephemeral, replyOptions } from '../src/discord/outgoing';
import { renderError, renderProblems } from '../src/discord/render';
import { renderCard, type CardPayload, type NotAttached } from '../src/discord/card';
import type { Outgoing } from '../src/discord/outgoing';
import { buttonsOf, textOf } from './support/card';
import type { Failure } from '../src/jobs/failure';
import { messageBodyRefusal, mentionsOf } from './fakes/discord/state';
import { liveMarkdown, shownText } from './support/markdown';

const MEMBER = '323456789012345678';
const OTHER = '222222222222222222';

/** Markdown of every kind Discord renders, and mentions, in one block. */
const MARKDOWN = [
  `<@${OTHER}> <@!${OTHER}> <@&333333333333333333> @everyone @here`,
  '# heading',
  '## heading two',
  '### heading three',
  '-# subtext',
  '> quote',
  '>>> quote to the end',
  '- bullet',
  '* bullet star',
  '  - nested bullet',
  '1. numbered',
  '**bold** *italic* _italic_ __underline__ ~~strike~~ ||spoiler|| `code` ``code`` ****runs***** `````',
  '```js',
  'fenced()',
  '```',
  '[masked](https://evil.example/phish) and [another](https://evil.example/two)',
  'a back\\slash, \\*pre-escaped\\*, and a last \\',
].join('\n');

function job(over: Partial<Job> = {}): Job {
  const request = { model: 'viduq3' as const, prompt: MARKDOWN, image_urls: ['https://cdn.example/a.png'], duration: 5, resolution: '720p' as const, aspect_ratio: '16:9' as const };
  const base = newJob(jobInput({ id: 'abcdef0123456789abcd', userId: MEMBER, request }), 0);
  return { ...base, state: 'generating', progress: 42, submittedAt: 0, videoUrl: 'https://files.example/v.mp4', videoExpiresAt: 86_400_000, ...over };
}

/** The card of one job in each of its moments (src/discord/card.ts). */
const renderRunning = (j: Job, now: number) => renderCard([j], { kind: 'running', now });
function renderDelivered(j: Job, o: { attached: boolean; mention?: string; tooLarge?: { sizeBytes: number; limitBytes: number } }): CardPayload {
  const why: NotAttached | undefined = o.attached ? undefined : o.tooLarge ? { code: 'too_large', ...o.tooLarge } : { code: 'not_downloaded' };
  return renderCard([{ ...j, state: 'completed' }], { kind: 'delivered', notAttached: new Map(why ? [[j.id, why]] : []) }, { mention: o.mention });
}
const renderFailed = (j: Job, reason: Failure, o: { retryable: boolean }) => renderCard([{ ...j, state: 'failed' }], { kind: 'ended', ending: { kind: 'failed', reason, retryable: o.retryable } });
const renderCancelled = (j: Job, by: string) => renderCard([{ ...j, state: 'cancelled' }], { kind: 'ended', ending: { kind: 'cancelled', by } });

/** The quoted prompt of a rendered message, as Discord shows it. */
function quoted(text: string): string {
  return text
    .split('\n')
    .filter((l) => l.startsWith('> '))
    .map((l) => shownText(l.slice(2)))
    .join('\n');
}

describe('literal: member text shows as typed', () => {
  it('leaves no markdown live, and reads back as the original, line by line', () => {
    const escaped = literal(MARKDOWN);
    const lines = escaped.split('\n');
    expect(lines).toHaveLength(MARKDOWN.split('\n').length);
    lines.forEach((l, i) => {
      expect(liveMarkdown(l), l).toEqual([]);
      expect(shownText(l)).toBe(MARKDOWN.split('\n')[i]);
    });
  });

  it('covers what discord.js escapeMarkdown leaves live even with every option on', () => {
    // The reasons `literal` is not escapeMarkdown (src/discord/markdown.ts).
    const all = { heading: true, bulletedList: true, numberedList: true, maskedLink: true };
    for (const s of ['-# subtext', '> quote', '>>> quote', '[a](https://x.example/a) [b](https://x.example/b)', '****', '`````']) {
      expect(liveMarkdown(escapeMarkdown(s, all)), s).not.toEqual([]);
      expect(liveMarkdown(literal(s)), s).toEqual([]);
      expect(shownText(literal(s))).toBe(s);
    }
  });
});

describe('rendered messages', () => {
  const long = (n: number) => Array.from({ length: Math.ceil(n / MARKDOWN.length) }, () => MARKDOWN).join('\n').slice(0, n);
  const hostile = [
    job({ request: { ...job().request, prompt: long(5000) } }),
    job({ request: { ...job().request, prompt: '😀'.repeat(5000) } }),
    job({ request: { ...job().request, prompt: '\n'.repeat(5000) } }),
    job({ request: { ...job().request, prompt: '*'.repeat(5000) } }),
    job({ videoUrl: `https://files.example/v.mp4?sig=${'a'.repeat(630)}` }),
    job({ videoUrl: 'javascript:alert(1)' }),
    job({ videoUrl: 'https://files.example/has space.mp4' }),
    job({ videoUrl: 'not a url' }),
  ];
  const renders = (j: Job): [string, Outgoing][] => [
    ['running', renderRunning(j, 60_000)],
    ['delivered', renderDelivered(j, { attached: true })],
    ['delivered, not attached', renderDelivered(j, { attached: false })],
    ['delivered, too large, mentioning', renderDelivered(j, { attached: false, mention: MEMBER, tooLarge: { sizeBytes: 30 << 20, limitBytes: 10 << 20 } })],
    ['failed', renderFailed(j, { code: 'task_failed', providerMessage: long(300) }, { retryable: true })],
    ['cancelled', renderCancelled(j, OTHER)],
    ['problems', renderProblems('This request has 7 problems', Array.from({ length: 7 }, (_, i) => `image${i + 1} (${long(200)}.gif) is of type image/gif; use PNG, JPEG or WebP.`))],
    ['error', renderError('Something went wrong on our side. Please try again.', 'deadbeef')],
  ];

  it.each(hostile.map((j, i) => [i, j] as const))('hostile input %i: Discord takes every message, and the prompt shows as typed', (_i, j) => {
    for (const [name, m] of renders(j)) {
      const body = apiBody(m);
      expect(messageBodyRefusal(body), name).toBeUndefined();
      const content = textOf(m);
      // A card's text displays hold 4000 characters in all, plain content 2000 (docs/discord.md).
      expect([...content].length, name).toBeLessThanOrEqual('card' in m ? 4000 : 2000);
      for (const line of content.split('\n').filter((l) => l.startsWith('> '))) expect(liveMarkdown(line.slice(2)), `${name}: ${line}`).toEqual([]);
      const shown = quoted(content);
      if (shown) expect(j.request.prompt.startsWith(shown.replace(/…$/, '')), name).toBe(true);
    }
  });

  it('quotes the prompt escaped: the masked link, heading and fence stay text', () => {
    const text = textOf(renderRunning(job({ request: { ...job().request, prompt: '# Big\n[click](https://evil.example)\n```\nx\n```' } }), 0));
    expect(text).toContain('> \\# Big\n> \\[click](https://evil.example)\n> \\`\\`\\`\n> x\n> \\`\\`\\`');
  });

  it('file names and option values in problems show literally', () => {
    const text = renderProblems('This request has 2 problems', ['image1 (**x**_[y](https://e.example)`.gif) is of type image/gif; use PNG, JPEG or WebP.', `Unknown model "<@${OTHER}> @everyone"; choose viduq3 or viduq3-mix.`]).text;
    const [, first, second] = text.split('\n');
    expect(liveMarkdown(first!.slice(2))).toEqual([]);
    expect(shownText(first!)).toBe('• image1 (**x**_[y](https://e.example)`.gif) is of type image/gif; use PNG, JPEG or WebP.');
    expect(second).toBe(`• Unknown model "<@${OTHER}> @everyone"; choose viduq3 or viduq3-mix.`);
  });
});

describe('link buttons', () => {
  const linkOf = (m: CardPayload) => buttonsOf(m).find((b) => 'url' in b);

  it('an http(s) URL of at most 512 characters is a button', () => {
    const url = `https://files.example/v.mp4?sig=${'a'.repeat(512 - 32)}`;
    expect(url).toHaveLength(512);
    expect(linkOf(renderDelivered(job({ videoUrl: url }), { attached: false }))).toMatchObject({ label: 'Download video', url });
  });

  it('a 648-character URL is no button; the text says why and still gives the link', () => {
    const url = `https://files.example/v.mp4?sig=${'a'.repeat(648 - 32)}`;
    const attached = renderDelivered(job({ videoUrl: url }), { attached: true });
    expect(linkOf(attached)).toBeUndefined();
    expect(textOf(attached)).toContain('The source link is not shown as a button: it is 648 characters long and Discord allows 512.');
    const link = renderDelivered(job({ videoUrl: url }), { attached: false });
    expect(linkOf(link)).toBeUndefined();
    expect(textOf(link)).toContain('its download link cannot be a button: it is 648 characters long and Discord allows 512. Here it is; the link expires <t:86400:R>: <https://files.example/v.mp4?sig=aaa');
    expect(textOf(link)).toContain(`<${url}>`);
  });

  it('a link too long for the message too is described, not cut', () => {
    const url = `https://files.example/v.mp4?sig=${'a'.repeat(3000)}`;
    const m = renderDelivered(job({ videoUrl: url }), { attached: false });
    expect(textOf(m)).not.toContain('sig=');
    expect(textOf(m)).toContain('Discord allows 512, and it is too long to show here.');
  });

  it.each(['javascript:alert(1)', 'data:video/mp4;base64,AAAA', 'ftp://files.example/v.mp4', 'https://files.example/a b.mp4', 'files.example/v.mp4'])('%s is no button and not shown', (url) => {
    const m = renderDelivered(job({ videoUrl: url }), { attached: false });
    expect(linkOf(m)).toBeUndefined();
    expect(textOf(m)).toContain('The video could not be attached here, and its download link cannot be a button: the video service sent a link that is not a web (http or https) address.');
    expect(textOf(m)).not.toContain(url);
    expect(messageBodyRefusal(apiBody(m))).toBeUndefined();
  });
});

describe('who a message notifies', () => {
  const delivered = renderDelivered(job(), { attached: true, mention: MEMBER });
  const running = renderRunning(job(), 0);

  it('REST bodies carry allowed_mentions, discord.js options allowedMentions; only the requester, only on the fallback post', () => {
    expect(apiBody(running).allowed_mentions).toEqual({ parse: [] });
    expect(apiBody(delivered).allowed_mentions).toEqual({ parse: [], users: [MEMBER] });
    const plain = { text: `<@${OTHER}>`, rows: [] };
    expect(replyOptions(plain).allowedMentions).toEqual({ parse: [] });
    expect(replyOptions({ ...plain, ping: MEMBER }).allowedMentions).toEqual({ parse: [], users: [MEMBER] });
    expect(ephemeral(`Limits of <@${OTHER}>`)).toMatchObject({ allowedMentions: { parse: [] }, flags: 64 });
    expect('allowed_mentions' in replyOptions(plain)).toBe(false);
  });

  it('as Discord works it out: the prompt pings nobody, the requester is pinged on the fallback', () => {
    const content = textOf(delivered);
    expect(content).toContain(`<@${OTHER}>`);
    expect(mentionsOf(content, apiBody(delivered).allowed_mentions, 'message')).toEqual({ users: [MEMBER], roles: [], everyone: false });
    expect(mentionsOf(textOf(running), apiBody(running).allowed_mentions, 'webhook')).toEqual({ users: [], roles: [], everyone: false });
  });
});

describe('a finished video\'s buttons and a remake\'s source', () => {
  const labels = (m: CardPayload) => buttonsOf(m).map((b) => b.label ?? '');

  it('Re-roll, Remix, Final (below 1080p, seed known) and Delete, then the link in its own row', () => {
    const seeded = job({ state: 'delivered', request: { ...job().request, seed: 9 } });
    expect(labels(renderDelivered(seeded, { attached: true }))).toEqual(['Re-roll', 'Remix', 'Final 1080p', 'Delete', 'Source video']);
    expect(labels(renderDelivered({ ...seeded, request: { ...seeded.request, resolution: '1080p' } }, { attached: true }))).toEqual(['Re-roll', 'Remix', 'Delete', 'Source video']);
    // A record of an earlier build without a seed cannot be reproduced at 1080p.
    expect(labels(renderDelivered(job({ state: 'delivered' }), { attached: true }))).not.toContain('Final 1080p');
    const ids = buttonsOf(renderDelivered(seeded, { attached: true })).map((b) => b.custom_id);
    expect(ids.slice(0, 4)).toEqual(['reroll', 'remix', 'final', 'delete'].map((a) => `vidu:${a}:${seeded.id}`));
  });

  it('takes get one Final each, naming the take, in a row of their own', () => {
    const ids = ['take000000000000001a', 'take000000000000002b'];
    const takes = ids.map((id, i) => job({ id, state: 'completed', request: { ...job().request, seed: 10 + i }, group: { id: ids[0]!, index: i + 1, jobIds: ids } }));
    const card = renderCard(takes, { kind: 'delivered', notAttached: new Map() });
    const finals = buttonsOf(card).filter((b) => b.custom_id?.startsWith('vidu:final:'));
    expect(finals.map((b) => [b.label, b.custom_id])).toEqual(ids.map((id, i) => [`Final 1080p · Take ${i + 1}`, `vidu:final:${id}`]));
    expect(labels(card).slice(0, 3)).toEqual(['Re-roll', 'Remix', 'Delete']);
  });

  it('while takes still run, the ones delivered play (or show why they are links) and one made but not sent is only ready', () => {
    const ids = ['take000000000000001a', 'take000000000000002b', 'take000000000000003c'];
    const group = (i: number) => ({ id: ids[0]!, index: i + 1, jobIds: ids });
    const seed = (i: number) => ({ ...job().request, seed: 10 + i });
    const takes = [
      job({ id: ids[0], state: 'delivered', request: seed(0), group: group(0), delivery: { route: 'reply', attached: true } }),
      job({ id: ids[1], state: 'delivered', request: seed(1), group: group(1), delivery: { route: 'reply', attached: false, linked: { code: 'too_large', sizeBytes: 2 * 1_048_576, limitBytes: 1_048_576 } } }),
      job({ id: ids[2], state: 'completed', request: seed(2), group: group(2) }),
    ];
    const card = renderCard(takes, { kind: 'running', now: 5_000, files: new Set([ids[0]!]) });
    const text = textOf(card);
    expect(card.card.components.find((c) => c.type === 12)).toMatchObject({ items: [{ media: { url: `attachment://vidu-${ids[0]}.mp4` }, description: 'Take 1' }] });
    expect(text).toContain('**Take 1** · seed 10 · ✅ ready');
    expect(text).toContain('**Take 2** · seed 11 · ✅ ready, linked below');
    // The reason is the record's: every later edit of the card still says it.
    expect(text).toMatch(/Take 2 \(2\.0 MB\) is too large to upload here \(limit 1\.0 MB\)/);
    expect(text).toContain('**Take 3** · seed 12 · ✅ ready');
    expect(labels(card)).toEqual(['Cancel', 'Take 1', 'Take 2', 'Final 1080p · Take 1', 'Final 1080p · Take 2']);
  });

  it("a Remix's or Final's message links the message it came from, while running and when finished", () => {
    const url = 'https://discord.com/channels/123456789012345678/223456789012345678/623456789012345678';
    const remix = job({ cameFrom: { kind: 'remix', jobId: 'src0000000000000001', messageUrl: url } });
    expect(textOf(renderRunning(remix, 0))).toContain(`-# Remix of ${url}`);
    expect(textOf(renderDelivered({ ...remix, state: 'delivered', cameFrom: { kind: 'final', jobId: 'src0000000000000001', messageUrl: url } }, { attached: true }))).toContain(`-# Final of ${url}`);
    expect(textOf(renderRunning(job(), 0))).not.toMatch(/(Remix|Final) of/);
  });
});
