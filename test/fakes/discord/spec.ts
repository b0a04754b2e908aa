/**
 * Every request body the bot sends, checked against Discord's published OpenAPI spec as generated into zod
 * schemas by the `discord-api-spec` package (zod/mini, zod 4). The schemas strip fields they do not
 * describe, so a field in the body but not in the parsed result is one the spec has not caught up with (or a
 * typo): a warning. A body the schema rejects is an error. The fake records both and still answers the call
 * by its own rules (components.ts, state.ts): the spec is a second opinion, not the referee.
 */
import * as spec from 'discord-api-spec/zod';
import type { SpecFinding } from './types';

interface Schema {
  safeParse(input: unknown): { success: true; data: unknown } | { success: false; error: { issues: Issue[] } };
}
interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  errors?: Issue[][];
  expected?: string;
  values?: unknown[];
}

const schemas = spec as unknown as Record<string, Schema>;

/** Which schema a body is checked with: by route, and for interaction callbacks by the callback type. */
const ROUTES: { method: string; pattern: RegExp; route: string; schema: (body: any) => string | undefined; array?: boolean }[] = [
  { method: 'POST', pattern: /^\/channels\/[^/]+\/messages$/, route: 'POST /channels/:channel/messages', schema: () => 'MessageCreateRequestSchema' },
  { method: 'PATCH', pattern: /^\/channels\/[^/]+\/messages\/[^/]+$/, route: 'PATCH /channels/:channel/messages/:message', schema: () => 'MessageEditRequestPartialSchema' },
  { method: 'POST', pattern: /^\/webhooks\/[^/]+\/[^/]+$/, route: 'POST /webhooks/:app/:token', schema: () => 'IncomingWebhookRequestPartialSchema' },
  { method: 'PATCH', pattern: /^\/webhooks\/[^/]+\/[^/]+\/messages\/[^/]+$/, route: 'PATCH /webhooks/:app/:token/messages/:message', schema: () => 'IncomingWebhookUpdateRequestPartialSchema' },
  {
    method: 'POST',
    pattern: /^\/interactions\/[^/]+\/[^/]+\/callback$/,
    route: 'POST /interactions/:id/:token/callback',
    schema: (body) =>
      ({
        1: 'PongInteractionCallbackRequestSchema',
        4: 'CreateMessageInteractionCallbackRequestSchema',
        5: 'CreateMessageInteractionCallbackRequestSchema',
        6: 'UpdateMessageInteractionCallbackRequestSchema',
        7: 'UpdateMessageInteractionCallbackRequestSchema',
        8: 'ApplicationCommandAutocompleteCallbackRequestSchema',
        9: 'ModalInteractionCallbackRequestSchema',
      })[body?.type as number],
  },
  { method: 'PUT', pattern: /^\/applications\/[^/]+(\/guilds\/[^/]+)?\/commands$/, route: 'PUT /applications/:app/commands', schema: () => 'ApplicationCommandUpdateRequestSchema', array: true },
  { method: 'POST', pattern: /^\/applications\/[^/]+(\/guilds\/[^/]+)?\/commands$/, route: 'POST /applications/:app/commands', schema: () => 'ApplicationCommandCreateRequestSchema' },
  { method: 'PATCH', pattern: /^\/applications\/[^/]+(\/guilds\/[^/]+)?\/commands\/[^/]+$/, route: 'PATCH /applications/:app/commands/:command', schema: () => 'ApplicationCommandPatchRequestPartialSchema' },
  { method: 'POST', pattern: /^\/users\/@me\/channels$/, route: 'POST /users/@me/channels', schema: () => 'CreatePrivateChannelRequestSchema' },
];

/** The findings for one request (none for bodiless calls and routes the table does not cover). */
export function checkRequestBody(method: string, path: string, body: unknown): SpecFinding[] {
  if (body === undefined || body === null) return [];
  const r = ROUTES.find((x) => x.method === method && x.pattern.test(path));
  if (!r) return [];
  const at = Date.now();
  const name = r.schema(body);
  if (!name || !schemas[name]) {
    return [{ level: 'error', route: r.route, schema: name ?? '-', path: 'type', message: `no schema in the spec for this body (type ${String((body as any)?.type)})`, at }];
  }
  const items: [string, unknown][] = r.array && Array.isArray(body) ? body.map((b, k) => [String(k), b]) : [['', body]];
  if (r.array && !Array.isArray(body)) return [{ level: 'error', route: r.route, schema: name, path: '', message: 'expected an array', at }];
  const out: SpecFinding[] = [];
  for (const [prefix, item] of items) {
    const parsed = schemas[name]!.safeParse(item);
    const finding = (level: SpecFinding['level'], p: PropertyKey[], message: string): SpecFinding => ({
      level,
      route: r.route,
      schema: name,
      path: [prefix, ...p.map(String)].filter((x) => x !== '').join('.'),
      message,
      at,
    });
    if (!parsed.success) {
      for (const issue of flatten(parsed.error.issues)) {
        const lag = SPEC_LAG.find((l) => l.applies(issue, valueAt(item, issue.path)));
        out.push(lag ? finding('warning', issue.path, `${describe(issue)}: ${lag.why}`) : finding('error', issue.path, describe(issue)));
      }
    } else {
      for (const p of unknownFields(item, parsed.data, [])) out.push(finding('warning', p, 'field not in the spec'));
    }
  }
  return out;
}

/**
 * Where the spec is known to disagree with Discord's own documentation and behaviour: findings there are
 * warnings, not errors.
 */
const SPEC_LAG: { applies: (issue: Issue, value: unknown) => boolean; why: string }[] = [
  {
    // Discord's docs (application command object) type it "?string", discord.js sends a string, and the
    // spec's own response schema says string; only its request schemas say number.
    applies: (issue, value) => issue.path.at(-1) === 'default_member_permissions' && typeof value === 'string' && /^\d+$/.test(value),
    why: 'the spec asks a number here, Discord documents and accepts a decimal string (as discord.js sends it)',
  },
];

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v: any = input;
  for (const k of path) v = v?.[k as any];
  return v;
}

/** A union's failure as the issues of the branch that came closest (the one whose `type` matched). */
function flatten(issues: Issue[]): Issue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || !issue.errors?.length) return [issue];
    const typeMismatch = (branch: Issue[]): boolean => branch.some((x) => x.path.length === 1 && x.path[0] === 'type');
    const best = issue.errors.find((b) => !typeMismatch(b)) ?? issue.errors.reduce((a, b) => (b.length < a.length ? b : a));
    if (issue.errors.every(typeMismatch)) return [issue];
    return flatten(best.map((x) => ({ ...x, path: [...issue.path, ...x.path] })));
  });
}

function describe(issue: Issue): string {
  if (issue.code === 'invalid_union') return 'matches none of the spec\'s variants (unknown "type"?)';
  const extra = issue.expected ? ` (expected ${issue.expected})` : issue.values ? ` (one of ${issue.values.map(String).join(', ')})` : '';
  return `${issue.message}${extra}`;
}

/** Paths present in the input but stripped by the schema. */
function unknownFields(input: unknown, output: unknown, at: PropertyKey[]): PropertyKey[][] {
  if (Array.isArray(input) && Array.isArray(output)) return input.flatMap((v, k) => unknownFields(v, output[k], [...at, k]));
  if (!isObject(input) || !isObject(output)) return [];
  return Object.keys(input).flatMap((k) => (k in output ? unknownFields(input[k], output[k], [...at, k]) : [[...at, k]]));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
