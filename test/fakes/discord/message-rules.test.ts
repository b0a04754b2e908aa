import { describe, expect, it } from 'vitest';
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
