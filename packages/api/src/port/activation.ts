/**
 * How long a new port waits to become ACTIVE: from its create's answer to
 * the agent report that makes it ACTIVE (status.ts), the delay Nova's
 * vif-plugged wait sees. The server's metrics drain the delays into a
 * histogram (leasehold_port_ready_seconds).
 */
import type { ReadModel } from '../read-model/read-model.js';
import { portStatus } from './status.js';

/** Ports waiting at most (the oldest is forgotten first: a network no agent serves keeps its ports DOWN). */
const MAX_PENDING = 100_000;
/** Delays kept between two drains (a scrape); the oldest go first. */
const MAX_UNDRAINED = 10_000;

export class PortActivations {
  /** Port id → its network and when its create answered (ms). */
  readonly #pending = new Map<string, { networkId: string; at: number }>();
  #delays: number[] = [];

  constructor(private readonly model: Pick<ReadModel, 'ports' | 'fleet' | 'readiness'>) {}

  /** Port `portId` on `networkId` was created, its create answered at `at`. */
  created(portId: string, networkId: string, at: number): void {
    if (this.#pending.size >= MAX_PENDING) this.#pending.delete(this.#pending.keys().next().value!);
    this.#pending.set(portId, { networkId, at });
    this.settle(new Set([networkId]), at);
  }

  /** After an agent's report on `networks` at `now`: the waiting ports of those networks that are ACTIVE now are measured. */
  settle(networks: ReadonlySet<string>, now: number): void {
    for (const [portId, { networkId, at }] of this.#pending) {
      if (!networks.has(networkId)) continue;
      const port = this.model.ports.get(portId);
      // Deleted, moved or disabled: it will not be measured.
      if (!port || port.value.networkId !== networkId || !port.value.adminStateUp) {
        this.#pending.delete(portId);
        continue;
      }
      if (portStatus(port.value, port.version, this.model) !== 'ACTIVE') continue;
      this.#pending.delete(portId);
      if (this.#delays.length >= MAX_UNDRAINED) this.#delays.shift();
      this.#delays.push(Math.max(0, now - at) / 1000);
    }
  }

  /** The delays (seconds) measured since the last drain. */
  drain(): number[] {
    const out = this.#delays;
    this.#delays = [];
    return out;
  }

  /** Ports still waiting. */
  get waiting(): number {
    return this.#pending.size;
  }
}
