/**
 * How Discord shows message text, for checking that member-supplied text is shown literally. Discord's
 * markdown lets a backslash before any punctuation show that character as typed.
 */

/** The text as a reader sees it once escapes are resolved. */
export function shownText(s: string): string {
  return s.replace(/\\([^0-9A-Za-z\s])/g, '$1');
}

/** Markdown a line would still render: inline markers left unescaped, or a block marker at its start. */
export function liveMarkdown(line: string): string[] {
  const bare = line.replace(/\\[^0-9A-Za-z\s]/g, '');
  const found: string[] = [];
  for (const marker of ['**', '*', '__', '_', '~~', '||', '`', '[']) if (bare.includes(marker)) found.push(marker);
  // On the line as sent: an escaped marker starts with a backslash and no longer matches.
  const block = /^\s*(#{1,3} |-# |>>> |> |[-*] +|\d+\. )/.exec(line);
  if (block) found.push(block[1]!.trim());
  return found;
}
