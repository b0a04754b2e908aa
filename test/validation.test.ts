import { describe, expect, it } from 'vitest';
import { completeAttachmentSizes, validateVideoRequest as validate, type AttachmentMeta, type VideoRequestInput } from '../src/validation';
import { wordProblem } from '../src/discord/messages';
import { pngHeader } from './support/images';

const img = (over: Partial<AttachmentMeta> = {}): AttachmentMeta => ({
  url: 'https://cdn.example/attachments/1/2/a.png?ex=1',
  filename: 'a.png',
  contentType: 'image/png',
  size: 1000,
  width: 1024,
  height: 768,
  ...over,
});
/** The result with its problems as the member reads them, in English. */
const validateVideoRequest = (...args: Parameters<typeof validate>) => {
  const r = validate(...args);
  return r.ok ? r : { ok: false as const, problems: r.problems.map((p) => wordProblem(p)) };
};
const input = (over: Partial<VideoRequestInput> = {}): VideoRequestInput => ({ prompt: 'the bear waves', attachments: [img()], ...over });
const problemsOf = (over: Partial<VideoRequestInput>) => {
  const r = validateVideoRequest(input(over));
  return r.ok ? [] : r.problems;
};

describe('validateVideoRequest', () => {
  it('applies the defaults and builds the exact APIMart body', () => {
    expect(validateVideoRequest(input())).toEqual({
      ok: true,
      request: {
        model: 'viduq3',
        prompt: 'the bear waves',
        image_urls: ['https://cdn.example/attachments/1/2/a.png?ex=1'],
        duration: 5,
        resolution: '720p',
        aspect_ratio: '16:9',
      },
    });
  });

  it('passes every option through', () => {
    const r = validateVideoRequest(input({ model: 'viduq3-mix', duration: 2, resolution: '1080p', aspectRatio: '9:16', seed: 42, attachments: [img(), img({ url: 'https://x/b.webp', filename: 'b.webp', contentType: 'image/webp' })] }));
    expect(r).toEqual({ ok: true, request: { model: 'viduq3-mix', prompt: 'the bear waves', image_urls: ['https://cdn.example/attachments/1/2/a.png?ex=1', 'https://x/b.webp'], duration: 2, resolution: '1080p', aspect_ratio: '9:16', seed: 42 } });
  });

  it.each([
    ['viduq3', 2, ['viduq3 supports 3 to 16 seconds; you asked for 2.']],
    ['viduq3', 3, []],
    ['viduq3', 16, []],
    ['viduq3', 17, ['viduq3 supports 3 to 16 seconds; you asked for 17.']],
    ['viduq3-mix', 0, ['viduq3-mix supports 1 to 16 seconds; you asked for 0.']],
    ['viduq3-mix', 1, []],
    ['viduq3-mix', 16, []],
    ['viduq3-mix', 17, ['viduq3-mix supports 1 to 16 seconds; you asked for 17.']],
  ])('duration on %s: %i', (model, duration, expected) => {
    expect(problemsOf({ model, duration })).toEqual(expected);
  });

  it('rejects 540p on viduq3-mix only', () => {
    expect(problemsOf({ model: 'viduq3-mix', resolution: '540p' })).toEqual(['viduq3-mix does not offer 540p; choose 720p or 1080p.']);
    expect(problemsOf({ model: 'viduq3', resolution: '540p' })).toEqual([]);
  });

  it('rejects unknown models, resolutions and aspect ratios', () => {
    expect(problemsOf({ model: 'sora' })).toEqual(['Unknown model "sora"; choose viduq3 or viduq3-mix.']);
    expect(problemsOf({ resolution: '4k' })).toEqual(['Unknown resolution "4k"; choose 540p, 720p, 1080p.']);
    expect(problemsOf({ aspectRatio: '21:9' })).toEqual(['Unknown aspect ratio "21:9"; choose 16:9, 9:16, 4:3, 3:4, 1:1.']);
  });

  it.each([
    [127, 127, false],
    [128, 128, true],
    [127, 512, false],
    [128, 127, false],
  ])('image of %ix%i px accepted: %s', (width, height, ok) => {
    const p = problemsOf({ attachments: [img({ width, height })] });
    expect(p.some((s) => s.includes('at least 128x128'))).toBe(!ok);
  });

  it.each([
    [512, 128, true],
    [513, 128, false],
    [128, 512, true],
    [128, 513, false],
    [4000, 1000, true],
    [4001, 1000, false],
  ])('aspect %ix%i accepted: %s', (width, height, ok) => {
    const p = problemsOf({ attachments: [img({ width, height })] });
    expect(p).toEqual(ok ? [] : [`image1 (a.png) is ${width}x${height} px, too ${width > height ? 'wide' : 'tall'}; the aspect ratio must be between 1:4 and 4:1.`]);
  });

  it('accepts 50 MB and refuses one byte more', () => {
    expect(problemsOf({ attachments: [img({ size: 50 * 1024 * 1024 })] })).toEqual([]);
    expect(problemsOf({ attachments: [img({ size: 50 * 1024 * 1024 + 1 })] })).toEqual(['image1 (a.png) is 50.0 MB; each image can be at most 50 MB.']);
  });

  it('needs 1 to 7 images', () => {
    expect(problemsOf({ attachments: [] })).toEqual(['Give at least one reference image: attach one (image1) or choose a saved set with refs (see /video-refs).']);
    expect(problemsOf({ attachments: Array.from({ length: 7 }, () => img()) })).toEqual([]);
    expect(problemsOf({ attachments: Array.from({ length: 8 }, () => img()) })).toEqual(['You attached 8 images; the limit is 7.']);
  });

  it('limits the prompt to 5000 characters and refuses an empty one', () => {
    expect(problemsOf({ prompt: 'a'.repeat(5000) })).toEqual([]);
    expect(problemsOf({ prompt: 'a'.repeat(5001) })).toEqual(['The prompt is 5001 characters; the limit is 5000.']);
    expect(problemsOf({ prompt: '   ' })).toEqual(['The prompt is empty; describe the motion and camera you want.']);
    // Emoji are one character to a user, two UTF-16 units to JavaScript.
    expect(problemsOf({ prompt: '🐻'.repeat(5000) })).toEqual([]);
  });

  it('accepts PNG, JPEG and WebP by content type, and nothing else', () => {
    expect(problemsOf({ attachments: [img({ contentType: 'image/jpeg', filename: 'a.jpg' })] })).toEqual([]);
    expect(problemsOf({ attachments: [img({ contentType: 'Image/JPG; q=1', filename: 'a.jpg' })] })).toEqual([]);
    // A name proves nothing: without a type (claimed, or read from the bytes by completeAttachmentSizes) it is refused.
    expect(problemsOf({ attachments: [img({ contentType: null, filename: 'a.JPEG' })] })).toEqual(['image1 (a.JPEG) is not a recognised image; use PNG, JPEG or WebP.']);
    expect(problemsOf({ attachments: [img({ contentType: 'image/gif', filename: 'a.gif' })] })).toEqual(['image1 (a.gif) is of type image/gif; use PNG, JPEG or WebP.']);
    expect(problemsOf({ attachments: [img({ contentType: null, filename: 'notes.txt' })] })).toEqual(['image1 (notes.txt) is not a recognised image; use PNG, JPEG or WebP.']);
  });

  it('refuses an image whose size is unknown', () => {
    expect(problemsOf({ attachments: [img({ width: null, height: null })] })).toEqual(['image1 (a.png): its size could not be read; make sure it is a valid image file.']);
  });

  it.each([
    ['NaN', { width: NaN }, 'image1 (a.png) has an impossible size (NaNx768 px) in Discord\'s data; upload it again.'],
    ['Infinity', { height: Infinity }, 'image1 (a.png) has an impossible size (1024xInfinity px) in Discord\'s data; upload it again.'],
    ['negative', { width: -1024, height: -768 }, 'image1 (a.png) has an impossible size (-1024x-768 px) in Discord\'s data; upload it again.'],
    ['fractional', { width: 1024.5 }, 'image1 (a.png) has an impossible size (1024.5x768 px) in Discord\'s data; upload it again.'],
    ['a NaN file size', { size: NaN }, 'image1 (a.png) has an impossible file size (NaN bytes) in Discord\'s data; upload it again.'],
    ['a negative file size', { size: -1 }, 'image1 (a.png) has an impossible file size (-1 bytes) in Discord\'s data; upload it again.'],
    ['an infinite file size', { size: Infinity }, 'image1 (a.png) has an impossible file size (Infinity bytes) in Discord\'s data; upload it again.'],
  ])('refuses %s in the metadata with a clear sentence', (_what, over, problem) => {
    expect(problemsOf({ attachments: [img(over)] })).toEqual([problem]);
  });

  it('preview applies its own defaults only to the options not given', () => {
    const ok = (o: Parameters<typeof input>[0]) => {
      const r = validateVideoRequest(input(o));
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      return r.request;
    };
    expect(ok({ preview: true })).toMatchObject({ model: 'viduq3', resolution: '540p', duration: 3 });
    expect(ok({ preview: true, duration: 8, resolution: '1080p' })).toMatchObject({ model: 'viduq3', resolution: '1080p', duration: 8 });
    // viduq3-mix has no 540p: its preview is at its lowest resolution instead of refused.
    expect(ok({ preview: true, model: 'viduq3-mix' })).toMatchObject({ model: 'viduq3-mix', resolution: '720p', duration: 3 });
    expect(ok({ preview: false })).toMatchObject({ model: 'viduq3', resolution: '720p', duration: 5 });
  });

  it('checks the seed range', () => {
    expect(problemsOf({ seed: 0 })).toEqual([]);
    expect(problemsOf({ seed: 2147483647 })).toEqual([]);
    expect(problemsOf({ seed: 2147483648 })).toEqual(['The seed must be a whole number from 0 to 2147483647; you gave 2147483648.']);
    expect(problemsOf({ seed: -1 })).toHaveLength(1);
  });

  it('reports every problem together, naming each image', () => {
    const p = problemsOf({
      prompt: '',
      model: 'viduq3',
      duration: 2,
      attachments: [img(), img({ filename: 'tiny.png', width: 64, height: 64 }), img({ filename: 'b.gif', contentType: 'image/gif', size: 60 * 1024 * 1024 })],
    });
    expect(p).toEqual([
      'The prompt is empty; describe the motion and camera you want.',
      'viduq3 supports 3 to 16 seconds; you asked for 2.',
      'image2 (tiny.png) is 64x64 px; images must be at least 128x128 px.',
      'image3 (b.gif) is of type image/gif; use PNG, JPEG or WebP.',
      'image3 (b.gif) is 60 MB; each image can be at most 50 MB.',
    ]);
  });

  it('applies server caps', () => {
    const r = validateVideoRequest(input({ duration: 10, resolution: '1080p', model: 'viduq3-mix' }), { maxDuration: 8, maxResolution: '720p', models: ['viduq3'] });
    expect(r).toEqual({
      ok: false,
      problems: [
        'This server does not allow viduq3-mix; allowed: viduq3.',
        'This server allows videos of at most 8 seconds; you asked for 10.',
        'This server allows at most 720p; you asked for 1080p.',
      ],
    });
  });
});

describe('completeAttachmentSizes', () => {
  // A 200x100 PNG header: signature, IHDR length/type, width, height.
  const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.from([0, 0, 0, 200, 0, 0, 0, 100, 8, 6, 0, 0, 0])]);
  const gif = Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.from([0x20, 0x03, 0x58, 0x02]), Buffer.alloc(8)]); // 800x600
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600"><script>alert(1)</script></svg>');

  /** The attachments as validation sees them after the probe, reading `bytes` for every image it reads. */
  const checked = async (attachments: AttachmentMeta[], bytes: Buffer) => {
    const read: string[] = [];
    const probed = await completeAttachmentSizes(attachments, async (url) => (read.push(url), bytes));
    const r = validateVideoRequest(input({ attachments: probed }));
    return { read, probed, problems: r.ok ? [] : r.problems };
  };

  it('trusts metadata whose type and extension agree, and reads nothing', async () => {
    const { read, problems } = await checked([img(), img({ filename: 'b.JPG', contentType: 'image/jpeg' }), img({ filename: 'c.webp', contentType: 'image/webp' })], gif);
    expect(read).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('reads the bytes of a.gif claiming image/png, and the GIF they hold is refused', async () => {
    const { read, probed, problems } = await checked([img({ filename: 'a.gif', contentType: 'image/png', url: 'https://cdn.example/a.gif' })], gif);
    expect(read).toEqual(['https://cdn.example/a.gif']);
    expect(probed[0]).toMatchObject({ contentType: 'image/gif', width: 800, height: 600 });
    expect(problems).toEqual(['image1 (a.gif) is of type image/gif; use PNG, JPEG or WebP.']);
  });

  it('reads the bytes of evil.svg.png with no type, and the SVG they hold is refused', async () => {
    const { read, problems } = await checked([img({ filename: 'evil.svg.png', contentType: null })], svg);
    expect(read).toHaveLength(1);
    expect(problems).toEqual(['image1 (evil.svg.png) is of type image/svg+xml; use PNG, JPEG or WebP.']);
  });

  it('lets the bytes win over the claimed type and size, for better or worse', async () => {
    // A real PNG whose name says JPEG: accepted as the PNG it is, at the size its header gives.
    const renamed = await checked([img({ filename: 'photo.jpg', contentType: 'image/png' })], pngHeader(800, 600));
    expect(renamed.probed[0]).toMatchObject({ contentType: 'image/png', width: 800, height: 600 });
    expect(renamed.problems).toEqual([]);
    // Claimed 1024x768 but no extension to agree with: the 64x64 header decides.
    expect((await checked([img({ filename: 'x', contentType: 'image/png' })], pngHeader(64, 64))).problems).toEqual(['image1 (x) is 64x64 px; images must be at least 128x128 px.']);
  });

  it('refuses, in one sentence each and all together, images whose bytes cannot be read', async () => {
    const failures: string[] = [];
    const probed = await completeAttachmentSizes(
      [img({ filename: 'one.gif', contentType: 'image/png' }), img({ filename: 'two.png', contentType: null }), img()],
      async (url) => {
        if (url.includes('fails')) throw new Error('refused to connect to 127.0.0.2 (loopback address)');
        return Buffer.from('<html>not an image</html>');
      },
      (a, err) => failures.push(`${a.filename}: ${(err as Error).message}`),
    );
    const r = validateVideoRequest(input({ prompt: '', attachments: probed }));
    expect(r.ok ? [] : r.problems).toEqual([
      'The prompt is empty; describe the motion and camera you want.',
      'image1 (one.gif): its size could not be read; make sure it is a valid image file.',
      'image2 (two.png): its size could not be read; make sure it is a valid image file.',
    ]);
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatch(/^one\.gif: /);
  });

  it('reads the real size of images Discord gave none for, with a capped read', async () => {
    const asked: number[] = [];
    const out = await completeAttachmentSizes([img({ width: null, height: null, contentType: null, filename: 'x' }), img()], async (_url, max) => {
      asked.push(max);
      return png;
    });
    expect(out[0]).toMatchObject({ width: 200, height: 100, contentType: 'image/png' });
    expect(out[1]).toMatchObject({ width: 1024, height: 768 });
    expect(asked).toEqual([1024 * 1024]);
  });

  it('leaves an unreadable image unknown, which validation refuses', async () => {
    const [a] = await completeAttachmentSizes([img({ width: null, height: null })], async () => Buffer.from('not an image'));
    expect(validateVideoRequest(input({ attachments: [a!] })).ok).toBe(false);
  });
});
