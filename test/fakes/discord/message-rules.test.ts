import { describe, expect, it } from 'vitest';
import { componentsV2Refusal, countComponents } from './components';
import { messageBodyRefusal, mentionsOf } from './state';

/** The fake refuses what Discord refuses and counts pings as Discord does (Discord's docs, allowed mentions object). */

const MEMBER = '323456789012345678';
const OTHER = '222222222222222222';

describe('the fake counts pings as Discord does', () => {
  const content = `<@${OTHER}> <@&333333333333333333> @everyone`;
  it('without allowed_mentions: a message parses everything, a webhook or interaction reply users only', () => {
    expect(mentionsOf(content, undefined, 'message')).toEqual({ users: [OTHER], roles: ['333333333333333333'], everyone: true });
    expect(mentionsOf(content, undefined, 'webhook')).toEqual({ users: [OTHER], roles: [], everyone: false });
  });
  it('with it, only what it allows; ids listed but not in the content ping nobody', () => {
    expect(mentionsOf(content, { parse: [] }, 'message')).toEqual({ users: [], roles: [], everyone: false });
    expect(mentionsOf(content, { parse: ['everyone'], users: [OTHER, MEMBER] }, 'webhook')).toEqual({ users: [OTHER], roles: [], everyone: true });
  });
  it('refuses parse with ids of the same type, as Discord does', () => {
    expect(messageBodyRefusal({ content, allowed_mentions: { parse: ['users'], users: [OTHER] } })).toMatchObject({ status: 400, json: { code: 50035 } });
    expect(messageBodyRefusal({ content, allowed_mentions: { parse: ['users', 'roles'], users: [] } })).toBeUndefined();
  });
  it('refuses link buttons Discord refuses', () => {
    const body = (url: string) => ({ content: 'x', components: [{ type: 1, components: [{ type: 2, style: 5, label: 'Video', url }] }] });
    const errorOf = (url: string) => (messageBodyRefusal(body(url))?.json as { errors?: unknown } | undefined)?.errors;
    expect(messageBodyRefusal(body(`https://x.example/${'a'.repeat(512 - 18)}`))).toBeUndefined();
    expect(errorOf(`https://x.example/${'a'.repeat(513 - 18)}`)).toEqual({ components: { 0: { components: { 0: { url: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 512 or fewer in length.' }] } } } } } });
    expect(JSON.stringify(errorOf('javascript:alert(1)'))).toContain('Scheme \\"javascript\\" is not supported.');
    expect(JSON.stringify(errorOf('not a url'))).toContain('URL_TYPE_INVALID_URL');
  });
  it('counts content in characters, not UTF-16 units', () => {
    expect(messageBodyRefusal({ content: '😀'.repeat(2000) })).toBeUndefined();
    expect(messageBodyRefusal({ content: '😀'.repeat(2001) })).toMatchObject({ status: 400 });
  });
});

describe('the fake refuses Components V2 messages as Discord does', () => {
  const V2 = 1 << 15;
  const text = (content: string) => ({ type: 10, content });
  const check = (components: unknown[], attachmentNames: string[] = []) => componentsV2Refusal({ body: { flags: V2, components }, attachmentNames });
  const errorPath = (r: ReturnType<typeof check>): string => {
    let node: any = (r?.json as any)?.errors;
    const path: string[] = [];
    while (node && !node._errors) {
      const k = Object.keys(node)[0]!;
      path.push(k);
      node = node[k];
    }
    return `${path.join('.')} ${node?._errors?.[0]?.code}`;
  };

  it('counts nested components toward the 40: rows, buttons, section accessories', () => {
    const section = { type: 9, components: [text('a')], accessory: { type: 2, style: 2, custom_id: 's', label: 'S' } };
    const row = { type: 1, components: [1, 2, 3, 4, 5].map((k) => ({ type: 2, style: 1, custom_id: `b${k}`, label: 'B' })) };
    expect(countComponents([{ type: 17, components: [section, row] }])).toBe(1 + 3 + 6);
    const rows = Array.from({ length: 6 }, (_, r) => ({ type: 1, components: [1, 2, 3, 4, 5].map((k) => ({ type: 2, style: 1, custom_id: `r${r}b${k}`, label: 'B' })) }));
    expect(check(rows.slice(0, 5))).toBeUndefined(); // 30
    expect(errorPath(check([...rows, text('x'), text('y'), text('z'), text('w'), text('v')]))).toBe('components COMPONENT_MAX_TOTAL_COMPONENTS_EXCEEDED'); // 41
  });

  it('takes components only where their parent takes them', () => {
    expect(errorPath(check([{ type: 11, media: { url: 'https://x.example/a.png' } }]))).toBe('components.0.type UNION_TYPE_CHOICES');
    expect(errorPath(check([{ type: 17, components: [{ type: 17, components: [text('x')] }] }]))).toBe('components.0.components.0.type UNION_TYPE_CHOICES');
    expect(errorPath(check([{ type: 9, components: [text('a')] }]))).toBe('components.0.accessory BASE_TYPE_REQUIRED');
    const mixedRow = { type: 1, components: [{ type: 2, style: 1, custom_id: 'b', label: 'B' }, { type: 3, custom_id: 's', options: [{ label: 'a', value: 'a' }] }] };
    expect(errorPath(check([mixedRow]))).toBe('components.0.components COMPONENT_LAYOUT_WIDTH_EXCEEDED');
  });

  it('media must point at an attachment of the message; a File component takes nothing else', () => {
    const thumb = { type: 9, components: [text('a')], accessory: { type: 11, media: { url: 'attachment://cover.png' } } };
    expect(check([thumb], ['cover.png'])).toBeUndefined();
    expect(errorPath(check([thumb], ['other.png']))).toBe('components.0.accessory.media.url UNFURLED_MEDIA_ATTACHMENT_NOT_FOUND');
    expect(errorPath(check([{ type: 13, file: { url: 'https://x.example/a.mp4' } }]))).toBe('components.0.file.url UNFURLED_MEDIA_ATTACHMENT_REQUIRED');
    const gallery = (n: number) => ({ type: 12, items: Array.from({ length: n }, () => ({ media: { url: 'https://x.example/a.png' } })) });
    expect(check([gallery(10)])).toBeUndefined();
    expect(errorPath(check([gallery(11)]))).toBe('components.0.items BASE_TYPE_BAD_LENGTH');
  });

  it('text displays hold 4000 characters in all', () => {
    expect(check([text('a'.repeat(2000)), text('b'.repeat(2000))])).toBeUndefined();
    expect(errorPath(check([text('a'.repeat(2000)), text('b'.repeat(2001))]))).toBe('components.1.content COMPONENT_TEXT_DISPLAY_TOTAL_LENGTH_EXCEEDED');
  });
});
