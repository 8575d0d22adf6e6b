/**
 * Rebalancing under the weight strategy: move automatic bindings from the
 * busiest to the idlest eligible agent until their loads differ by at most one.
 *
 * Why greedy is minimal: with total T over k agents, a balanced end state has
 * r = T mod k agents at floor(T/k)+1 and the rest at floor(T/k). A move changes
 * one load by -1 and one by +1, so at least `minimalMoves(loads)` moves are
 * needed (the surplus over the best such end state). When the busiest agent
 * has a movable network the idlest lacks (always, absent manual pins and AZ
 * hints: it has at least two more networks), each busiest-to-idlest move lowers
 * that surplus by exactly one, so the greedy loop makes exactly that many.
 */
import { compareIds } from './state.js';

/**
 * The fewest single-network moves that bring `loads` to max - min <= 1 (the
 * total stays the same). Pure.
 */
export function minimalMoves(loads: readonly number[]): number {
  const k = loads.length;
  if (k === 0) return 0;
  const total = loads.reduce((a, b) => a + b, 0);
  const q = Math.floor(total / k);
  const r = total % k;
  const sorted = [...loads].sort((a, b) => b - a);
  let moves = 0;
  sorted.forEach((load, i) => {
    moves += Math.max(0, load - (i < r ? q + 1 : q));
  });
  return moves;
}

export interface RebalanceInput {
  /** Agents that may give and take networks, with their loads. */
  readonly loads: ReadonlyMap<string, number>;
  /** Networks bound to each of those agents. */
  readonly networksOf: ReadonlyMap<string, ReadonlySet<string>>;
  /** May this network move from one agent to the other (automatic binding, DHCP, hints allow)? Only asked when `to` is not bound to it. */
  readonly movable: (networkId: string, from: string, to: string) => boolean;
}

export interface Move {
  readonly networkId: string;
  readonly from: string;
  readonly to: string;
  /** Loads before the move. */
  readonly fromLoad: number;
  readonly toLoad: number;
}

/**
 * The moves, in order, that balance the loads: each takes the first movable
 * network (by id) of the busiest agent that has one for the idlest agent it
 * can reach. Ties: busiest = smaller id first, idlest = smaller id first.
 * Terminates: every move lowers the sum of squared loads. Pure.
 */
export function planRebalance(input: RebalanceInput): Move[] {
  const loads = new Map(input.loads);
  // Sorted once and kept sorted, so a donor's first movable network is found without re-sorting per move.
  const networksOf = new Map([...input.networksOf].map(([agent, nets]) => [agent, [...nets].sort(compareIds)]));
  const moves: Move[] = [];
  const agents = [...loads.keys()];
  for (;;) {
    const busiest = [...agents].sort((a, b) => load(loads, b) - load(loads, a) || compareIds(a, b));
    const idlest = [...busiest].reverse().sort((a, b) => load(loads, a) - load(loads, b) || compareIds(a, b));
    const move = findMove(busiest, idlest, loads, networksOf, input.movable);
    if (!move) return moves;
    moves.push(move);
    loads.set(move.from, move.fromLoad - 1);
    loads.set(move.to, move.toLoad + 1);
    const from = networksOf.get(move.from);
    from?.splice(from.indexOf(move.networkId), 1);
    let into = networksOf.get(move.to);
    if (!into) networksOf.set(move.to, (into = []));
    into.splice(sortedIndex(into, move.networkId), 0, move.networkId);
  }
}

function findMove(
  busiest: readonly string[],
  idlest: readonly string[],
  loads: ReadonlyMap<string, number>,
  networksOf: ReadonlyMap<string, readonly string[]>,
  movable: RebalanceInput['movable'],
): Move | null {
  for (const from of busiest) {
    const fromLoad = load(loads, from);
    const nets = networksOf.get(from) ?? [];
    for (const to of idlest) {
      const toLoad = load(loads, to);
      // Receivers come idlest first: once one is within one network, so are the rest.
      if (fromLoad - toLoad < 2) break;
      const into = networksOf.get(to) ?? [];
      const networkId = nets.find((n) => !hasSorted(into, n) && movable(n, from, to));
      if (networkId !== undefined) return { networkId, from, to, fromLoad, toLoad };
    }
    // Donors come busiest first: if even the idlest agent is within one of this one, no later donor can move.
    const idle = idlest[0];
    if (idle === undefined || fromLoad - load(loads, idle) < 2) return null;
  }
  return null;
}

function sortedIndex(sorted: readonly string[], id: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareIds(sorted[mid] as string, id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function hasSorted(sorted: readonly string[], id: string): boolean {
  return sorted[sortedIndex(sorted, id)] === id;
}

function load(loads: ReadonlyMap<string, number>, agent: string): number {
  return loads.get(agent) ?? 0;
}
