/**
 * Summarizes a V8 `.cpuprofile` (what `node --cpu-prof` writes): self time
 * per function and per code area (a workspace package, an npm package, node
 * internals, V8's own buckets such as the garbage collector), busy time only
 * (`(idle)` is left out of the shares), largest first.
 */

export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  /** Share of busy (non-idle) time, in percent. */
  readonly percent: number;
}

export interface ProfileSummary {
  readonly busyMs: number;
  readonly idleMs: number;
  readonly functions: readonly SelfTime[];
  readonly areas: readonly SelfTime[];
}

/** Where a script URL belongs: `@leasehold/<pkg>`, an npm package, `node:internal`, or V8's bucket name. Pure. */
export function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const workspace = /\/(packages|tools)\/([^/]+)?\/?src\//.exec(url);
  if (workspace) return workspace[1] === 'tools' ? '@leasehold/tools' : `@leasehold/${workspace[2]}`;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + '/node_modules/'.length).split('/');
    return first?.startsWith('@') ? `${first}/${second}` : (first ?? url);
  }
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

function shortUrl(url: string): string {
  const src = url.lastIndexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  return url;
}

function ranked(totals: Map<string, number>, busyMs: number, top: number): SelfTime[] {
  return [...totals]
    .map(([name, ms]) => ({ name, ms, percent: busyMs > 0 ? (100 * ms) / busyMs : 0 }))
    .sort((a, b) => b.ms - a.ms || a.name.localeCompare(b.name))
    .slice(0, top);
}

/** Self time of each function and area; each sample lasts until the next (DevTools' rule). Pure. */
export function summarizeProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  let busyUs = 0;
  let idleUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = byId.get(profile.samples[i]!);
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (!frame || us <= 0) continue;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const name = frame.url === '' ? frame.functionName || '(native)' : `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    const area = areaOf(frame.url, frame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const busyMs = busyUs / 1000;
  const toMs = (m: Map<string, number>) => new Map([...m].map(([k, v]) => [k, v / 1000]));
  return { busyMs, idleMs: idleUs / 1000, functions: ranked(toMs(functions), busyMs, top), areas: ranked(toMs(areas), busyMs, top) };
}
