/**
 * A VLAN trunk for tests on a kernel without 802.1Q (issue 18): what a host
 * with kernel VLAN devices and a switch would be, built from veths and two
 * userspace taggers (vlan-tagger.py).
 *
 *   agent's namespace                         switch namespace        client namespaces
 *   <physical>.<vid> ── veth ── lu<tag><i> ┐                        ┌ <link hostIf> ── veth ── client
 *                          tagger ─ <physical> ══ trunk ══ lq<tag> ─ tagger
 *
 * `<physical>.<vid>` is named as the agent's template `{physical}.{vid}`
 * names it; the trunk between the taggers carries real 802.1Q frames, and
 * `tagged` holds each VLAN id the switch side has seen a tagged frame of.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestLink } from '@leasehold/agent/testing';

const run = promisify(execFile);
const ip = (...args: string[]) => run('ip', args);
const TAGGER = fileURLToPath(new URL('./vlan-tagger.py', import.meta.url));

export interface VlanTrunk {
  /** The trunk's interface in the agent's namespace: map the physical network to it, with the template `{physical}.{vid}`. */
  readonly physical: string;
  /** VLAN ids seen tagged on the trunk by the switch side. */
  readonly tagged: ReadonlySet<number>;
  remove(): Promise<void>;
}

/** Builds the trunk for `vlans` (VLAN id → the client link on it: its host end is moved into the switch namespace). */
export async function startVlanTrunk(vlans: readonly (readonly [vid: number, client: TestLink])[]): Promise<VlanTrunk> {
  const tag = randomBytes(3).toString('hex');
  const physical = `lv${tag}`;
  const trunkPeer = `lq${tag}`;
  const sw = `lhsw-${tag}`;
  const taggers: ChildProcess[] = [];
  const tagged = new Set<number>();
  const remove = async () => {
    for (const t of taggers) t.kill('SIGKILL');
    for (const [vid] of vlans) await ip('link', 'del', `${physical}.${vid}`).catch(() => {});
    await ip('link', 'del', physical).catch(() => {});
    await ip('netns', 'del', sw).catch(() => {});
  };
  try {
    await ip('netns', 'add', sw);
    await ip('link', 'add', physical, 'type', 'veth', 'peer', 'name', trunkPeer);
    await ip('link', 'set', trunkPeer, 'netns', sw);
    await ip('link', 'set', physical, 'up');
    await ip('-n', sw, 'link', 'set', trunkPeer, 'up');
    const agentSide: string[] = [];
    const switchSide: string[] = [];
    for (const [i, [vid, client]] of vlans.entries()) {
      const inner = `lu${tag}${i}`;
      await ip('link', 'add', `${physical}.${vid}`, 'type', 'veth', 'peer', 'name', inner);
      await ip('link', 'set', `${physical}.${vid}`, 'up');
      await ip('link', 'set', inner, 'up');
      await ip('link', 'set', client.hostIf, 'netns', sw);
      await ip('-n', sw, 'link', 'set', client.hostIf, 'up');
      agentSide.push(`${vid}=${inner}`);
      switchSide.push(`${vid}=${client.hostIf}`);
    }
    const start = (args: string[], onLine: (line: string) => void) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
        taggers.push(child);
        let err = '';
        child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
        child.once('exit', (code) => reject(new Error(`vlan tagger exited (${code}): ${err}`)));
        let buffered = '';
        child.stdout!.setEncoding('utf8').on('data', (s: string) => {
          buffered += s;
          for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            if (line === 'ready') resolve();
            onLine(line);
          }
        });
      });
    await start(['/usr/bin/python3', TAGGER, physical, ...agentSide], () => {});
    await start(['ip', 'netns', 'exec', sw, '/usr/bin/python3', TAGGER, trunkPeer, ...switchSide], (line) => {
      const m = /^tagged (\d+)$/.exec(line);
      if (m) tagged.add(Number(m[1]));
    });
  } catch (error) {
    await remove();
    throw error;
  }
  return { physical, tagged, remove };
}
