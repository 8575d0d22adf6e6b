import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { describe, expect, test } from 'vitest';
import { runCli } from '../commands/resources/testing/run-cli.js';
import { renderCliReference } from './cli-reference.js';
import { BEGIN, END, renderSettings, replaceGenerated } from './config-reference.js';

const docs = (name: string) => readFileSync(fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url)), 'utf8');
const REGENERATE = 'regenerate with: npx leasehold cli-reference --write docs/cli.md --config-doc docs/configuration.md';

describe('generated docs', () => {
  test('docs/cli.md is what the CLI definitions generate now', async () => {
    const run = await runCli(['cli-reference']);
    expect(run.code).toBe(0);
    expect(docs('cli.md'), REGENERATE).toBe(run.stdout);
    for (const command of ['start', 'check-config', 'import-dnsmasq', 'net create', 'dhcp-agent']) expect(run.stdout).toContain(`## leasehold ${command}\n`);
    expect(run.stdout).not.toContain('## leasehold cli-reference');
  });

  test('the settings tables of docs/configuration.md are what the config schema generates now', () => {
    const text = docs('configuration.md');
    expect(replaceGenerated(text, renderSettings()), REGENERATE).toBe(text);
    expect(text).toContain('LEASEHOLD_SCHEDULER_AGENTS_PER_NETWORK');
  });

  test('a command, its arguments, options, defaults and subcommands all reach the reference', () => {
    const program = new Command('x').description('the x tool');
    const sub = program.command('thing').description('does a thing').alias('t');
    sub.command('make').argument('<name>', 'what to call it').option('--size <n>', 'how big', '3').description('make one');
    program.command('secret', { hidden: true });
    const text = renderCliReference(program);
    expect(text).toContain('| [`leasehold thing`](#leasehold-thing) | does a thing |');
    expect(text).toContain('## x thing make\n\nmake one\n\n```\nx thing make [options] <name>\n```');
    expect(text).toContain('| `<name>` | what to call it |');
    expect(text).toContain('| `--size <n>` | how big (default: `"3"`) |');
    expect(text).toContain('Alias: `t`');
    expect(text).not.toContain('secret');
    expect(() => replaceGenerated('no markers', 'x')).toThrow(/no generated settings block/);
    expect(replaceGenerated(`a\n${BEGIN}\nold\n${END}\nb`, 'NEW')).toBe('a\nNEW\nb');
  });
});
