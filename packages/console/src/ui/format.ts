/** Small text helpers for the pages. */

export function ago(iso: string | number | null, now = Date.now()): string {
  if (iso === null) return 'never';
  const ms = now - (typeof iso === 'number' ? iso : Date.parse(iso));
  if (!Number.isFinite(ms)) return '?';
  if (ms < 1_000) return 'just now';
  if (ms < 60_000) return `${Math.round(ms / 1_000)} s ago`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)} h ago`;
  return `${Math.round(ms / 86_400_000)} d ago`;
}

export const time = (at: number) => new Date(at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');

export const percent = (used: number, size: number) => (size === 0 ? 0 : Math.round((100 * used) / size));

/** The lease page's hash route for an address. */
export const leaseHref = (network: string, ip: string) => `#/leases/${encodeURIComponent(network)}/${encodeURIComponent(ip)}`;
export const networkHref = (network: string) => `#/networks/${encodeURIComponent(network)}`;
export const agentHref = (agent: string) => `#/agents/${encodeURIComponent(agent)}`;
export const portHref = (port: string) => `#/ports/${encodeURIComponent(port)}`;
