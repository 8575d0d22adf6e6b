/**
 * The shell commands the documentation shows: every fenced ```sh block of a
 * Markdown text, its label (```sh terminal-1 → "terminal-1", none → ""),
 * and its commands, one per logical line (a trailing backslash continues a
 * line), blank and comment-only lines left out. docs-commands.test.ts runs
 * them against a spawned system, so a stale command fails CI.
 */

export interface DocBlock {
  readonly label: string;
  /** 1-based line of the block's opening fence, for messages. */
  readonly line: number;
  readonly commands: readonly string[];
}

/** Every ```sh block of `markdown`, in order. Pure. */
export function shellBlocks(markdown: string): DocBlock[] {
  const blocks: DocBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```sh(?: ([\w-]+))?\s*$/.exec(lines[i]!);
    if (!open) continue;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^```\s*$/.test(lines[j]!)) body.push(lines[j++]!);
    blocks.push({ label: open[1] ?? '', line: i + 1, commands: logicalLines(body) });
    i = j;
  }
  return blocks;
}

/** Lines joined across trailing backslashes, trimmed, without blank and comment-only ones. Pure. */
function logicalLines(body: readonly string[]): string[] {
  const out: string[] = [];
  let pending = '';
  for (const raw of body) {
    const line = raw.trimEnd();
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const whole = `${pending}${line.trim()}`.trim();
    pending = '';
    if (whole && !whole.startsWith('#')) out.push(whole);
  }
  if (pending.trim()) out.push(pending.trim());
  return out;
}
