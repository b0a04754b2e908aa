/** A credential a test handed out, with what to call it when it turns up where it must not. */
export interface Secret {
  name: string;
  value: string;
}

/**
 * Throws when `text` (a bot's log) holds any of the secrets: names each one found and shows the line it is
 * in, the secret itself masked, so the failure points at the log call without printing the credential.
 */
export function assertNoSecrets(text: string, secrets: readonly Secret[], where: string): void {
  const found: string[] = [];
  for (const s of secrets) {
    if (!s.value) continue;
    const line = text.split('\n').find((l) => l.includes(s.value));
    if (line !== undefined) found.push(`${s.name} in: ${line.split(s.value).join(`<${s.name}>`).slice(0, 600)}`);
  }
  if (found.length) throw new Error(`${where} logged ${found.length} secret(s):\n${found.join('\n')}`);
}
