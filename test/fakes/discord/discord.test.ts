import { once } from 'node:events';
import {
  AttachmentBuilder,
  ChannelType,
  Client,
  GatewayIntentBits,
  MessageFlags,
  type ButtonInteraction,
} from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { snowflakeFromTime, startFakeDiscord, timeFromSnowflake, type FakeDiscord } from './index';
import { apiError, nextInteraction } from './test-client';

function newClient(fake: FakeDiscord, shards?: { shards: number; shardCount: number }): Client {
  return new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl }, ...shards });
}

async function login(client: Client, fake: FakeDiscord): Promise<void> {
  const ready = once(client, 'clientReady');
  await client.login(fake.botToken);
  await ready;
}

const WEBHOOK = /^\/webhooks\//;
const CALLBACK = /^\/interactions\/\d+\/[^/]+\/callback$/;

describe('fake Discord with a real discord.js client', () => {
  let fake: FakeDiscord;
  let client: Client;

  beforeAll(async () => {
    fake = await startFakeDiscord({ maxUploadBytes: 64 * 1024 });
    client = newClient(fake);
    await login(client, fake);
  });

  afterAll(async () => {
    await client?.destroy();
    await fake?.close();
  });

  it('logs in: /gateway/bot with the bot token, READY, GUILD_CREATE for the guild', async () => {
    const gw = fake.callsTo('GET', /^\/gateway\/bot$/);
    expect(gw[0]?.auth).toBe(`Bot ${fake.botToken}`);
    expect(client.user?.id).toBe(fake.botUserId);
    expect(client.application?.id).toBe(fake.applicationId);
    const guildId = fake.guilds[0]!.id;
    const guild = client.guilds.cache.get(guildId);
    expect(guild?.available).toBe(true);
    expect(guild?.channels.cache.get(fake.defaultChannelId(guildId))?.type).toBe(ChannelType.GuildText);
    expect(guild?.members.me?.id).toBe(fake.botUserId);
    expect(fake.connections()).toEqual([{ shard: 0, identified: true }]);
  });

  it('delivers a command with an attachment; deferReply + editReply with a file go through the webhook', async () => {
    const image = fake.addAttachment({ filename: 'cat.png', contentType: 'image/png', width: 640, height: 480, data: Buffer.alloc(2048, 7) });
    const got = nextInteraction(client);
    const sent = fake.sendCommand({
      name: 'video',
      options: [
        { name: 'prompt', type: 3, value: 'a cat walks' },
        { name: 'image1', type: 11, value: image.id },
      ],
      attachments: [image],
      user: { id: '400000000000000001', username: 'alice' },
      attachmentSizeLimit: 25 * 1024 * 1024,
    });
    const interaction = await got;
    expect(interaction.id).toBe(sent.id);
    expect(interaction.commandName).toBe('video');
    expect(interaction.options.getString('prompt')).toBe('a cat walks');
    const att = interaction.options.getAttachment('image1', true);
    expect([att.name, att.width, att.height, att.contentType, att.size]).toEqual(['cat.png', 640, 480, 'image/png', 2048]);
    expect(interaction.attachmentSizeLimit).toBe(25 * 1024 * 1024);
    expect(interaction.user.username).toBe('alice');
    expect(interaction.channel?.id).toBe(fake.defaultChannelId(fake.guilds[0]!.id));
    expect(new URL(att.url).searchParams.get('ex')).toMatch(/^[0-9a-f]{8}$/);
    const download = await fetch(att.url);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(Buffer.alloc(2048, 7));

    await interaction.deferReply();
    const video = Buffer.from('fake mp4 bytes \u0000\u0001\u0002');
    const edited = await interaction.editReply({ content: 'done', files: [new AttachmentBuilder(video, { name: 'video.mp4' })] });

    const defer = fake.callsTo('POST', CALLBACK).find((c) => c.path.includes(sent.id))!;
    expect(defer.body).toMatchObject({ type: 5 });
    expect(defer.status).toBe(204);
    const patch = await fake.waitForCall('PATCH', new RegExp(`^/webhooks/${fake.applicationId}/${sent.token}/messages/@original$`));
    expect(patch.status).toBe(200);
    expect(patch.body.content).toBe('done');
    expect(patch.body.attachments).toEqual([expect.objectContaining({ id: '0' })]);
    expect(patch.files).toHaveLength(1);
    expect(patch.files[0]).toMatchObject({ field: 'files[0]', filename: 'video.mp4', size: video.length });
    expect(patch.files[0]!.data.equals(video)).toBe(true);

    const messageId = fake.originalMessageId(sent.id)!;
    expect(edited.id).toBe(messageId);
    const stored = fake.messages.get(messageId)!;
    expect(stored.content).toBe('done');
    expect(stored.flags ?? 0).toBe(0); // the "thinking" flag is gone after the edit
    expect(stored.attachments.map((a) => a.filename)).toEqual(['video.mp4']);
    expect(fake.attachmentData(stored.attachments[0]!.url)?.equals(video)).toBe(true);
    expect(edited.attachments.first()?.name).toBe('video.mp4');

    for (const c of [...fake.callsTo('*', WEBHOOK), ...fake.callsTo('*', CALLBACK)]) expect(c.auth).toBeUndefined();
  });

  it('answers with_response=true with the reply message id; a second callback is 40060', async () => {
    const got = nextInteraction(client);
    const sent = fake.sendCommand({ name: 'video-usage' });
    const interaction = await got;
    const response = await interaction.deferReply({ withResponse: true, flags: MessageFlags.Ephemeral });
    expect(response.interaction.responseMessageId).toBe(fake.originalMessageId(sent.id));
    expect(response.interaction.responseMessageEphemeral).toBe(true);
    expect(response.resource?.message?.id).toBe(fake.originalMessageId(sent.id));

    const again = await apiError(
      client.rest.post(`/interactions/${sent.id}/${sent.token}/callback`, { body: { type: 5 }, auth: false }),
    );
    expect([again.status, again.code]).toEqual([400, 40060]);

    // Ephemeral replies are invisible to the channel endpoints (force: skip discord.js's message cache).
    const viaChannel = await apiError(
      interaction.channel!.messages.fetch({ message: fake.originalMessageId(sent.id)!, force: true }),
    );
    expect(viaChannel.code).toBe(10008);

    await interaction.editReply('ok');
    const follow = await interaction.followUp({ content: 'more', flags: MessageFlags.Ephemeral });
    expect(fake.messages.get(follow.id)?.flags).toBe(MessageFlags.Ephemeral);
    expect(fake.interactions.get(sent.id)?.followupIds).toEqual([follow.id]);
  });

  it('expired token (created 16 min ago): deferReply works, editReply is 401/50027, bot token survives', async () => {
    const got = nextInteraction(client);
    const createdAt = Date.now() - 16 * 60 * 1000;
    const sent = fake.sendCommand({ name: 'video', createdAt });
    expect(timeFromSnowflake(sent.id)).toBe(createdAt);
    const interaction = await got;
    await interaction.deferReply();
    const err = await apiError(interaction.editReply('too late'));
    expect([err.status, err.code]).toEqual([401, 50027]);
    expect(fake.callsTo('PATCH', new RegExp(sent.token)).every((c) => c.auth === undefined)).toBe(true);

    // Channel-endpoint fallback with the bot token still works: the 401 above did not cost us the token.
    const messageId = fake.originalMessageId(sent.id)!;
    const channel = interaction.channel!;
    const msg = await channel.messages.edit(messageId, { content: 'delivered via channel' });
    expect(msg.id).toBe(messageId);
    expect(fake.messages.get(messageId)?.content).toBe('delivered via channel');
  });

  it('expireInteraction kills a live token', async () => {
    const got = nextInteraction(client);
    const sent = fake.sendCommand({ name: 'video' });
    const interaction = await got;
    await interaction.deferReply();
    await interaction.editReply('progress 10%');
    fake.expireInteraction(sent.token);
    expect((await apiError(interaction.editReply('progress 20%'))).code).toBe(50027);
  });

  it('stores bulk-overwritten commands, keeps their ids, and puts them into interactions', async () => {
    const guildId = fake.guilds[0]!.id;
    const first = await client.application!.commands.set([{ name: 'video', description: 'make a video' }]);
    const again = await client.application!.commands.set([
      { name: 'video', description: 'make a video!' },
      { name: 'video-usage', description: 'usage' },
    ]);
    expect(again.find((c) => c.name === 'video')?.id).toBe(first.first()?.id);
    const listed = await client.application!.commands.fetch();
    expect([...listed.values()].map((c) => c.name).sort()).toEqual(['video', 'video-usage']);
    const inGuild = await client.application!.commands.set([{ name: 'video-limits', description: 'limits' }], guildId);
    expect(inGuild.first()?.guildId).toBe(guildId);

    const got = nextInteraction(client);
    fake.sendCommand({ name: 'video-limits', options: [{ name: 'show', type: 1, options: [{ name: 'user', type: 6, value: '400000000000000005' }] }] });
    const interaction = await got;
    expect(interaction.commandId).toBe(inGuild.first()?.id);
    expect(interaction.options.getSubcommand()).toBe('show');
    expect(interaction.options.getUser('user')?.id).toBe('400000000000000005');
    expect(interaction.options.getMember('user')).not.toBeNull();
  });

  it('unknown webhook token is 404/10015; a late callback is 404/10062', async () => {
    const err = await apiError(
      client.rest.patch(`/webhooks/${fake.applicationId}/not-a-token/messages/@original`, { body: { content: 'x' }, auth: false }),
    );
    expect([err.status, err.code]).toEqual([404, 10015]);

    const got = nextInteraction(client);
    const sent = fake.sendCommand({ name: 'video' });
    await got;
    fake.interactions.get(sent.id)!.sentAt -= 3500;
    const late = await apiError(
      client.rest.post(`/interactions/${sent.id}/${sent.token}/callback`, { body: { type: 5 }, auth: false }),
    );
    expect([late.status, late.code]).toEqual([404, 10062]);
  });

  it('413/40005 above the interaction limit, and above maxUploadBytes even when under it', async () => {
    const got = nextInteraction(client);
    fake.sendCommand({ name: 'video', attachmentSizeLimit: 1024 });
    const interaction = await got;
    await interaction.deferReply();
    const overLimit = await apiError(
      interaction.editReply({ files: [new AttachmentBuilder(Buffer.alloc(2048), { name: 'big.mp4' })] }),
    );
    expect([overLimit.status, overLimit.code]).toEqual([413, 40005]);

    const got2 = nextInteraction(client);
    fake.sendCommand({ name: 'video', attachmentSizeLimit: 50 * 1024 * 1024 });
    const second = await got2;
    await second.deferReply();
    const overCap = await apiError(
      second.editReply({ files: [new AttachmentBuilder(Buffer.alloc(100 * 1024), { name: 'big.mp4' })] }),
    );
    expect([overCap.status, overCap.code]).toEqual([413, 40005]);
    // The failed upload left the reply untouched and usable.
    await second.editReply({ content: 'link instead', files: [] });
  });

  it('channel.send works, and answers 403/50013 once the channel is forbidden', async () => {
    const guildId = fake.guilds[0]!.id;
    const channelId = fake.addChannel(guildId, { name: 'videos' });
    const got = nextInteraction(client);
    fake.sendCommand({ name: 'video', channelId, user: { id: '400000000000000002' } });
    const interaction = await got;
    expect(interaction.channel?.id).toBe(channelId); // CHANNEL_CREATE arrived before the interaction
    const channel = interaction.channel!;
    if (!channel.isSendable()) throw new Error('channel not sendable');

    const sent = await channel.send({
      content: `<@${interaction.user.id}> <@400000000000000009> your video`,
      allowedMentions: { users: [interaction.user.id] },
    });
    const post = fake.callsTo('POST', new RegExp(`^/channels/${channelId}/messages$`)).at(-1)!;
    expect(post.auth).toBe(`Bot ${fake.botToken}`);
    expect(fake.messages.get(sent.id)?.mentions).toEqual([interaction.user.id]);

    fake.forbidChannel(channelId);
    const err = await apiError(channel.send('again'));
    expect([err.status, err.code]).toEqual([403, 50013]);
    fake.allowChannel(channelId);

    const dm = await interaction.user.send('in your DMs');
    const dmChannelId = fake.dmChannelId(interaction.user.id);
    expect(dm.channelId).toBe(dmChannelId);
    expect(fake.channelMessages(dmChannelId).map((m) => m.content)).toEqual(['in your DMs']);
    fake.forbidDM(interaction.user.id);
    const closed = await apiError(interaction.user.send('blocked'));
    expect(closed.code).toBe(50007);
  });

  it('failNext overrides a route for the given number of calls', async () => {
    fake.failNext('GET', /^\/users\/@me$/, { status: 403, code: 50001, times: 2 });
    expect((await apiError(client.rest.get('/users/@me'))).code).toBe(50001);
    expect((await apiError(client.rest.get('/users/@me'))).code).toBe(50001);
    await expect(client.rest.get('/users/@me')).resolves.toMatchObject({ id: fake.botUserId });
    const unknown = await apiError(client.rest.get('/no/such/route'));
    expect([unknown.status, unknown.code]).toEqual([404, 0]);
    expect(fake.callsTo('GET', /^\/no\/such\/route$/)[0]?.status).toBe(404);
  });

  it('renews expired attachment links through /attachments/refresh-urls', async () => {
    const a = fake.addAttachment({ filename: 'in.png', contentType: 'image/png', data: Buffer.from('png') });
    fake.expireAttachment(a.url);
    expect((await fetch(a.url)).status).toBe(404);
    const res = (await client.rest.post('/attachments/refresh-urls', {
      body: { attachment_urls: [a.url, 'https://elsewhere.example/x.png'] },
    })) as { refreshed_urls: { original: string; refreshed: string }[] };
    expect(res.refreshed_urls).toHaveLength(1);
    expect(res.refreshed_urls[0]!.original).toBe(a.url);
    const fresh = await fetch(res.refreshed_urls[0]!.refreshed);
    expect(Buffer.from(await fresh.arrayBuffer()).toString()).toBe('png');
    fake.deleteAttachment(a.url);
    expect((await fetch(res.refreshed_urls[0]!.refreshed)).status).toBe(404);
  });

  it('button interactions: deferUpdate then editing @original edits the message with the button', async () => {
    const got = nextInteraction(client);
    const cmd = fake.sendCommand({ name: 'video' });
    const interaction = await got;
    await interaction.reply({
      content: 'working',
      components: [{ type: 1, components: [{ type: 2, style: 4, custom_id: 'cancel:job1', label: 'Cancel' }] }],
    });
    const messageId = fake.originalMessageId(cmd.id)!;

    const gotButton = nextInteraction<ButtonInteraction>(client);
    fake.sendButton({ customId: 'cancel:job1', messageId, user: { id: '400000000000000003' } });
    const button = await gotButton;
    expect(button.customId).toBe('cancel:job1');
    expect(button.message.id).toBe(messageId);
    await button.deferUpdate();
    await button.editReply({ content: 'cancelled', components: [] });
    expect(fake.messages.get(messageId)).toMatchObject({ content: 'cancelled', components: [] });
  });

  it('resumes after a dropped connection and replays what was sent meanwhile', async () => {
    const since = Date.now();
    fake.disconnectShard(0);
    const got = nextInteraction(client);
    const sent = fake.sendCommand({ name: 'video' });
    await fake.waitForShard(0, { since });
    const interaction = await got;
    expect(interaction.id).toBe(sent.id);
    expect(fake.gatewayReceived.some((p) => p.op === 6)).toBe(true);
    await interaction.deferReply();
  });
});

describe('fake Discord with two shards', () => {
  it('routes each guild interaction to the shard that owns the guild, DMs to shard 0', async () => {
    const fake = await startFakeDiscord({ shardCount: 2 });
    const clients = [0, 1].map((shard) => newClient(fake, { shards: shard, shardCount: 2 }));
    try {
      await Promise.all(clients.map((c) => login(c, fake)));
      expect(fake.connections().map((c) => c.shard).sort()).toEqual([0, 1]);
      const gw = await fetch(`${fake.apiUrl}/v10/gateway/bot`, { headers: { Authorization: `Bot ${fake.botToken}` } });
      expect(await gw.json()).toMatchObject({ shards: 2, url: fake.gatewayUrl });

      for (const { id: guildId, shard } of fake.guilds) {
        expect(clients[shard]!.guilds.cache.has(guildId)).toBe(true);
        expect(clients[1 - shard]!.guilds.cache.has(guildId)).toBe(false);
        const seen: string[][] = [[], []];
        clients.forEach((c, k) => c.on('interactionCreate', (i) => seen[k]!.push(i.id)));
        const got = nextInteraction(clients[shard]!);
        const sent = fake.sendCommand({ name: 'video', guildId });
        await got;
        await new Promise((r) => setTimeout(r, 50));
        expect(seen[shard]).toEqual([sent.id]);
        expect(seen[1 - shard]).toEqual([]);
        clients.forEach((c) => c.removeAllListeners('interactionCreate'));
      }

      const gotDm = nextInteraction(clients[0]!);
      const dm = fake.sendCommand({ name: 'video', guildId: null, user: { id: '400000000000000004' } });
      const dmInteraction = await gotDm;
      expect(dmInteraction.id).toBe(dm.id);
      expect(dmInteraction.guildId).toBeNull();
      expect(dmInteraction.user.id).toBe('400000000000000004');
    } finally {
      await Promise.all(clients.map((c) => c.destroy()));
      await fake.close();
    }
  });

  it('speaks the gateway protocol to a raw socket: HELLO, heartbeat ACK, 4004 on a bad token', async () => {
    const fake = await startFakeDiscord();
    try {
      const ws = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
      const frames: any[] = [];
      const next = (): Promise<any> =>
        new Promise((resolve) => {
          const take = (): void => (frames.length ? resolve(frames.shift()) : void setTimeout(take, 5));
          take();
        });
      ws.addEventListener('message', (e) => frames.push(JSON.parse(String(e.data))));
      expect(await next()).toMatchObject({ op: 10, d: { heartbeat_interval: 41250 } });
      ws.send(JSON.stringify({ op: 1, d: null }));
      expect(await next()).toMatchObject({ op: 11 });
      const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)));
      ws.send(JSON.stringify({ op: 2, d: { token: 'wrong', intents: 1, properties: {} } }));
      expect(await closed).toBe(4004);
    } finally {
      await fake.close();
    }
  });

  it('fault hook: asked per call with its parsed body, answered as Discord answers failures', async () => {
    const asked: string[] = [];
    const fake = await startFakeDiscord({
      faults: (call) => {
        asked.push(`${call.method} ${call.body?.content}`);
        return call.body?.content === 'busy' ? { status: 429, retryAfter: 0.5 } : call.body?.content === 'down' ? { status: 503 } : undefined;
      },
    });
    try {
      const channel = fake.defaultChannelId(fake.guilds[0]!.id);
      const post = (content: string) =>
        fetch(`${fake.apiUrl}/v10/channels/${channel}/messages`, { method: 'POST', headers: { authorization: `Bot ${fake.botToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ content }) });
      const busy = await post('busy');
      expect(busy.status).toBe(429);
      expect(busy.headers.get('retry-after')).toBe('0.5');
      expect((await post('down')).status).toBe(503);
      expect((await post('fine')).status).toBe(200);
      expect(fake.channelMessages(channel).map((m) => m.content)).toEqual(['fine']);
      expect(asked).toEqual(['POST busy', 'POST down', 'POST fine']);
    } finally {
      await fake.close();
    }
  });

  it('optional per-token webhook rate limit: discord.js waits for the bucket instead of failing', async () => {
    const fake = await startFakeDiscord({ webhookRateLimit: { limit: 2, windowMs: 300 } });
    const client = newClient(fake);
    try {
      await login(client, fake);
      const got = nextInteraction(client);
      const sent = fake.sendCommand({ name: 'video' });
      const interaction = await got;
      await interaction.deferReply();
      const t0 = Date.now();
      for (let k = 1; k <= 3; k++) await interaction.editReply(`progress ${k}`);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
      const edits = fake.callsTo('PATCH', new RegExp(sent.token));
      expect(edits.map((c) => c.status)).toEqual([200, 200, 200]);
      expect(fake.messages.get(fake.originalMessageId(sent.id)!)?.content).toBe('progress 3');
    } finally {
      await client.destroy();
      await fake.close();
    }
  });

  it('hands an interaction sent while the bot was down to the next client that identifies', async () => {
    const fake = await startFakeDiscord();
    const first = newClient(fake);
    const second = newClient(fake);
    try {
      await login(first, fake);
      first.on('shardError', () => {}); // 4004 below is reported as a shard error
      // 4004 is unrecoverable for discord.js: like a killed process, nobody resumes that session.
      fake.disconnectShard(0, { code: 4004 });
      await new Promise((r) => setTimeout(r, 50));
      expect(fake.connections()).toEqual([]);
      const sent = fake.sendCommand({ name: 'video' });
      const got = nextInteraction(second);
      await login(second, fake);
      const interaction = await got;
      expect(interaction.id).toBe(sent.id);
      await interaction.deferReply(); // the 3 s window started at delivery, not at sendCommand
    } finally {
      await first.destroy();
      await second.destroy();
      await fake.close();
    }
  });

  it('gives /gateway/bot only to the bot token', async () => {
    const fake = await startFakeDiscord();
    try {
      const anon = await fetch(`${fake.apiUrl}/v10/gateway/bot`);
      expect(anon.status).toBe(401);
      expect(await anon.json()).toEqual({ code: 0, message: '401: Unauthorized' });
      expect(snowflakeFromTime(Date.now())).toMatch(/^\d{18,19}$/);
    } finally {
      await fake.close();
    }
  });
});
