import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type KV } from '../src/store/kv';
import { isRefName, RefStore, type KeptImage, type RefOwner } from '../src/refs';
import type { ImageHost, UploadFile } from '../src/apimart';

/** Saved reference sets over a real (in-memory) store: names, bounds, and the provider links' reuse. */

const USER = '200000000000000001';
const GUILD = '100000000000000001';
const me: RefOwner = { kind: 'member', userId: USER };
const server: RefOwner = { kind: 'server', guildId: GUILD };
const HOUR = 3600_000;

const kept = (n = 1): KeptImage[] =>
  Array.from({ length: n }, (_, i) => ({ image: { filename: `r${i}.png`, contentType: 'image/png', bytes: 3, width: 512, height: 512 }, data: Buffer.from([i, 1, 2]) }));

let kv: KV;
let now: number;
let uploads: UploadFile[];
const host: ImageHost = {
  upload: async (file) => {
    uploads.push(file);
    return { url: `https://upload.example/${uploads.length}/${file.filename}`, expiresAt: now + 72 * HOUR };
  },
};
const store = (limits = { perMember: 2, perServer: 3 }) => new RefStore(kv, { host, now: () => now, limits });

beforeEach(async () => {
  kv = await openStore('memory:');
  now = Date.UTC(2025, 0, 1);
  uploads = [];
});
afterEach(async () => kv.close());

describe('names', () => {
  it.each(['hero', 'Hero_2', 'a', 'x'.repeat(32), 'my-set'])('%s is a name', (n) => expect(isRefName(n)).toBe(true));
  it.each(['', 'x'.repeat(33), 'two words', 'héro', 'a/b', 'a.b'])('%j is not', (n) => expect(isRefName(n)).toBe(false));

  it('are unique per owner, whatever the case; another owner may use the same name', async () => {
    const s = store();
    expect((await s.save(me, 'hero', USER, kept())).ok).toBe(true);
    expect(await s.save(me, 'HERO', USER, kept())).toEqual({ ok: false, refusal: { code: 'name_taken', name: 'HERO', owner: 'member' } });
    expect((await s.save(server, 'hero', USER, kept())).ok).toBe(true);
  });
});

describe('bounds', () => {
  it('refuse the set past the member and the server bound, with the bound, and keep nothing of it', async () => {
    const s = store();
    await s.save(me, 'a', USER, kept());
    await s.save(me, 'b', USER, kept());
    const refused = await s.save(me, 'c', USER, kept(2));
    expect(refused).toEqual({ ok: false, refusal: { code: 'member_full', max: 2 } });
    for (const n of ['x', 'y', 'z']) await s.save(server, n, USER, kept());
    expect(await s.save(server, 'w', USER, kept())).toEqual({ ok: false, refusal: { code: 'server_full', max: 3 } });
    expect((await s.index(me)).map((e) => e.name)).toEqual(['a', 'b']);
  });

  it('hold for saves at once: of 5 concurrent saves under a bound of 2, 2 are kept', async () => {
    const s = store();
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => s.save(me, n, USER, kept())));
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    expect(await s.index(me)).toHaveLength(2);
  });

  it('a deleted set frees its place and its images', async () => {
    const s = store();
    const saved = await s.save(me, 'a', USER, kept(2));
    await s.save(me, 'b', USER, kept());
    if (!saved.ok) throw new Error('not saved');
    expect((await s.delete(me, 'A'))?.id).toBe(saved.set.id);
    expect(await s.bytes(saved.set, 0)).toBeUndefined();
    expect((await s.save(me, 'c', USER, kept())).ok).toBe(true);
    expect(await s.delete(me, 'nope')).toBeUndefined();
  });
});

describe('finding a set', () => {
  it("looks in the member's own sets first, then the server's", async () => {
    const s = store();
    await s.save(server, 'hero', USER, kept(3));
    expect((await s.find('hero', USER, GUILD))?.owner).toEqual(server);
    await s.save(me, 'hero', USER, kept(1));
    expect((await s.find('hero', USER, GUILD))?.owner).toEqual(me);
    expect(await s.find('hero', '200000000000000009', null)).toBeUndefined();
  });
});

describe('provider links', () => {
  it('are uploaded once, reused while they have more than the margin left, and renewed after', async () => {
    const s = store();
    const saved = await s.save(me, 'hero', USER, kept(2));
    if (!saved.ok) throw new Error('not saved');
    const first = await s.providerUrls(saved.set);
    expect(uploads.map((u) => u.filename)).toEqual(['r0.png', 'r1.png']);
    expect(uploads[1]!.data).toEqual(Buffer.from([1, 1, 2]));

    now += 60 * HOUR; // 12 h left, more than the 6 h margin
    expect(await s.providerUrls(saved.set)).toEqual(first);
    expect(uploads).toHaveLength(2);

    now += 7 * HOUR; // 5 h left
    const renewed = await s.providerUrls(saved.set);
    expect(uploads).toHaveLength(4);
    expect(renewed).not.toEqual(first);
  });

  it('two jobs from one set at once upload each image once', async () => {
    const s = store();
    const saved = await s.save(me, 'hero', USER, kept(3));
    if (!saved.ok) throw new Error('not saved');
    const [a, b] = await Promise.all([s.providerUrls(saved.set), s.providerUrls(saved.set)]);
    expect(a).toEqual(b);
    expect(uploads).toHaveLength(3);
  });

  it('are undefined once the set is deleted', async () => {
    const s = store();
    const saved = await s.save(me, 'hero', USER, kept());
    if (!saved.ok) throw new Error('not saved');
    await s.delete(me, 'hero');
    expect(await s.providerUrls(saved.set)).toBeUndefined();
  });

  it('refuse bytes that are not the ones the set describes', async () => {
    const s = store();
    const saved = await s.save(me, 'hero', USER, kept());
    if (!saved.ok) throw new Error('not saved');
    await kv.set(`refs:blob:${saved.set.id}:0`, Buffer.from('other').toString('base64'));
    await expect(s.providerUrls(saved.set)).rejects.toThrow(/does not hold the bytes/);
  });
});

describe('autocomplete', () => {
  it("answers from memory for a while, and sees the process's own saves at once", async () => {
    const s = store();
    await s.save(me, 'hero', USER, kept());
    expect((await s.suggest(USER, GUILD)).mine.map((e) => e.name)).toEqual(['hero']);
    let reads = 0;
    const get = kv.get.bind(kv);
    kv.get = (async (key: string) => (reads++, get(key))) as KV['get'];
    await s.suggest(USER, GUILD);
    expect(reads).toBe(0);
    await s.save(me, 'villain', USER, kept());
    expect((await s.suggest(USER, GUILD)).mine.map((e) => e.name)).toEqual(['hero', 'villain']);
  });
});
