/**
 * Text from members or the provider (prompts, file names, option values, provider messages) shown exactly as
 * typed: nothing in it may format the bot's message.
 *
 * Not discord.js's `escapeMarkdown` (@discordjs/formatters 0.6.2, src/escapers.ts), read for this: by default
 * it leaves headings, lists and masked links live; it has nothing for subtext (`-#`) or block quotes (`>`,
 * `>>>`); its masked-link escape (`/\[.+]\(.+\)/gm`, greedy) escapes only the first of two links on a line;
 * and on runs of markers its pairing logic leaves one live (`****` keeps its last `*`, five backticks keep
 * two). Simpler and complete instead: a backslash before any punctuation makes Discord show that character
 * as typed, so every inline marker character is escaped wherever it stands, and every block marker at the
 * start of a line. The backslashes themselves never show.
 */
export function literal(text: string): string {
  return (
    text
      // Inline: bold, italics, underline, strikethrough, spoilers, code and fences, masked links, and the escape itself.
      .replace(/[\\*_~|`[]/g, '\\$&')
      // Line starts: headings, subtext, block quotes, bulleted lists (`*` is already escaped above).
      .replace(/^([ \t]*)([#>]|-(?=[#\s]))/gm, '$1\\$2')
      // Numbered lists.
      .replace(/^([ \t]*\d+)\./gm, '$1\\.')
  );
}
