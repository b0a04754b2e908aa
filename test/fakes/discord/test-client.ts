import { once } from 'node:events';
import { DiscordAPIError, type ChatInputCommandInteraction, type Client, type Interaction } from 'discord.js';
import { expect } from 'vitest';

/** The next interaction the client receives (registered before the fake sends it). */
export function nextInteraction<T extends Interaction = ChatInputCommandInteraction>(client: Client): Promise<T> {
  return once(client, 'interactionCreate').then(([i]) => i as T);
}

/** The error a call to the fake rejected with, checked to be Discord's. */
export async function apiError(p: Promise<unknown>): Promise<DiscordAPIError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DiscordAPIError);
  return err as DiscordAPIError;
}
