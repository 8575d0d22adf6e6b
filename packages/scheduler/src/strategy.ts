/**
 * Strategies: given one network's eligible agents (not yet bound to it), rank
 * them and pick the best `need`. Pure and deterministic: ties fall to the
 * smaller agent id, and "chance" is a seeded rendezvous hash, so every
 * scheduler instance folding the same log picks the same agents.
 */
import { FNV_OFFSET, fmix32, fnv1a } from '@leasehold/protocol';
import type { StrategyName } from './config.js';
import type { CandidateView } from './events.js';
import { compareIds } from './state.js';

export interface Candidate {
  readonly agentId: string;
  readonly availabilityZone: string;
  /** Networks bound to the agent now. */
  readonly load: number;
}

export interface StrategyInput {
  readonly strategy: StrategyName;
  readonly seed: number;
  readonly networkId: string;
  /** Eligible agents not bound to the network. */
  readonly pool: readonly Candidate[];
  readonly need: number;
  /** Availability zones of the agents already bound to the network (one entry per agent). */
  readonly boundZones: readonly string[];
  /** Rank at least this many (for the explanation), even if fewer are needed. */
  readonly explainLimit: number;
}

export interface StrategyPick {
  /** The chosen agents, in the order picked (at most `need`). */
  readonly chosen: readonly Candidate[];
  /** The best-ranked candidates, chosen ones first, at most max(need, explainLimit). */
  readonly ranked: readonly CandidateView[];
}

/** Ranks a network's candidates with the configured strategy and picks `need` of them. Pure. */
export function pickAgents(input: StrategyInput): StrategyPick {
  const limit = Math.max(input.need, input.explainLimit);
  switch (input.strategy) {
    case 'weight': {
      const ranked = [...input.pool].sort(byLoad).slice(0, limit);
      return { chosen: ranked.slice(0, input.need), ranked: ranked.map(view) };
    }
    case 'chance': {
      const scored = input.pool.map((c) => ({ ...c, score: rendezvousScore(input.seed, input.networkId, c.agentId) }));
      scored.sort((a, b) => b.score - a.score || compareIds(a.agentId, b.agentId));
      const ranked = scored.slice(0, limit);
      return { chosen: ranked.slice(0, input.need), ranked: ranked.map((c) => ({ ...view(c), score: c.score })) };
    }
    case 'az': {
      const ranked = azOrder(input.pool, input.boundZones, limit);
      return { chosen: ranked.slice(0, input.need), ranked: ranked.map(view) };
    }
  }
}

function view(c: Candidate): CandidateView {
  return { agentId: c.agentId, availabilityZone: c.availabilityZone, load: c.load };
}

function byLoad(a: Candidate, b: Candidate): number {
  return a.load - b.load || compareIds(a.agentId, b.agentId);
}

/**
 * Neutron's AZAwareWeightScheduler: each pick goes to the zone holding the
 * fewest of this network's agents (ties: zone name), and within it to the
 * least loaded agent. Only as many picks as asked are simulated (O(limit * pool)).
 */
function azOrder(pool: readonly Candidate[], boundZones: readonly string[], limit: number): Candidate[] {
  const zoneCount = new Map<string, number>();
  for (const zone of boundZones) zoneCount.set(zone, (zoneCount.get(zone) ?? 0) + 1);
  const left = [...pool].sort(byLoad);
  const order: Candidate[] = [];
  while (order.length < limit && left.length > 0) {
    let best = 0;
    for (let i = 1; i < left.length; i++) {
      const a = left[i] as Candidate;
      const b = left[best] as Candidate;
      const za = zoneCount.get(a.availabilityZone) ?? 0;
      const zb = zoneCount.get(b.availabilityZone) ?? 0;
      // `left` is sorted by load, so the first agent of the winning zone is its least loaded.
      if (za < zb || (za === zb && compareIds(a.availabilityZone, b.availabilityZone) < 0)) best = i;
    }
    const [picked] = left.splice(best, 1) as [Candidate];
    order.push(picked);
    zoneCount.set(picked.availabilityZone, (zoneCount.get(picked.availabilityZone) ?? 0) + 1);
  }
  return order;
}

/**
 * A uniform 32-bit score for (seed, network, agent): highest random weight
 * (rendezvous) hashing. Each network gets an independent random order of the
 * agents; when its agent dies it falls to the next in that order. Pure.
 */
export function rendezvousScore(seed: number, networkId: string, agentId: string): number {
  // murmur3's finalizer, so nearby inputs do not give nearby scores.
  return fmix32(field(field(field(FNV_OFFSET, String(seed)), networkId), agentId));
}

/** One field into FNV-1a state, then a separator, so ("ab","c") and ("a","bc") differ. */
function field(h: number, text: string): number {
  return Math.imul(fnv1a(h, text) ^ 0xff, 0x01000193);
}
