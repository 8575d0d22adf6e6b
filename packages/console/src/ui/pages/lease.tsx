/** A lease: its events and its port's as one timeline, each with what caused it. */
import type { EventJson, LeaseTimeline } from '../../server/shapes.js';
import { agentHref, networkHref, time } from '../format.js';
import { useJson, useLive } from '../hooks.js';
import { Failure, LiveDot, Section } from '../widgets.js';

/** The few data fields worth a line of their own; the rest is in the details. */
const KEY_FIELDS = ['mac', 'clientId', 'hostname', 'expiresAt', 'source', 'agentId', 'reason', 'name', 'fixedIps'];

function summary(event: EventJson): string {
  const data = (event.data ?? {}) as Record<string, unknown>;
  return KEY_FIELDS.filter((k) => data[k] !== undefined && data[k] !== null)
    .map((k) => `${k} ${k === 'expiresAt' && typeof data[k] === 'number' ? time(data[k]) : typeof data[k] === 'object' ? JSON.stringify(data[k]) : String(data[k])}`)
    .join(' · ');
}

export function LeasePageView({ network, ip, onUnauthorized }: { network: string; ip: string; onUnauthorized: () => void }) {
  const { data, error, reload } = useJson<LeaseTimeline>(`leases/${encodeURIComponent(network)}/${encodeURIComponent(ip)}`, onUnauthorized);
  const live = useLive(`aggregate=${encodeURIComponent(`lease/${network}/${ip}`)}`, reload);
  const events = data ? [...data.events, ...data.port_events].sort((a, b) => a.seq - b.seq) : [];
  const ids = new Map(events.map((e) => [e.id, e]));
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
      {data?.why && (
        <Section title="Why this address">
          <dl class="why">
            <dt>rule</dt>
            <dd data-rule={data.why.rule.source}>
              <strong>{data.why.rule.source}</strong>: {data.why.rule.text}
            </dd>
            <dt>answered by</dt>
            <dd data-agent={data.why.agent.id ?? ''}>
              {data.why.agent.id && <><a class="mono" href={agentHref(data.why.agent.id)}>{data.why.agent.id}</a>{' · '}</>}
              {data.why.agent.text}
            </dd>
          </dl>
          <p class="quiet">Derived from the agent's view of the journal before event #{data.why.seq}, as <code>leasehold why lease {ip}</code> does.</p>
        </Section>
      )}
      {data && (
        <Section title={`Timeline: ${events.length} events`}>
          {events.length === 0 ? (
            <p class="quiet">No events for this address (never leased, or compacted).</p>
          ) : (
            <ol class="timeline">
              {events.map((e) => {
                const cause = e.causation ? ids.get(e.causation) : undefined;
                return (
                  <li class={`event ${e.aggregate.split('/')[0]}`} data-type={e.type}>
                    <div class="when">{time(e.at)} <span class="quiet">#{e.seq}</span></div>
                    <div class="what">
                      <strong>{e.type}</strong> <span class="quiet mono">{e.aggregate}</span>
                    </div>
                    <div class="detail">{summary(e)}</div>
                    {e.causation && <div class="cause">caused by {cause ? `${cause.type} #${cause.seq}` : <span class="mono">{e.causation}</span>}</div>}
                    <details>
                      <summary>data</summary>
                      <pre>{JSON.stringify(e.data, null, 2)}</pre>
                    </details>
                  </li>
                );
              })}
            </ol>
          )}
        </Section>
      )}
    </>
  );
}
