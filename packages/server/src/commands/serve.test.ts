import { Command } from 'commander';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../config/load.js';
import { addServeCommands, flagOverrides } from './serve.js';

/** The process command `name` with `args` parsed (its action is not run). */
function parsed(name: string, args: string[]): Command {
  const program = new Command();
  addServeCommands(program);
  const command = program.commands.find((c) => c.name() === name)!;
  command.parseOptions(args);
  return command;
}

describe('process flags', () => {
  test("--log-dhcp and --log-queries take dnsmasq's names: bare for every network, or a list of networks", () => {
    const all = loadConfig({ env: {}, flags: flagOverrides(parsed('dhcp-agent', ['--log-dhcp', '--log-queries', 'demo,lab'])) });
    expect(all.config.log).toMatchObject({ dhcp: true, queries: ['demo', 'lab'] });
    expect(all.overridden.get('log.dhcp')).toBe('--log-dhcp');
    expect(loadConfig({ env: {}, flags: flagOverrides(parsed('start', [])) }).config.log).toMatchObject({ dhcp: false, queries: false });
  });
});
