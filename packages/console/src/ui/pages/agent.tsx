/** An agent: its state, what it serves, its interface mappings, and its binding history. */
import type { AgentPage } from '../../server/shapes.js';
import { ago, networkHref } from '../format.js';
import { useJson, useLive } from '../hooks.js';
import { Badge, Failure, LiveDot, Section } from '../widgets.js';
import { BindingHistory } from './binding-history.js';

export function AgentPageView({ id, onUnauthorized }: { id: string; onUnauthorized: () => void }) {
  const { data, error, reload } = useJson<AgentPage>(`agents/${encodeURIComponent(id)}`, onUnauthorized);
  const live = useLive(`type=${encodeURIComponent('AgentHeartbeat,AgentAdminStateChanged,AgentDeleted,NetworkScheduled,NetworkUnscheduled')}`, reload);
  const a = data?.agent;
  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Agent {id}</h1>
        <LiveDot live={live} />
      </div>
      <Failure error={error} />
      {a && data && (
        <>
          <p class="facts">
            on {a.host} · AZ {a.availability_zone} · <Badge ok={a.alive} yes="alive" no="down" /> · <Badge ok={a.admin_state_up} yes="up" no="disabled" /> · heartbeat{' '}
            {ago(a.heartbeat_timestamp)}
            {a.report_interval_ms !== null ? ` (every ${a.report_interval_ms / 1000} s)` : ''} · version {a.version} · {a.ports} ports
          </p>
          <Section title="Interface mappings">
            <ul class="plain">
              {Object.entries(a.interface_mappings).map(([physnet, iface]) => (
                <li><span class="mono">{physnet}</span> → <span class="mono">{iface}</span>{a.relay_interfaces.includes(iface) ? ' (relayed requests only)' : ''}</li>
              ))}
            </ul>
          </Section>
          <Section title={`Networks served (${data.networks.length})`}>
            {data.networks.length === 0 ? (
              <p class="quiet">None.</p>
            ) : (
              <ul class="plain">
                {data.networks.map((n) => <li><a href={networkHref(n.id)}>{n.name || n.id}</a></li>)}
              </ul>
            )}
          </Section>
          <BindingHistory events={data.binding_history} />
        </>
      )}
    </>
  );
}
