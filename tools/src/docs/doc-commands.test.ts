import { describe, expect, test } from 'vitest';
import { shellBlocks } from './doc-commands.js';

describe('shellBlocks', () => {
  test('finds every ```sh block with its label and opening line; joins continued lines; leaves out blanks, comments and other languages', () => {
    const md = [
      '# Title',
      '```sh',
      'leasehold net list   # a trailing comment stays: bash reads it',
      '',
      '# a comment line',
      'openstack port set p \\',
      '  --name q \\',
      '  --enable',
      '```',
      '```yaml',
      'not: shell',
      '```',
      '```sh terminal-1',
      'npm start',
      '```',
    ].join('\n');
    expect(shellBlocks(md)).toStrictEqual([
      { label: '', line: 2, commands: ['leasehold net list   # a trailing comment stays: bash reads it', 'openstack port set p --name q --enable'] },
      { label: 'terminal-1', line: 13, commands: ['npm start'] },
    ]);
  });
});
