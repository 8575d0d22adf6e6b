/** Overview: agents, networks with their binding and pool bars, alerts. */
import type { Overview } from '../../server/shapes.js';
import { agentHref, ago, networkHref } from '../format.js';
import { useJson, useLive } from '../hooks.js';
import { Rates } from '../chart.js';
import { Badge, Failure, LiveDot, PoolBar, Section } from '../widgets.js';

export function OverviewPage({ onUnauthorized }: { onUnauthorized: () => void }) {
  const { data, error, reload } = useJson<Overview>('overview', onUnauthorized);
  const live = useLive('', reload);
  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Overview</h1>
        <LiveDot live={live} />
      </div>
      <Failure error={error} />
      {data?.projection && (
        <p class="facts">
          journal at #{data.projection.last}; what this page shows is folded up to #{data.projection.position}
          {data.projection.lag > 0 ? ` (${data.projection.lag} behind)` : ''}
        </p>
      )}
      {data && (
        <>
          <Section title={`Alerts (${data.alerts.length})`}>
            {data.alerts.length === 0 ? (
              <p class="quiet">No alerts.</p>
            ) : (
              <ul class="alerts">
                {data.alerts.map((a) => (
                  <li class={a.level}>
                    <strong>{a.level}</strong> {a.network_id ? <a href={networkHref(a.network_id)}>{a.text}</a> : a.text}
                  </li>
                ))}
              </ul>
            )}
          </Section>
          <Rates onUnauthorized={onUnauthorized} />
          <Section title={`Agents (${data.agents.length})`}>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr><th>Agent</th><th>Host</th><th>State</th><th>Admin</th><th>AZ</th><th>Networks</th><th>Last heartbeat</th></tr>
                </thead>
                <tbody>
                  {data.agents.map((a) => (
                    <tr>
                      <td class="mono"><a href={agentHref(a.id)}>{a.id}</a></td>
                      <td>{a.host}</td>
                      <td><Badge ok={a.alive} yes="alive" no="down" /></td>
                      <td><Badge ok={a.admin_state_up} yes="up" no="disabled" /></td>
                      <td>{a.availability_zone}</td>
                      <td>{a.networks.length}</td>
                      <td title={a.heartbeat_timestamp ?? ''}>{ago(a.heartbeat_timestamp)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Section>
          <Section title={`Networks (${data.networks.length})`}>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr><th>Network</th><th>Status</th><th>Agents</th><th>Leases</th><th>Pools</th></tr>
                </thead>
                <tbody>
                  {data.networks.map((n) => (
                    <tr>
                      <td><a href={networkHref(n.id)}>{n.name || n.id}</a></td>
                      <td>{n.status}</td>
                      <td class="mono">{n.agents.length === 0 ? <span class="bad-text">none</span> : n.agents.map((id) => <a href={agentHref(id)}>{id} </a>)}</td>
                      <td>{n.leases}</td>
                      <td>{n.pools.length === 0 ? <span class="quiet">no subnet</span> : n.pools.map((p) => <PoolBar use={p} />)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Section>
        </>
      )}
    </>
  );
}
