/**
 * Every package README has the same six top-level sections, in the same
 * order (issue 16, point 5), so an operator finds a package's configuration
 * or events in the same place every time: What it owns, Configuration,
 * Events (or "Events it emits and consumes"), Example, Files, Tests. Other
 * sections may sit between them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SECTIONS = ['What it owns', 'Configuration', 'Events', 'Example', 'Files', 'Tests'];

/** The six sections among a README's `## ` headings (outside code blocks), in the order they appear. Pure. */
function sectionsOf(markdown: string): string[] {
  const headings = markdown.replace(/```[\s\S]*?```/g, '').match(/^## .*$/gm) ?? [];
  return headings.map((h) => h.slice(3).trim()).flatMap((h) => SECTIONS.filter((s) => h === s || (s === 'Events' && /^Events\b/.test(h))));
}

const readmes = readdirSync(join(ROOT, 'packages'))
  .map((name) => join(ROOT, 'packages', name))
  .concat(join(ROOT, 'tools'), join(ROOT, 'harness'))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => join(dir, 'README.md'));

test.each(readmes.map((file) => [relative(ROOT, file), file]))('%s has the six sections in order', (_name, file) => {
  expect(sectionsOf(readFileSync(file, 'utf8'))).toEqual(SECTIONS);
});
