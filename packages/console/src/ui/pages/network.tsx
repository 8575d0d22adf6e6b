/** A network: subnets with pool bars, its agents, ports, and its leases searched and paged on the server. */
import { useState } from 'preact/hooks';
import type { LeasePage, NetworkPage } from '../../server/shapes.js';
import { agentHref, ago, leaseHref, portHref } from '../format.js';
import { useJson, useLive } from '../hooks.js';
import { VirtualTable } from '../virtual.js';
import { Badge, Failure, LiveDot, PoolBar, Section } from '../widgets.js';
import { BindingHistory } from './binding-history.js';
import { TimeTravel } from './time-travel.js';

/** Rows a server page holds (the server's most): the table renders only those in view (virtual.tsx). */
const PAGE = 500;

export function NetworkPageView({ id, onUnauthorized }: { id: string; onUnauthorized: () => void }) {
  const [search, setSearch] = useState('');
  const [offset, setOffset] = useState(0);
  const net = useJson<NetworkPage>(`networks/${encodeURIComponent(id)}`, onUnauthorized);
  const leases = useJson<LeasePage>(`networks/${encodeURIComponent(id)}/leases?q=${encodeURIComponent(search)}&offset=${offset}&limit=${PAGE}`, onUnauthorized);
  const live = useLive(`network=${encodeURIComponent(id)}`, () => {
    net.reload();
    leases.reload();
  });
  const data = net.data;
  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Network {data ? data.network.name || data.network.id : id}</h1>
        <LiveDot live={live} />
      </div>
      <Failure error={net.error} />
      {data && (
        <>
          <p class="facts">
            <span class="mono">{data.network.id}</span> · {data.network.status} · {data.network.segment} · MTU {data.network.mtu}
            {data.network.dns_domain ? ` · ${data.network.dns_domain}` : ''} · <a href={`#/events?network=${encodeURIComponent(id)}`}>events</a>
          </p>
          <Section title={`Subnets (${data.subnets.length})`}>
            <div class="table-wrap">
              <table>
                <thead><tr><th>Subnet</th><th>CIDR</th><th>Gateway</th><th>Pools</th><th>DHCP</th><th>Use</th></tr></thead>
                <tbody>
                  {data.subnets.map((s) => (
                    <tr>
                      <td>{s.name || <span class="mono">{s.id}</span>}</td>
                      <td class="mono">{s.cidr}</td>
                      <td class="mono">{s.gateway_ip ?? '-'}</td>
                      <td class="mono">{[...s.pools, ...s.dynamic_pools.map((p) => `${p} (dynamic)`)].join(', ')}</td>
                      <td><Badge ok={s.enable_dhcp} yes="on" no="off" /></td>
                      <td><PoolBar use={s.use} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Section>
          <Section title={`DHCP agents (${data.bindings.length})`}>
            {data.bindings.length === 0 ? (
              <p class="bad-text">No agent hosts this network{data.unreachable_physnet !== undefined ? `: no live agent maps physnet ${data.unreachable_physnet}` : ''}.</p>
            ) : (
              <ul class="plain">
                {data.bindings.map((a) => (
                  <li>
                    <a class="mono" href={agentHref(a.id)}>{a.id}</a> on {a.host} ({a.availability_zone}) <Badge ok={a.alive} yes="alive" no="down" /> heartbeat {ago(a.heartbeat_timestamp)}
                  </li>
                ))}
              </ul>
            )}
          </Section>
          <BindingHistory events={data.binding_history ?? []} />
          <Section title={`Ports (${data.ports.length})`}>
            <div class="table-wrap">
              <table>
                <thead><tr><th>Port</th><th>MAC</th><th>Addresses</th><th>Owner</th><th>Status</th></tr></thead>
                <tbody>
                  {data.ports.map((p) => (
                    <tr>
                      <td><a href={portHref(p.id)}>{p.name || <span class="mono">{p.id}</span>}</a></td>
                      <td class="mono">{p.mac_address}</td>
                      <td class="mono">{p.ips.map((ip) => <a href={leaseHref(id, ip)}>{ip} </a>)}</td>
                      <td>{p.device_owner || '-'}</td>
                      <td>{p.status}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Section>
        </>
      )}
      <Section
        title={`Leases (${leases.data?.total ?? '…'})`}
        extra={
          <label class="search">
            Search <input type="search" placeholder="MAC, IP or host name" value={search} onInput={(e) => { setSearch((e.target as HTMLInputElement).value); setOffset(0); }} />
          </label>
        }
      >
        <Failure error={leases.error} />
        {leases.data && (
          <>
            <VirtualTable
              key={`${search}|${offset}`}
              class="leases"
              label={`leases ${offset + 1} to ${Math.min(offset + PAGE, leases.data.total)}: scroll with the arrow keys`}
              columns={6}
              rows={leases.data.leases}
              head={<tr><th>Address</th><th>MAC</th><th>Host name</th><th>State</th><th>Expires</th><th>Updated</th></tr>}
              row={(l) => (
                <tr key={l.ip_address} data-ip={l.ip_address}>
                  <td class="mono"><a href={leaseHref(id, l.ip_address)}>{l.ip_address}</a></td>
                  <td class="mono">{l.mac_address}</td>
                  <td>{l.hostname ?? '-'}</td>
                  <td><span class={`state ${l.state}`}>{l.state}</span></td>
                  <td>{l.expires_at ?? 'never'}</td>
                  <td>{ago(l.updated_at)}</td>
                </tr>
              )}
            />
            <nav class="pager" aria-label="lease pages">
              <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous</button>
              <span>
                {leases.data.total === 0 ? 'none' : `${offset + 1}–${Math.min(offset + PAGE, leases.data.total)} of ${leases.data.total}`}
              </span>
              <button disabled={offset + PAGE >= leases.data.total} onClick={() => setOffset(offset + PAGE)}>Next</button>
            </nav>
          </>
        )}
      </Section>
      <TimeTravel network={id} onUnauthorized={onUnauthorized} />
    </>
  );
}
