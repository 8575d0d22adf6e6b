/** A port: its addresses, MAC, owner and DHCP options, its leases, and why its lease is its own as a timeline. */
import type { PortPage } from '../../server/shapes.js';
import { agentHref, ago, leaseHref, networkHref } from '../format.js';
import { useJson, useLive } from '../hooks.js';
import { Timeline, Why } from '../timeline.js';
import { Badge, Failure, LiveDot, Section } from '../widgets.js';

export function PortPageView({ id, onUnauthorized }: { id: string; onUnauthorized: () => void }) {
  const { data, error, reload } = useJson<PortPage>(`ports/${encodeURIComponent(id)}`, onUnauthorized);
  // Its network's events: the port's own and its leases' are among them.
  const live = useLive(data ? `network=${encodeURIComponent(data.port.network_id)}` : `aggregate=${encodeURIComponent(`port/${id}`)}`, reload);
  const port = data?.port;
  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Port {port ? port.name || port.id : id}</h1>
        <LiveDot live={live} />
      </div>
      <Failure error={error} />
      {data && port && (
        <>
          <p class="facts">
            <span class="mono">{port.id}</span> · on network <a href={networkHref(data.network.id)}>{data.network.name || data.network.id}</a> · {port.status}
          </p>
          <Section title="Port">
            <dl class="why port-facts">
              <dt>MAC</dt>
              <dd class="mono" data-field="mac">{port.mac_address}</dd>
              <dt>fixed IPs</dt>
              <dd class="mono" data-field="fixed-ips">
                {port.fixed_ips.length === 0 ? 'none' : port.fixed_ips.map((f) => <span>{f.ip_address} <span class="quiet">({f.subnet_id})</span> </span>)}
              </dd>
              <dt>device owner</dt>
              <dd data-field="device-owner">{port.device_owner || '-'}{port.device_id ? <span class="quiet mono"> {port.device_id}</span> : ''}</dd>
              <dt>DNS name</dt>
              <dd>{port.dns_name || '-'}</dd>
              <dt>admin state</dt>
              <dd><Badge ok={port.admin_state_up} yes="up" no="down" /></dd>
              <dt>created, updated</dt>
              <dd>{port.created_at ?? '?'}, {port.updated_at ?? '?'}</dd>
            </dl>
          </Section>
          <Section title={`Extra DHCP options (${port.extra_dhcp_opts.length})`}>
            {port.extra_dhcp_opts.length === 0 ? (
              <p class="quiet">None.</p>
            ) : (
              <div class="table-wrap">
                <table class="dhcp-opts">
                  <thead><tr><th>Option</th><th>Value</th><th>IP version</th></tr></thead>
                  <tbody>
                    {port.extra_dhcp_opts.map((o) => (
                      <tr><td class="mono">{o.opt_name}</td><td class="mono">{o.opt_value}</td><td>{o.ip_version}</td></tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Section>
          <Section title={`Leases (${data.leases.length})`}>
            {data.leases.length === 0 ? (
              <p class="quiet">No lease with this MAC on the network.</p>
            ) : (
              <ul class="plain port-leases">
                {data.leases.map((l) => (
                  <li data-ip={l.ip_address}>
                    <a class="mono" href={leaseHref(port.network_id, l.ip_address)}>{l.ip_address}</a> <span class={`state ${l.state}`}>{l.state}</span>
                    {l.hostname ? ` ${l.hostname}` : ''} · expires {l.expires_at ?? 'never'} · updated {ago(l.updated_at)}
                  </li>
                ))}
              </ul>
            )}
          </Section>
          <Section title={`DHCP agents of the network (${data.agents.length})`}>
            {data.agents.length === 0 ? (
              <p class="bad-text">No agent hosts its network.</p>
            ) : (
              <ul class="plain">
                {data.agents.map((a) => (
                  <li><a class="mono" href={agentHref(a.id)}>{a.id}</a> on {a.host} <Badge ok={a.alive} yes="alive" no="down" /></li>
                ))}
              </ul>
            )}
          </Section>
          {data.why && <Why why={data.why} ip={data.why.ip_address} />}
          <Timeline events={data.events} />
        </>
      )}
    </>
  );
}
