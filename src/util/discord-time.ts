/** A Discord timestamp tag (`<t:…:R>` relative, `:f` full date), shown in each reader's own time zone. */
export function discordTime(ms: number, style: 'R' | 'f' = 'R'): string {
  return `<t:${Math.floor(ms / 1000)}:${style}>`;
}
