/** `leasehold why lease <mac|ip|ipv6>` and `leasehold why binding <network>`: the events and the rule behind them. */
import { Command } from 'commander';
import { parseInteger } from '../resources/flags.js';
import { isoTime, jsonSafe, renderData } from '../events/render.js';
import { runTool, withNatsFlags, type NatsFlags } from '../events/session.js';
import { networkIdByName, sourceNetworkEvents } from '../export/network-name.js';
import { progress } from '../export/progress.js';
import { openSource } from '../replay/command.js';
import { historyJson, historyLine } from '../replay/history-start.js';
import { whyBinding, type BindingWhy } from './binding.js';
import { whyAnyLease } from './any-lease.js';
import type { LeaseWhy, OtherLease } from './lease.js';
import type { Lease6Why } from './lease6.js';
import type { StoredEvent } from '@leasehold/journal';

interface WhyFlags extends NatsFlags {
  readonly network?: string;
  readonly bundle?: string;
  readonly json?: boolean;
  readonly agentDownTime?: string;
}

const line = (s: StoredEvent) => `  ${s.seq} ${isoTime(s.event.at)} ${s.event.type} ${renderData(s.event.data)}`.trimEnd();

/** `why`'s --json: the explanation with its history as JSON (not the restored read model). Pure. */
export function whyJson(w: LeaseWhy | Lease6Why | BindingWhy): unknown {
  return jsonSafe({ ...w, history: historyJson(w.history) });
}

/** "chain:" or, when the aggregate's earlier events were compacted, why the chain starts late. Pure. */
function chainHeading(w: LeaseWhy | BindingWhy, what: string): string {
  if (!w.truncated) return 'chain:';
  const h = w.history;
  if (!h.snapshot) return `chain (from event ${h.firstRetained}, the first retained; ${what}'s earlier events, if any, are gone):`;
  return `chain (truncated: ${what}'s events before event ${h.firstRetained} were compacted; it starts at the first retained one):`;
}

/** A MAC's leases in the other family, each with the command that explains it. Pure. */
const otherFamilyLines = (leases: readonly OtherLease[]) => leases.map((l) => `  (the client also holds ${l.ip} on network ${l.networkId}: \`leasehold why lease ${l.ip}\`)`);

/** The readable explanation of a lease. Pure. */
export function renderLeaseWhy(w: LeaseWhy): string[] {
  const last = w.chain.at(-1);
  const out = [`lease ${w.ip} on network ${w.networkId} (${w.subject})${w.holder ? `, client ${w.holder.mac}${w.holder.clientId ? ` id ${w.holder.clientId}` : ''}` : ''}: last event ${last?.event.type ?? 'none retained'}`];
  const history = historyLine(w.history);
  if (history) out.push(history);
  if (w.others.length > 0) out.push(`  (also leased on network${w.others.length > 1 ? 's' : ''} ${w.others.join(', ')}; pass --network to pick one)`);
  out.push(...otherFamilyLines(w.otherFamily));
  if (w.truncated && w.atSnapshot) {
    const l = w.atSnapshot.lease;
    out.push(
      l
        ? `at snapshot ${w.atSnapshot.snapshot} (${isoTime(w.atSnapshot.at)}): ${l.state}, client ${l.mac}${l.clientId ? ` id ${l.clientId}` : ''}${l.hostname ? ` host ${l.hostname}` : ''}${l.expiresAt !== null ? `, expires ${isoTime(l.expiresAt)}` : ''}, last changed ${isoTime(l.updatedAt)} by event ${l.version}${l.version < w.history.firstRetained ? ' (compacted)' : ''}`
        : `at snapshot ${w.atSnapshot.snapshot} (${isoTime(w.atSnapshot.at)}): no lease on this address`,
    );
  }
  out.push(chainHeading(w, 'the lease'));
  for (const s of w.chain) out.push(`${line(s)}${s === w.bound ? '   <- the current lease starts here' : ''}`);
  const from = w.derivedFrom > 1 ? `from event ${w.derivedFrom}, the first retained (what only the compacted events held is missing from it), ` : '';
  out.push(w.bound ? `rule (the agent's lease table replayed ${from}to seq ${w.bound.seq - 1}, its allocator asked as the agent asks):` : 'rule:');
  out.push(`  ${w.rule.source}: ${w.rule.text}`);
  out.push('agent:');
  out.push(`  ${w.agent.text}`);
  return out;
}

/** The readable explanation of an IPv6 lease: each event with its cause under it. Pure. */
export function renderLease6Why(w: Lease6Why): string[] {
  const last = w.chain.at(-1);
  const h = w.holder;
  const client = h ? `, client DUID ${h.duid} IAID ${h.iaid}${h.mac ? ` (MAC ${h.mac})` : ''}${h.hostname ? ` host ${h.hostname}` : ''}` : '';
  const out = [`lease ${w.ip} on network ${w.networkId} (${w.subject})${client}: last event ${last?.event.type ?? 'none retained'}`];
  const history = historyLine(w.history);
  if (history) out.push(history);
  if (w.others.length > 0) out.push(`  (also leased on network${w.others.length > 1 ? 's' : ''} ${w.others.join(', ')}; pass --network to pick one)`);
  out.push(...otherFamilyLines(w.otherFamily));
  out.push(w.truncated ? `chain (from event ${w.history.firstRetained}, the first retained; the lease's earlier events were compacted):` : 'chain:');
  w.chain.forEach((s, i) => out.push(`${line(s)}${s === w.bound ? '   <- the current lease starts here' : ''}`, `      cause: ${w.causes[i]}`));
  const from = w.derivedFrom > 1 ? `from event ${w.derivedFrom}, the first retained, ` : '';
  out.push(w.bound ? `rule (the agent's DHCPv6 decision core replayed ${from}to seq ${w.bound.seq - 1}, asked for the IA without a hint):` : 'rule:');
  out.push(`  ${w.rule.source}: ${w.rule.text}`);
  out.push('agent:');
  out.push(`  ${w.agent.text}`);
  return out;
}

/** The readable explanation of a network's bindings. Pure. */
export function renderBindingWhy(w: BindingWhy): string[] {
  const agents = [...w.compacted.map((c) => c.agentId), ...w.current.map((d) => d.agentId)];
  const out = [`bindings of network ${w.networkId} (${w.subject}): ${agents.join(', ') || 'none'}`];
  const history = historyLine(w.history);
  if (history) out.push(history);
  out.push(chainHeading(w, 'the binding'), ...w.chain.map(line));
  for (const c of w.compacted) {
    out.push(`agent ${c.agentId}: bound at ${isoTime(c.at)}, reason ${c.reason}, before event ${w.history.firstRetained}: the decision was compacted (snapshot ${c.snapshot} keeps its reason and time; its strategy and inputs went with it)`);
  }
  for (const d of w.current) {
    out.push(`agent ${d.agentId}: bound at seq ${d.scheduled.seq} (${isoTime(d.scheduled.event.at)}), reason ${d.reason}${d.strategy ? `, strategy ${d.strategy}` : ''}`);
    if (d.inputs) {
      const i = d.inputs;
      out.push(`  inputs: wanted ${i.wanted}, already bound [${(i.bound ?? []).join(', ')}], ${i.candidateCount} eligible, AZ hints [${(i.availabilityZoneHints ?? []).join(', ')}]${i.replaces ? `, replaces ${i.replaces}` : ''}`);
      for (const [rank, c] of (i.candidates ?? []).entries()) {
        out.push(`    ${rank + 1}. ${c.agentId} az=${c.availabilityZone} load=${c.load}${c.score !== undefined ? ` score=${c.score}` : ''}${c.agentId === d.agentId ? '   <- chosen' : ''}`);
      }
    }
    out.push(`  agents known to the scheduler at that time (its heartbeat fold ${w.derivedFrom > 1 ? `from event ${w.derivedFrom}, the first retained, ` : ''}up to the decision):`);
    for (const a of d.agents) {
      out.push(`    ${a.agentId} ${a.status}${a.adminStateUp ? '' : ' admin-down'} az=${a.availabilityZone} bound-networks=${a.load} last-heartbeat=${a.lastHeartbeatAt === null ? 'never' : isoTime(a.lastHeartbeatAt)}`);
    }
    out.push(`  check: ${d.replayed.text}`);
  }
  return out;
}

function whyFlags(command: Command): Command {
  return withNatsFlags(
    command
      .option('--bundle <file>', 'read a bundle written by `leasehold export` instead of NATS')
      .option('--agent-down-time <ms>', 'agent_down_time to judge liveness with (default 75000)')
      .option('--json', 'the explanation as one JSON object'),
  );
}

export function whyCommand(): Command {
  const why = new Command('why').description('explain a lease or a binding: the chain of events and the rule that produced it');

  whyFlags(why.command('lease').argument('<target>', 'the lease\'s IPv4 or IPv6 address (any form) or the client\'s MAC').option('--network <id>', 'only this network').description('which events, which allocation rule and which agent produced the current lease'))
    .action((target: string, flags: WhyFlags) =>
      runTool(flags, async (connect) => {
        const agentDownTime = flags.agentDownTime === undefined ? undefined : parseInteger('--agent-down-time', flags.agentDownTime, 1);
        const { source } = await openSource(flags, connect);
        const bar = progress('why lease');
        try {
          const options = { ...(flags.network ? { network: flags.network } : {}), ...(agentDownTime ? { agentDownTime } : {}), onPending: (n: number) => bar.start(n), onEvent: () => bar.increment() };
          const w = await whyAnyLease(source, target, options);
          bar.stop();
          process.stdout.write(`${flags.json ? JSON.stringify(whyJson(w)) : ('causes' in w ? renderLease6Why(w) : renderLeaseWhy(w)).join('\n')}\n`);
        } finally {
          bar.stop();
        }
      }),
    );

  whyFlags(why.command('binding').argument('<network>', 'network name or id').description('which decisions, strategies and inputs bound the network\'s current agents'))
    .action((network: string, flags: WhyFlags) =>
      runTool(flags, async (connect) => {
        const agentDownTime = flags.agentDownTime === undefined ? undefined : parseInteger('--agent-down-time', flags.agentDownTime, 1);
        const { source } = await openSource(flags, connect);
        const bar = progress('why binding');
        try {
          const networkId = await networkIdByName(network, sourceNetworkEvents(source), (await source.history()).model, '<network>');
          const w = await whyBinding(source, networkId, { ...(agentDownTime ? { agentDownTime } : {}), onPending: (n) => bar.start(n), onEvent: () => bar.increment() });
          bar.stop();
          process.stdout.write(`${flags.json ? JSON.stringify(whyJson(w)) : renderBindingWhy(w).join('\n')}\n`);
        } finally {
          bar.stop();
        }
      }),
    );
  return why;
}
