/** A lease: why it has its address, and its events and its port's as one timeline, each with what caused it. */
import type { LeaseTimeline } from '../../server/shapes.js';
import { networkHref } from '../format.js';
import { useJson, useLive } from '../hooks.js';
import { Timeline, Why } from '../timeline.js';
import { Failure, LiveDot } from '../widgets.js';

export function LeasePageView({ network, ip, onUnauthorized }: { network: string; ip: string; onUnauthorized: () => void }) {
  const { data, error, reload } = useJson<LeaseTimeline>(`leases/${encodeURIComponent(network)}/${encodeURIComponent(ip)}`, onUnauthorized);
  const live = useLive(`aggregate=${encodeURIComponent(`lease/${network}/${ip}`)}`, reload);
  const events = data ? [...data.events, ...data.port_events].sort((a, b) => a.seq - b.seq) : [];
  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Lease {ip}</h1>
        <LiveDot live={live} />
      </div>
      <p class="facts">
        on network <a href={networkHref(network)}>{network}</a>
        {data?.lease && (
          <>
            {' '}· <span class={`state ${data.lease.state}`}>{data.lease.state}</span> · {data.lease.mac_address}
            {data.lease.hostname ? ` · ${data.lease.hostname}` : ''} · expires {data.lease.expires_at ?? 'never'}
          </>
        )}
      </p>
      <Failure error={error} />
      {data?.why && <Why why={data.why} ip={ip} />}
      {data && <Timeline events={events} />}
    </>
  );
}
