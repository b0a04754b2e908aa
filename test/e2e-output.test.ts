import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedVideoBytes } from './fakes/apimart';
import type { RecordedCall } from './fakes/discord';
import { startHarness, USER, type Harness } from './support/harness';
import { liveMarkdown, shownText } from './support/markdown';
import { buttonsOf, textOf, isCard } from './support/card';

/**
 * What members see of hostile input: nobody is pinged but the requester on the channel fallback, member text
 * shows as typed, Discord takes every message whatever the input or the provider's link, and no log line
 * holds an interaction token (the harness checks every log line on close).
 */

const OTHER = '222222222222222222';
const ROLE = '333333333333333333';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
  // Whatever the input, Discord refused nothing the bot sent.
  expect(h.discord.calls.filter((c) => c.status === 400).map((c) => `${c.method} ${c.path} ${JSON.stringify(c.response)}`)).toEqual([]);
});

const fastTask = () => ({ timeline: [{ at: 0, status: 'pending' }, { at: 300, status: 'processing', progress: 40 }, { at: 1000, status: 'completed' }], estimatedTime: 1, videoBytes: 32 * 1024 });
const slowTask = () => ({ timeline: [{ at: 0, status: 'processing', progress: 10 }, { at: 600_000, status: 'completed' }], estimatedTime: 2 });
const original = (token: string) => new RegExp(`/webhooks/\\d+/${token}/messages/@original`);
const replyOf = (sentId: string) => h.discord.messages.get(h.discord.originalMessageId(sentId)!)!;
const pingsIn = (messageIds: string[]) => h.discord.pings.filter((p) => messageIds.includes(p.messageId));

/** Every quoted (`> `) line of a message: no markdown live in it, and all of them together as Discord shows them. */
function quotedPrompt(content: string): string {
  const lines = content.split('\n').filter((l) => l.startsWith('> '));
  for (const l of lines) expect(liveMarkdown(l.slice(2)), l).toEqual([]);
  return lines.map((l) => shownText(l.slice(2))).join('\n');
}

const clipped = (s: string, max: number) => ([...s].length <= max ? s : `${[...s].slice(0, max - 1).join('')}…`);

describe('mentions ping no one', () => {
  it('a refusal that echoes `<@user> @everyone` from an option pings nobody', async () => {
    const model = `<@${OTHER}> @everyone <@&${ROLE}>`;
    const sent = h.video({ model });
    const edit = await h.discord.waitForCall('PATCH', original(sent.token));
    expect(edit.status).toBe(200);
    const reply = replyOf(sent.id);
    expect(textOf(reply)).toContain(`Unknown model "${model}"`);
    expect(pingsIn([reply.id])).toEqual([]);
    expect([reply.mentions, reply.mentionRoles, reply.mentionEveryone]).toEqual([[], [], false]);
    expect(edit.body.allowed_mentions).toEqual({ parse: [] });
  });

  it('the client names no mentions by default, so no discord.js call can ping by omission', () => {
    expect(h.app.client.options.allowedMentions).toEqual({ parse: [] });
  });

  it('a whole job with mentions in its prompt pings only the requester, once, on the channel fallback', async () => {
    h.apimart.nextTask(fastTask());
    const sent = h.video({ prompt: `<@${OTHER}> <@&${ROLE}> @everyone @here look at this`, createdAt: Date.now() - 16 * 60 * 1000 });
    const queued = await h.waitForState(sent.id, ['queued', 'generating']);
    h.discord.failNext('PATCH', new RegExp(`^/channels/\\d+/messages/${queued.replyMessageId}$`), { status: 404, code: 10008, message: 'Unknown Message', times: 10 });
    const job = await h.waitForState(sent.id, 'delivered');
    expect(job.delivery).toMatchObject({ route: 'channel', attached: true });
    const posted = h.discord.channelMessages(job.channelId).filter((m) => m.createdAt >= job.createdAt);
    expect(pingsIn(posted.map((m) => m.id)).map((p) => ({ users: p.users, roles: p.roles, everyone: p.everyone }))).toEqual([{ users: [USER.id], roles: [], everyone: false }]);
  });

  it('a moderator reply naming a member (`Limits of <@member>`) pings nobody', async () => {
    const sent = h.discord.sendCommand({ name: 'video-limits', options: [{ name: 'show', type: 1, options: [{ name: 'user', type: 6, value: OTHER }] }], user: USER, memberPermissions: String(1 << 5) });
    const callback = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${sent.id}/`));
    expect(callback.body.data.content).toContain(`Limits of <@${OTHER}>`);
    expect(callback.body.data.allowed_mentions).toEqual({ parse: [] });
    expect(pingsIn([h.discord.originalMessageId(sent.id)!])).toEqual([]);
  });
});

describe('member text shows as typed, within Discord limits', () => {
  const BLOCK = [
    `<@${OTHER}> <@&${ROLE}> @everyone`,
    '# Heading',
    '-# subtext',
    '> quote',
    '>>> rest quoted',
    '- list',
    '1. numbered',
    '**bold** *it* _it_ __under__ ~~strike~~ ||spoiler|| `code`',
    '```js',
    'fence()',
    '```',
    '[masked](https://evil.example/phish) [again](https://evil.example/two)',
  ].join('\n');

  it('a 5000-character prompt full of markdown and mentions: every edit accepted, quoted literally, nobody pinged', async () => {
    const prompt = [...Array.from({ length: 40 }, () => BLOCK).join('\n')].slice(0, 5000).join('');
    expect([...prompt]).toHaveLength(5000);
    h.apimart.nextTask(fastTask());
    const sent = h.video({ prompt });
    const job = await h.waitForState(sent.id, 'delivered');
    expect(job.request.prompt).toBe(prompt);
    const edits = h.discord.callsTo('PATCH', original(sent.token)).filter((c) => textOf(c.body ?? {}) !== '');
    expect(edits.length).toBeGreaterThanOrEqual(2);
    for (const e of edits) {
      expect(e.status).toBe(200);
      // A card's text displays hold 4000 characters in all, plain content 2000 (docs/discord.md).
      expect([...textOf(e.body)].length).toBeLessThanOrEqual(isCard(e.body) ? 4000 : 2000);
      expect(quotedPrompt(textOf(e.body))).toBe(clipped(prompt, 300));
    }
    const reply = replyOf(sent.id);
    expect(textOf(reply)).toContain('Your video is ready');
    expect(reply.attachments).toHaveLength(1);
    expect(pingsIn([reply.id])).toEqual([]);
  });

  it('odd file names in the refusal are shown literally; the list stays within 2000 characters', async () => {
    // Discord keeps only [A-Za-z0-9._-] of a file name (the fake does too): underscores are what survives as markdown.
    const names = ['__underline__.gif', '_italic_.gif', '___both___.gif', '**bold**`tick`.gif', '[click](https://evil.example).gif', `<@${OTHER}> @everyone.gif`, `${'x_'.repeat(300)}.gif`];
    const sent = h.video({ images: names.map((filename) => ({ filename, contentType: 'image/gif' })) });
    const edit = await h.discord.waitForCall('PATCH', original(sent.token));
    expect(edit.status).toBe(200);
    const content: string = textOf(edit.body);
    expect([...content].length).toBeLessThanOrEqual(2000);
    expect(content).toContain('This request has 7 problems');
    for (const line of content.split('\n').filter((l) => l.startsWith('• '))) expect(liveMarkdown(line), line).toEqual([]);
    const stored = Object.values(sent.payload.data.resolved.attachments as Record<string, { filename: string }>).map((a) => a.filename);
    expect(stored.slice(0, 3)).toEqual(names.slice(0, 3));
    for (const name of stored.slice(0, 6)) expect(shownText(content)).toContain(`(${name}) is of type image/gif`);
    expect(pingsIn([replyOf(sent.id).id])).toEqual([]);
  });
});

describe("the provider's video link", () => {
  let fileUrl: string;
  beforeAll(async () => {
    // A finished task whose file the fake APIMart serves, to link to with odd URLs.
    h.apimart.nextTask(fastTask());
    const done = await h.waitForState(h.video().id, 'delivered');
    fileUrl = `${h.apimart.url}/files/${done.taskId}.mp4`;
  });

  /** The next poll answers completed with this video URL. */
  const completesWith = (url: string) =>
    h.apimart.failPoll({ status: 200, body: { code: 200, data: { status: 'completed', progress: 100, result: { videos: [{ url: [url], expires_at: Math.floor(Date.now() / 1000) + 86_400 }] } } } });
  const linkButtons = (c: RecordedCall) => buttonsOf(c.body ?? {}).filter((b) => b.style === 5);

  it('648 characters: the video is delivered with no link button, and the message says why', async () => {
    const url = `${fileUrl}?sig=${'s'.repeat(648 - fileUrl.length - 5)}`;
    expect(url).toHaveLength(648);
    h.apimart.nextTask(slowTask());
    completesWith(url);
    const sent = h.video();
    const job = await h.waitForState(sent.id, 'delivered');
    expect(job.delivery).toMatchObject({ route: 'reply', attached: true });
    const upload = h.discord.callsTo('PATCH', original(sent.token)).find((c) => c.files.length > 0)!;
    expect(upload.status).toBe(200);
    expect(upload.files[0]!.data.equals(expectedVideoBytes(32 * 1024))).toBe(true);
    expect(linkButtons(upload)).toEqual([]);
    expect(textOf(replyOf(sent.id))).toContain('The source link is not shown as a button: it is 648 characters long and Discord allows 512.');
  });

  it('a `javascript:` URL: nothing downloaded, no button, and the message says what happened', async () => {
    h.apimart.nextTask(slowTask());
    completesWith('javascript:alert(document.cookie)');
    const sent = h.video();
    const job = await h.waitForState(sent.id, 'delivered');
    expect(job.delivery).toMatchObject({ route: 'reply', attached: false });
    const last = h.discord.callsTo('PATCH', original(sent.token)).at(-1)!;
    expect(last.status).toBe(200);
    expect(linkButtons(last)).toEqual([]);
    const reply = replyOf(sent.id);
    // The address guard refuses the scheme before any fetch (jobs/download.ts), so the link is not shown either.
    expect(textOf(reply)).toContain("The video service's link points somewhere the bot does not fetch from, so there is no file or link to show");
    expect(textOf(reply)).not.toContain('javascript:');
  });
});

describe('secrets in logs', () => {
  it('a Discord error logged whole names the webhook route, never the interaction token', async () => {
    // An expired token: the refusal cannot be shown, so the handler fails and the router logs the error.
    const sent = h.video({ model: 'no-such-model', createdAt: Date.now() - 16 * 60 * 1000 });
    await h.discord.waitForCall('PATCH', original(sent.token), { count: 2 });
    await expect.poll(() => h.logs().includes('could not tell the user about the failure')).toBe(true);
    const lines = h.logs().split('\n').filter((l) => l.includes('"status":401'));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(l).toContain(`/webhooks/${h.discord.applicationId}/[REDACTED]/messages/%40original`);
    expect(h.logs()).not.toContain(sent.token);
  });
});
