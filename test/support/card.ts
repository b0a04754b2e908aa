import type { Outgoing } from '../../src/discord/outgoing';
import { apiBody } from '../../src/discord/outgoing';

/**
 * Reading a message as a member sees it, whether plain (`content`, rows of buttons) or a Components V2 card (text
 * displays, media gallery and buttons inside a container). Works on the fake Discord's stored messages, on
 * recorded request bodies and on the bot's own payloads.
 */

type Shape = { content?: unknown; components?: unknown; flags?: unknown };
type Component = { type: number; content?: string; components?: Component[]; items?: { media: { url: string }; description?: string }[] } & Record<string, unknown>;

function shape(m: Shape | Outgoing): Shape {
  return 'card' in m || 'text' in m ? apiBody(m) : m;
}

function walk(components: unknown): Component[] {
  const out: Component[] = [];
  for (const c of (Array.isArray(components) ? components : []) as Component[]) {
    out.push(c);
    out.push(...walk(c.components));
  }
  return out;
}

/** The message's text: its content, or its text displays, one after the other. */
export function textOf(m: Shape | Outgoing): string {
  const s = shape(m);
  const displays = walk(s.components).filter((c) => c.type === 10).map((c) => c.content ?? '');
  return [typeof s.content === 'string' ? s.content : '', ...displays].filter((t) => t !== '').join('\n');
}

/** Every button, wherever it sits (a top-level row or a row inside the card). */
export function buttonsOf(m: Shape | Outgoing): (Component & { label?: string; url?: string; custom_id?: string; style?: number })[] {
  return walk(shape(m).components).filter((c) => c.type === 2);
}

/** The media gallery items of a card, in order. */
export function galleryOf(m: Shape | Outgoing): { media: { url: string }; description?: string }[] {
  return walk(shape(m).components).flatMap((c) => (c.type === 12 ? (c.items ?? []) : []));
}

export const isCard = (m: Shape | Outgoing): boolean => ((Number(shape(m).flags) || 0) & (1 << 15)) !== 0;
