import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedVideoBytes } from './fakes/apimart';
import { startHarness, USER, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
  // Nothing the bot sent to Discord carries the API key, and no webhook call carried the bot token.
  for (const c of h.discord.calls) {
    expect(JSON.stringify(c.body ?? null)).not.toContain(h.apimart.apiKey);
    if (c.path.startsWith('/webhooks/') || c.path.startsWith('/interactions/')) expect(c.auth).toBeUndefined();
  }
  expect(h.logs()).not.toContain(h.apimart.apiKey);
});

const fastTask = (videoBytes = 64 * 1024) => ({ timeline: [{ at: 0, status: 'pending' }, { at: 500, status: 'processing', progress: 40 }, { at: 1500, status: 'completed' }], estimatedTime: 2, videoBytes });

describe('/video end to end', () => {
  it('registers the commands with the contract option names', async () => {
    const put = h.discord.callsTo('PUT', /^\/applications\/\d+\/commands$/)[0]!;
    const video = put.body.find((c: { name: string }) => c.name === 'video');
    expect(video.options.map((o: { name: string }) => o.name)).toEqual(['prompt', 'image1', 'image2', 'image3', 'image4', 'image5', 'image6', 'image7', 'model', 'duration', 'resolution', 'aspect_ratio', 'seed']);
    expect(video.options[0]).toMatchObject({ type: 3, required: true, max_length: 5000 });
    expect(video.options[1]).toMatchObject({ type: 11, required: true, file_types: ['image'] });
    expect(video.options.find((o: { name: string }) => o.name === 'model').choices.map((c: { value: string }) => c.value)).toEqual(['viduq3', 'viduq3-mix']);
    expect(video.options.find((o: { name: string }) => o.name === 'seed')).toMatchObject({ min_value: 0, max_value: 2147483647 });
  });

  it('defers at once, submits the exact body, shows the job and delivers the file', async () => {
    h.apimart.nextTask(fastTask());
    const sent = h.video({ images: [{}, { filename: 'bear.webp', contentType: 'image/webp', width: 800, height: 800 }], model: 'viduq3-mix', duration: 2, resolution: '1080p', aspect_ratio: '9:16', seed: 42 });
    const callback = await h.discord.waitForCall('POST', new RegExp(`^/interactions/${sent.id}/`));
    expect(callback.body.type).toBe(5);
    const interaction = h.discord.interactions.get(sent.id)!;
    expect(callback.at - interaction.sentAt).toBeLessThan(1_000);

    const delivered = await h.waitForState(sent.id, 'delivered');
    const submit = h.apimart.submits().at(-1)!;
    const urls = sent.payload.data.resolved.attachments;
    expect(submit.body).toEqual({
      model: 'viduq3-mix',
      prompt: 'the bear waves at the camera, slow dolly in',
      image_urls: Object.values(urls).map((a) => (a as { url: string }).url),
      duration: 2,
      resolution: '1080p',
      aspect_ratio: '9:16',
      seed: 42,
    });
    expect(submit.headers['idempotency-key']).toBe(delivered.id);
    expect(delivered.delivery).toEqual({ route: 'reply', attached: true });

    const original = h.discord.messages.get(h.discord.originalMessageId(sent.id)!)!;
    expect(original.attachments).toHaveLength(1);
    expect(original.content).toContain('Your video is ready');
    expect(original.content).toContain('viduq3-mix · 2 s · 1080p · 9:16 · seed 42 · 2 images');
    const upload = h.discord.callsTo('PATCH', new RegExp(`/webhooks/\\d+/${sent.token}/messages/@original`)).find((c) => c.files.length > 0)!;
    expect(upload.files[0]!.data.equals(expectedVideoBytes(64 * 1024))).toBe(true);
    const buttons = original.components[0].components;
    expect(buttons.map((b: { label: string }) => b.label)).toEqual(['Re-roll', 'Source video']);
  });
});
