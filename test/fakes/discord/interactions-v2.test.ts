import { once } from 'node:events';
import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  CheckboxBuilder,
  Client,
  ContainerBuilder,
  DiscordAPIError,
  FileUploadBuilder,
  GatewayIntentBits,
  LabelBuilder,
  MediaGalleryBuilder,
  MessageFlags,
  ModalBuilder,
  RadioGroupBuilder,
  StringSelectMenuBuilder,
  TextDisplayBuilder,
  TextInputBuilder,
  TextInputStyle,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type MessageContextMenuCommandInteraction,
  type ModalSubmitInteraction,
} from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from './index';
import { apiError, nextInteraction } from './test-client';

/** Components V2, modals, message commands, autocomplete, roles, locales, ephemeral rules and the spec check. */

const MEMBER = { id: '400000000000000011', username: 'mika' };

/** The first `_errors` entry of a 50035 answer, with the path that leads to it. */
function fieldError(err: DiscordAPIError): { path: string; code: string } {
  let node: any = (err.rawError as any).errors;
  const path: string[] = [];
  while (node && !node._errors) {
    const key = Object.keys(node)[0]!;
    path.push(key);
    node = node[key];
  }
  return { path: path.join('.'), code: node?._errors?.[0]?.code };
}

const card = (text: string, media?: string): ContainerBuilder => {
  const c = new ContainerBuilder().addTextDisplayComponents(new TextDisplayBuilder().setContent(text));
  if (media) c.addMediaGalleryComponents(new MediaGalleryBuilder().addItems((i) => i.setURL(media)));
  return c;
};

describe('fake Discord: the newer interaction surface through discord.js', () => {
  let fake: FakeDiscord;
  let client: Client;

  beforeAll(async () => {
    fake = await startFakeDiscord();
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
    const ready = once(client, 'clientReady');
    await client.login(fake.botToken);
    await ready;
  });

  afterAll(async () => {
    await client?.destroy();
    await fake?.close();
  });

  const command = async (o: Parameters<FakeDiscord['sendCommand']>[0] = { name: 'video', user: MEMBER }) => {
    const got = nextInteraction(client);
    const sent = fake.sendCommand(o);
    return { sent, interaction: await got };
  };

  it('a deferred reply becomes a V2 card with an uploaded MP4 the gallery plays; the flag stays on later edits', async () => {
    const { sent, interaction } = await command();
    await interaction.deferReply();
    const mp4 = new AttachmentBuilder(Buffer.from('mp4'), { name: 'take1.mp4' });
    await interaction.editReply({ flags: MessageFlags.IsComponentsV2, components: [card('Done', 'attachment://take1.mp4')], files: [mp4] });
    const m = fake.messages.get(fake.originalMessageId(sent.id)!)!;
    expect(m.flags! & MessageFlags.IsComponentsV2).toBeTruthy();
    expect(m.components[0]).toMatchObject({ type: 17, components: [{ type: 10, content: 'Done' }, { type: 12, items: [{ media: { url: 'attachment://take1.mp4' } }] }] });
    expect(m.attachments.map((a) => a.filename)).toEqual(['take1.mp4']);

    // An edit that does not repeat the flag is still a V2 edit: content is refused, components are fine.
    const withContent = await apiError(interaction.editReply({ content: 'plain text' }));
    expect([withContent.status, withContent.code, fieldError(withContent).path]).toEqual([400, 50035, 'content']);
    await interaction.editReply({ components: [card('Still V2', 'attachment://take1.mp4')] });
    const off = await apiError(interaction.editReply({ flags: 0 as never, components: [card('x')] }));
    expect(fieldError(off)).toEqual({ path: 'flags', code: 'MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG' });
    expect(fake.specErrors()).toEqual([]);
  });

  it('refuses content or embeds with the flag, over 40 components, and a gallery item no attachment backs', async () => {
    const { interaction } = await command();
    const v2 = { flags: MessageFlags.IsComponentsV2 } as const;
    const content = await apiError(interaction.reply({ ...v2, content: 'hi', components: [card('x')] }));
    expect([content.status, fieldError(content)]).toEqual([400, { path: 'data.content', code: 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2' }]);
    const embeds = await apiError(interaction.reply({ ...v2, embeds: [{ title: 'e' }], components: [card('x')] }));
    expect(fieldError(embeds).path).toBe('data.embeds');

    // One container with 39 text displays is 40 components; one more is refused.
    const displays = (n: number) => new ContainerBuilder().addTextDisplayComponents(...Array.from({ length: n }, (_, k) => new TextDisplayBuilder().setContent(`line ${k}`)));
    const tooMany = await apiError(interaction.reply({ ...v2, components: [displays(40)] }));
    expect(fieldError(tooMany)).toEqual({ path: 'data.components', code: 'COMPONENT_MAX_TOTAL_COMPONENTS_EXCEEDED' });
    const missing = await apiError(interaction.reply({ ...v2, components: [card('x', 'attachment://nothing.mp4')] }));
    expect(fieldError(missing)).toEqual({ path: 'data.components.0.components.1.items.0.media.url', code: 'UNFURLED_MEDIA_ATTACHMENT_NOT_FOUND' });

    await interaction.reply({ ...v2, components: [displays(39)] });
    expect(fake.messages.get(fake.originalMessageId(interaction.id)!)?.components[0].components).toHaveLength(39);
  });

  it('V2 on channel posts and DMs: buttons, a link button and a select in a container; the attachment must be in the same message', async () => {
    const channel = await client.channels.fetch(fake.defaultChannelId(fake.guilds[0]!.id));
    if (!channel?.isSendable()) throw new Error('not sendable');
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId('vidu:reroll:1').setLabel('Re-roll').setStyle(ButtonStyle.Primary),
      new ButtonBuilder().setURL('https://cdn.example/video.mp4').setLabel('Source').setStyle(ButtonStyle.Link),
    );
    const select = new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(
      new StringSelectMenuBuilder().setCustomId('vidu:pick:1').addOptions({ label: 'Take 1', value: '1' }, { label: 'Take 2', value: '2' }),
    );
    const container = card('Posted', 'attachment://clip.mp4').addActionRowComponents(row.toJSON(), select.toJSON());
    const sent = await channel.send({ flags: MessageFlags.IsComponentsV2, components: [container], files: [new AttachmentBuilder(Buffer.from('x'), { name: 'clip.mp4' })] });
    expect(fake.messages.get(sent.id)?.components[0].components.map((c: any) => c.type)).toEqual([10, 12, 1, 1]);
    // An edit that drops the attachment while the gallery still names it is refused.
    const dropped = await apiError(channel.messages.edit(sent.id, { attachments: [], components: [container] }));
    expect(fieldError(dropped).code).toBe('UNFURLED_MEDIA_ATTACHMENT_NOT_FOUND');
    const removeFlag = await apiError(client.rest.patch(`/channels/${channel.id}/messages/${sent.id}`, { body: { flags: 0, content: 'x' } }));
    expect(fieldError(removeFlag).path).toBe('flags');

    const dm = await (await client.users.fetch(MEMBER.id)).send({ flags: MessageFlags.IsComponentsV2, components: [card('In your DMs')] });
    expect(fake.messages.get(dm.id)?.flags).toBe(MessageFlags.IsComponentsV2);
    expect(fake.specErrors()).toEqual([]);
  });

  it('mentions in a V2 card\'s text displays ping as allowed_mentions allows', async () => {
    const { sent, interaction } = await command();
    await interaction.deferReply();
    const before = fake.pings.length;
    await interaction.editReply({ flags: MessageFlags.IsComponentsV2, components: [card(`<@${MEMBER.id}> @everyone your video`)], allowedMentions: { parse: [] } });
    expect(fake.pings.length).toBe(before);
    await interaction.editReply({ components: [card(`<@${MEMBER.id}> your video`)] });
    expect(fake.pings.slice(before)).toEqual([expect.objectContaining({ messageId: fake.originalMessageId(sent.id), users: [MEMBER.id] })]);
  });

  it('webhook follow-ups take V2; a legacy message cannot carry V2 components', async () => {
    const { interaction } = await command();
    await interaction.deferReply();
    await interaction.editReply('legacy');
    const follow = await interaction.followUp({ flags: MessageFlags.IsComponentsV2, components: [card('follow-up')] });
    expect(fake.messages.get(follow.id)?.components[0].type).toBe(17);
    const legacy = await apiError(interaction.followUp({ components: [card('no flag') as never] }));
    expect(fieldError(legacy)).toEqual({ path: 'components.0.type', code: 'UNION_TYPE_CHOICES' });
  });

  it('a modal from a message command: Labels with text input, select, radio group, checkbox, file upload; its submit carries the values and files', async () => {
    const guildId = fake.guilds[0]!.id;
    const img = { contentType: 'image/png', width: 800, height: 600, data: Buffer.from('png bytes') };
    const target = fake.addMessage({ author: MEMBER, content: 'my cat', files: [{ filename: 'a.png', ...img }, { filename: 'notes.txt', data: Buffer.from('t') }], embedImages: [{ filename: 'e.png', ...img }] });
    fake.expireAttachment(target.attachments[0]!.url);

    const got = nextInteraction<MessageContextMenuCommandInteraction>(client);
    const sent = fake.sendMessageCommand({ name: 'Make a video', messageId: target.id, user: MEMBER, locale: 'ja' });
    const mc = await got;
    expect(mc.isMessageContextMenuCommand()).toBe(true);
    expect([mc.commandType, mc.targetId, mc.locale, mc.guildId]).toEqual([3, target.id, 'ja', guildId]);
    expect(mc.targetMessage.attachments.map((a) => a.name)).toEqual(['a.png', 'notes.txt']);
    expect((await fetch(mc.targetMessage.attachments.first()!.url)).status).toBe(404); // expired link
    const embedUrl = mc.targetMessage.embeds[0]!.image!.url;
    expect(Buffer.from(await (await fetch(embedUrl)).arrayBuffer()).toString()).toBe('png bytes');

    const modal = new ModalBuilder()
      .setCustomId('vidu:make:1')
      .setTitle('Make a video')
      .addLabelComponents(
        new LabelBuilder().setLabel('Prompt').setTextInputComponent(new TextInputBuilder().setCustomId('prompt').setStyle(TextInputStyle.Paragraph).setMaxLength(4000).setValue('slow dolly in')),
        new LabelBuilder().setLabel('Model').setStringSelectMenuComponent(new StringSelectMenuBuilder().setCustomId('model').addOptions({ label: 'viduq3', value: 'viduq3', default: true }, { label: 'viduq3-mix', value: 'viduq3-mix' })),
        new LabelBuilder().setLabel('Aspect').setRadioGroupComponent(new RadioGroupBuilder().setCustomId('aspect').addOptions({ label: '16:9', value: '16:9', default: true }, { label: '9:16', value: '9:16' })),
        new LabelBuilder().setLabel('Preview').setCheckboxComponent(new CheckboxBuilder().setCustomId('preview')),
        new LabelBuilder().setLabel('More images').setFileUploadComponent(new FileUploadBuilder().setCustomId('images').setMinValues(0).setMaxValues(7).setRequired(false)),
      );
    await mc.showModal(modal);
    const shown = await fake.waitForModal(sent.id);
    expect([shown.customId, shown.title, shown.components.length]).toEqual(['vidu:make:1', 'Make a video', 5]);
    expect(shown.latencyMs).toBeLessThan(3000);
    expect(fake.specErrors()).toEqual([]);
    // Answering twice is refused, and the modal answer is the only one.
    const late = client.rest.post(`/interactions/${sent.id}/${sent.token}/callback`, { body: { type: 4, data: { content: 'late' } }, auth: false });
    expect((await apiError(late)).code).toBe(40060);

    expect(() => fake.submitModal({ interaction: sent.id, customId: 'other' })).toThrow(/custom id/);
    expect(() => fake.submitModal({ interaction: sent.id, values: { prompt: '' } })).toThrow(/prompt is required/);
    expect(() => fake.submitModal({ interaction: sent.id, values: { prompt: 'x', model: ['gpt'] } })).toThrow(/no option gpt/);

    const gotSubmit = nextInteraction<ModalSubmitInteraction>(client);
    const submit = fake.submitModal({
      interaction: sent.id,
      values: { prompt: 'the cat jumps', model: ['viduq3-mix'], aspect: '9:16', preview: true, images: [{ filename: 'up.png', ...img }, { filename: 'up2.webp', contentType: 'image/webp', data: Buffer.from('webp') }] },
    });
    const ms = await gotSubmit;
    expect(ms.isModalSubmit()).toBe(true);
    expect(ms.customId).toBe('vidu:make:1');
    expect(ms.fields.getTextInputValue('prompt')).toBe('the cat jumps');
    expect(ms.fields.getStringSelectValues('model')).toEqual(['viduq3-mix']);
    expect(ms.fields.getRadioGroup('aspect')).toBe('9:16');
    expect(ms.fields.getCheckbox('preview')).toBe(true);
    const uploads = ms.fields.getUploadedFiles('images')!;
    expect(uploads.map((a) => a.name)).toEqual(['up.png', 'up2.webp']);
    expect(Buffer.from(await (await fetch(uploads.first()!.url)).arrayBuffer()).toString()).toBe('png bytes');
    expect(() => fake.submitModal({ interaction: sent.id, values: { prompt: 'again' } })).toThrow(/already submitted/);

    // The submit is its own interaction: it can be deferred, but it cannot open another modal.
    const again = await apiError(client.rest.post(`/interactions/${submit.id}/${submit.token}/callback`, { body: { type: 9, data: modal.toJSON() }, auth: false }));
    expect(fieldError(again)).toEqual({ path: 'type', code: 'INTERACTION_RESPONSE_TYPE_INVALID' });
    const other = await command({ name: 'video', user: MEMBER });
    await other.interaction.showModal(modal);
    const gotSecond = nextInteraction<ModalSubmitInteraction>(client);
    fake.submitModal({ interaction: other.sent.id, values: { prompt: 'p' } });
    const second = await gotSecond;
    await second.deferReply();
    await second.editReply('job started');
    expect(fake.originalMessageId(submit.id)).toBeUndefined();
    expect(fake.messages.get(fake.originalMessageId(second.id)!)).toMatchObject({ content: 'job started', interactionId: second.id });
  });

  it('refuses modals Discord refuses: over 5 components, a long title, bad lengths, after a deferral, to an autocomplete', async () => {
    const input = (id: string) => new LabelBuilder().setLabel(id).setTextInputComponent(new TextInputBuilder().setCustomId(id).setStyle(TextInputStyle.Short));
    const raw = (data: unknown) => ({ type: 9, data });
    const callback = (s: { id: string; token: string }, body: unknown) => client.rest.post(`/interactions/${s.id}/${s.token}/callback`, { body, auth: false });
    const labels = (n: number) => Array.from({ length: n }, (_, k) => input(`f${k}`).toJSON());

    const cases: [unknown, string, string][] = [
      [raw({ custom_id: 'm', title: 'T', components: labels(6) }), 'data.components', 'BASE_TYPE_BAD_LENGTH'],
      [raw({ custom_id: 'm', title: 'x'.repeat(46), components: labels(1) }), 'data.title', 'BASE_TYPE_BAD_LENGTH'],
      [raw({ custom_id: 'm', title: 'T', components: [{ type: 18, label: 'P', component: { type: 4, custom_id: 'p', style: 2, max_length: 4001 } }] }), 'data.components.0.component.max_length', 'NUMBER_TYPE_MAX'],
      [raw({ custom_id: 'm', title: 'T', components: [{ type: 18, label: 'P', component: { type: 4, custom_id: 'p', style: 2, value: 'v'.repeat(4001) } }] }), 'data.components.0.component.value', 'BASE_TYPE_BAD_LENGTH'],
      [raw({ custom_id: 'm', title: 'T', components: [{ type: 18, label: 'F', component: { type: 19, custom_id: 'f', max_values: 11 } }] }), 'data.components.0.component.max_values', 'NUMBER_TYPE_MAX'],
      [raw({ custom_id: 'm', title: 'T', components: [{ type: 4, custom_id: 'p', style: 1, label: 'bare' }] }), 'data.components.0.type', 'UNION_TYPE_CHOICES'],
    ];
    for (const [body, path, code] of cases) {
      const { sent } = await command();
      const err = await apiError(callback(sent, body));
      expect([err.status, err.code, fieldError(err).path, fieldError(err).code]).toEqual([400, 50035, path, code]);
    }
    // Text displays may stand between Labels; five Labels is the most.
    const { sent: ok } = await command();
    await callback(ok, raw({ custom_id: 'm', title: 'T', components: [...labels(4), { type: 10, content: 'Prompts over 4000 characters are not prefilled.' }] }));
    expect(fake.modalFor(ok.id)?.components).toHaveLength(5);

    const { sent: deferred, interaction } = await command();
    await interaction.deferReply();
    const afterDefer = await apiError(callback(deferred, raw({ custom_id: 'm', title: 'T', components: labels(1) })));
    expect([afterDefer.status, afterDefer.code]).toEqual([400, 40060]);

    const got = nextInteraction<AutocompleteInteraction>(client);
    const ac = fake.sendAutocomplete({ name: 'video', options: [{ name: 'refs', type: 3, value: 'he', focused: true }] });
    await got;
    const modalToAc = await apiError(callback(ac, raw({ custom_id: 'm', title: 'T', components: labels(1) })));
    expect(fieldError(modalToAc).code).toBe('INTERACTION_RESPONSE_TYPE_INVALID');
  });

  it('autocomplete: a focused option in, up to 25 choices out, recorded with its latency; anything else refused', async () => {
    const got = nextInteraction<AutocompleteInteraction>(client);
    const sent = fake.sendAutocomplete({ name: 'video-refs', options: [{ name: 'show', type: 1, options: [{ name: 'name', type: 3, value: 'he', focused: true }] }], user: MEMBER, locale: 'pt-BR' });
    const ac = await got;
    expect(ac.isAutocomplete()).toBe(true);
    expect(ac.options.getFocused(true)).toMatchObject({ name: 'name', value: 'he' });
    expect(ac.locale).toBe('pt-BR');
    const tooMany = await apiError(ac.respond(Array.from({ length: 26 }, (_, k) => ({ name: `set${k}`, value: `set${k}` }))));
    expect(fieldError(tooMany)).toEqual({ path: 'data.choices', code: 'BASE_TYPE_MAX_LENGTH' });
    const emptyName = await apiError(ac.respond([{ name: '', value: 'x' }]));
    expect(fieldError(emptyName).path).toBe('data.choices.0.name');
    const reply = await apiError(client.rest.post(`/interactions/${sent.id}/${sent.token}/callback`, { body: { type: 4, data: { content: 'no' } }, auth: false }));
    expect(fieldError(reply).code).toBe('INTERACTION_RESPONSE_TYPE_INVALID');
    await ac.respond([{ name: 'hero', value: 'hero' }, { name: 'hero-2 (server)', value: 'srv:hero-2' }]);
    const answer = await fake.waitForAutocomplete(sent.id);
    expect(answer.choices.map((c) => c.value)).toEqual(['hero', 'srv:hero-2']);
    expect(answer.latencyMs).toBeGreaterThanOrEqual(0);
    expect(answer.latencyMs).toBeLessThan(3000);
    expect(fake.autocompleteAnswers.at(-1)).toBe(answer);
    const noWebhook = await apiError(client.rest.patch(`/webhooks/${fake.applicationId}/${sent.token}/messages/@original`, { body: { content: 'x' }, auth: false }));
    expect(noWebhook.code).toBe(10015);
    expect(() => fake.sendAutocomplete({ name: 'video', options: [{ name: 'refs', type: 3, value: 'x' }] })).toThrow(/focused/);

    // A slash command cannot be answered with choices.
    const { sent: cmd } = await command();
    const choices = await apiError(client.rest.post(`/interactions/${cmd.id}/${cmd.token}/callback`, { body: { type: 8, data: { choices: [] } }, auth: false }));
    expect(fieldError(choices).code).toBe('INTERACTION_RESPONSE_TYPE_INVALID');
  });

  it('members carry their roles, interactions come from the chosen channel, with the user and guild locales', async () => {
    const guildId = fake.guilds[0]!.id;
    const artists = fake.addRole(guildId, { name: 'artists' });
    const patrons = fake.addRole(guildId, { name: 'patrons' });
    const studio = fake.addChannel(guildId, { name: 'studio' });
    fake.setGuildLocale(guildId, 'de');
    expect(fake.guildChannels(guildId)).toContain(studio);
    const { interaction } = await command({ name: 'video', user: MEMBER, roles: [artists, patrons], channelId: studio, locale: 'fr' });
    expect(interaction.channelId).toBe(studio);
    expect([interaction.locale, interaction.guildLocale]).toEqual(['fr', 'de']);
    const member = interaction.member as import('discord.js').GuildMember;
    expect([...member.roles.cache.keys()].sort()).toEqual([artists, patrons, guildId].sort());
    expect(member.roles.cache.get(artists)?.name).toBe('artists');
    const fetched = (await client.rest.get(`/guilds/${guildId}/members/${MEMBER.id}`)) as { roles: string[] };
    expect(fetched.roles).toEqual([artists, patrons]);
    const roles = (await client.rest.get(`/guilds/${guildId}/roles`)) as { id: string }[];
    expect(roles.map((r) => r.id)).toEqual([guildId, artists, patrons]);
    expect(() => fake.setMemberRoles(guildId, MEMBER.id, ['999999999999999999'])).toThrow(/addRole/);
    fake.setGuildLocale(guildId, 'en-US');
  });

  it('ephemeral messages live behind the interaction webhook only; deletes work on both endpoints', async () => {
    const { sent, interaction } = await command();
    await interaction.reply({ content: 'only you', flags: MessageFlags.Ephemeral });
    const id = fake.originalMessageId(sent.id)!;
    const channelId = interaction.channelId;
    const viaChannel = (method: 'get' | 'patch' | 'delete') => apiError(client.rest[method](`/channels/${channelId}/messages/${id}`, method === 'patch' ? { body: { content: 'x' } } : {}));
    for (const method of ['get', 'patch', 'delete'] as const) expect((await viaChannel(method)).code).toBe(10008);
    expect(fake.channelMessages(channelId).some((m) => m.id === id)).toBe(false);
    const history = (await client.rest.get(`/channels/${channelId}/messages`)) as { id: string }[];
    expect(history.some((m) => m.id === id)).toBe(false);
    await interaction.editReply('still only you');
    expect(fake.interactionMessages(sent.id).map((m) => m.content)).toEqual(['still only you']);
    await interaction.deleteReply();
    expect(fake.interactionMessages(sent.id)).toEqual([]);
    expect((await apiError(interaction.editReply('gone'))).code).toBe(10008);

    const channel = await client.channels.fetch(channelId);
    if (!channel?.isSendable()) throw new Error('not sendable');
    const posted = await channel.send('to delete');
    await channel.messages.delete(posted.id);
    expect(fake.messages.get(posted.id)?.deleted).toBe(true);
    expect((await apiError(channel.messages.delete(posted.id))).code).toBe(10008);
  });

  it('button presses and select choices on a V2 card; a modal from a button keeps the message for its submit', async () => {
    const { sent, interaction } = await command();
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId('vidu:remix:1').setLabel('Remix').setStyle(ButtonStyle.Secondary));
    await interaction.reply({ flags: MessageFlags.IsComponentsV2, components: [card('Finished').addActionRowComponents(row)] });
    const messageId = fake.originalMessageId(sent.id)!;
    const got = nextInteraction<ButtonInteraction>(client);
    const press = fake.sendButton({ customId: 'vidu:remix:1', messageId, user: MEMBER });
    const button = await got;
    expect(button.message.flags.has(MessageFlags.IsComponentsV2)).toBe(true);
    await button.showModal(new ModalBuilder().setCustomId('vidu:remix-form:1').setTitle('Remix').addLabelComponents(new LabelBuilder().setLabel('Prompt').setTextInputComponent(new TextInputBuilder().setCustomId('prompt').setStyle(TextInputStyle.Paragraph))));
    const gotSubmit = nextInteraction<ModalSubmitInteraction>(client);
    fake.submitModal({ interaction: press.token, values: { prompt: 'now at night' } });
    const submit = await gotSubmit;
    expect(submit.message?.id).toBe(messageId);
    await submit.deferUpdate();
    await submit.editReply({ components: [card('Remixing')] });
    expect(fake.messages.get(messageId)?.components[0].components[0].content).toBe('Remixing');
  });

  it('registers message commands with localised names; refuses what Discord refuses in definitions', async () => {
    const put = (body: unknown[]) => client.rest.put(`/applications/${fake.applicationId}/commands`, { body });
    const slash = { name: 'video', description: 'Make a video', description_localizations: { ja: '動画を作る', 'pt-BR': 'Criar um vídeo' } };
    const message = { type: 3, name: 'Make a video', name_localizations: { ja: '動画にする', de: 'Video machen' } };
    const registered = (await put([slash, message])) as { id: string; type: number }[];
    const got = nextInteraction<MessageContextMenuCommandInteraction>(client);
    const target = fake.addMessage({ author: MEMBER, content: 'x' });
    fake.sendMessageCommand({ name: 'Make a video', messageId: target.id });
    expect((await got).commandId).toBe(registered.find((c) => c.type === 3)!.id);

    const refusals: [unknown[], string][] = [
      [[{ ...message, description: 'no' }], '0.description'],
      [[{ ...message, options: [{ type: 3, name: 'x', description: 'x' }] }], '0.options'],
      [[{ ...slash, name: 'Video' }], '0.name'],
      [[{ ...slash, description_localizations: { jp: 'x' } }], '0.description_localizations.jp'],
      [[{ ...slash, options: [{ type: 3, name: 'prompt', description: 'd'.repeat(101) }] }], '0.options.0.description'],
      [[slash, slash], '1.name'],
      [Array.from({ length: 16 }, (_, k) => ({ type: 3, name: `Menu ${k}` })), ''],
    ];
    for (const [body, path] of refusals) {
      const err = await apiError(put(body));
      expect([err.code, fieldError(err).path]).toEqual([50035, path]);
    }
  });

  it('records what Discord\'s published spec says about each body: errors for mismatches, warnings for fields it lacks', async () => {
    const before = fake.specFindings.length;
    const channelId = fake.defaultChannelId(fake.guilds[0]!.id);
    await client.rest.post(`/channels/${channelId}/messages`, { body: { content: 'x', brand_new_field: 1, allowed_mentions: { parse: [] } } });
    await client.rest.post(`/channels/${channelId}/messages`, { body: { content: 'y', tts: 'yes' } });
    await client.rest.put(`/applications/${fake.applicationId}/commands`, { body: [{ name: 'video-limits', description: 'd', default_member_permissions: '32' }] });
    const found = fake.specFindings.slice(before).map((f) => [f.level, f.route, f.path]);
    expect(found).toEqual([
      ['warning', 'POST /channels/:channel/messages', 'brand_new_field'],
      ['error', 'POST /channels/:channel/messages', 'tts'],
      ['warning', 'PUT /applications/:app/commands', '0.default_member_permissions'],
    ]);
    expect(fake.specErrors().at(-1)).toMatchObject({ schema: 'MessageCreateRequestSchema' });
    expect(fake.specWarnings().length).toBeGreaterThanOrEqual(2);
  });
});
