import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness';
import { buttonsOf, textOf } from './support/card';

/**
 * Outside content through the real bot: provider links that point inside the machine, provider "videos" that
 * are not videos, attachment links the probe must not follow, and attachments whose metadata lies.
 */

let h: Harness;
const hits: string[] = [];
let inside: Server[] = [];
/** Servers an attacker would aim at: 127.0.0.2 (loopback, not a configured host) and the fakes' host on another port. */
const ports: Record<string, number> = {};

beforeAll(async () => {
  h = await startHarness();
  for (const host of ['127.0.0.2', '127.0.0.1']) {
    const server = createServer((req, res) => {
      hits.push(`${host}${req.url}`);
      res.writeHead(200, { 'content-type': 'video/mp4' }).end('\0\0\0\x20ftypisom AKIA-INSTANCE-ROLE-SECRET');
    });
    await new Promise<void>((r) => server.listen(0, host, r));
    ports[host] = (server.address() as { port: number }).port;
    inside.push(server);
  }
});
afterAll(async () => {
  await h?.close();
  for (const s of inside) await new Promise<void>((r) => s.close(() => r()));
  inside = [];
});

const fastTask = { timeline: [{ at: 0, status: 'pending' }, { at: 300, status: 'completed' }], estimatedTime: 1 };
const reply = (sent: { id: string }) => h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!;
const buttons = (sent: { id: string }) => buttonsOf(reply(sent));

describe('a provider link that points inside', () => {
  it.each([
    ['127.0.0.2', 'loopback'],
    ['127.0.0.1', 'the fakes\u2019 host on another port'],
  ])('on %s (%s) is neither fetched nor linked, and the member is told', async (host) => {
    const url = `http://${host}:${ports[host]}/latest/meta-data/iam/security-credentials/bot`;
    h.apimart.nextTask({ ...fastTask, videoUrl: url });
    const sent = h.video();
    const job = await h.waitForState(sent.id, 'delivered');
    expect(job.delivery).toMatchObject({ route: 'reply', attached: false });
    expect(hits).toEqual([]);
    expect(reply(sent).attachments).toHaveLength(0);
    expect(textOf(reply(sent))).toContain('Your video was made but could not be fetched');
    // No link: only the buttons that remake or delete it.
    expect(buttons(sent).map((b) => b.label)).toEqual(['Re-roll', 'Remix', 'Final 1080p', 'Delete']);
    // The address appears in nothing the bot sent to Discord.
    for (const c of h.discord.calls) expect(JSON.stringify(c.body ?? null)).not.toContain(`${host}:${ports[host]}`);
    expect(h.logs()).toContain('video link refused; neither attached nor linked');
    expect(h.logs()).toContain(`refused to connect to ${host} (loopback address)`);
  });
});

describe('a provider "video" that is not an MP4', () => {
  it.each([
    ['text/html', '<!DOCTYPE html><html><body><h1>403 Forbidden</h1></body></html>'],
    ['text/plain', 'ami-id\nhostname\niam/\ninstance-id\n'],
  ])('served as %s is not posted as vidu-….mp4; the link is shown and the log says why', async (contentType, body) => {
    h.apimart.nextTask({ ...fastTask, videoContent: { contentType, body } });
    const sent = h.video();
    const job = await h.waitForState(sent.id, 'delivered');
    expect(job.delivery).toMatchObject({ route: 'reply', attached: false });
    expect(h.apimart.videoDownloads(job.taskId!)).toBe(1);
    expect(reply(sent).attachments).toHaveLength(0);
    const uploads = h.discord.callsTo('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`)).filter((c) => c.files.length > 0);
    expect(uploads).toEqual([]);
    expect(textOf(reply(sent))).toContain('The video could not be attached here. Use the button below to download it');
    expect(buttons(sent).find((b) => b.label === 'Download video')).toMatchObject({ url: job.videoUrl });
    expect(h.logs()).toContain(`not an MP4 (Content-Type ${contentType}`);
  });
});

describe('the image probe', () => {
  it('does not read an attachment link that points inside, and says so in the log', async () => {
    const [a] = await h.app.ctx.probe([{ url: `http://127.0.0.2:${ports['127.0.0.2']}/attachments/1/2/a.png`, filename: 'a.png', contentType: null, size: 1000, width: null, height: null }]);
    expect(a).toMatchObject({ width: null, height: null });
    expect(hits).toEqual([]);
    expect(h.logs()).toContain('attachment bytes could not be read; the image is refused');
  });
});

describe('attachments whose metadata lies', () => {
  const gif = Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.from([0x20, 0x03, 0x58, 0x02]), Buffer.alloc(8)]);
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600"><script>alert(1)</script></svg>');

  it('are judged by their bytes or refused as impossible, all problems together, nothing submitted', async () => {
    const before = h.apimart.submitCount();
    const sent = h.video({
      images: [
        { filename: 'a.gif', contentType: 'image/png', data: gif },
        { filename: 'evil.svg.png', contentType: null, data: svg },
        { size: -1 },
        {},
      ],
    });
    await h.discord.waitForCall('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`));
    const content = textOf(reply(sent));
    expect(content).toContain('This request has 3 problems');
    expect(content).toContain('image1 (a.gif) is of type image/gif; use PNG, JPEG or WebP.');
    expect(content).toContain('image2 (evil.svg.png) is of type image/svg+xml; use PNG, JPEG or WebP.');
    expect(content).toContain("image3 (ref3.png) has an impossible file size (-1 bytes) in Discord's data; upload it again.");
    expect(h.apimart.submitCount()).toBe(before);
  });
});
