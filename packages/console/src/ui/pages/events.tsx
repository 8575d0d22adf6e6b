/** The event history, live: the latest matching events, then each new one as it is stored. */
import { useEffect, useState } from 'preact/hooks';
import type { EventJson } from '../../server/shapes.js';
import { leaseHref, networkHref, time } from '../format.js';
import { useJson, useLive } from '../hooks.js';
import { Failure, LiveDot } from '../widgets.js';
import { TimeTravel } from './time-travel.js';

/** Events kept on the page; older ones scroll away. */
const KEEP = 500;
const FIELDS = ['type', 'aggregate', 'network', 'mac'] as const;
type Filter = Record<(typeof FIELDS)[number], string>;

const queryOf = (f: Filter) => FIELDS.filter((k) => f[k].trim() !== '').map((k) => `${k}=${encodeURIComponent(f[k].trim())}`).join('&');

/** A lease's aggregate links to its timeline. */
function aggregateLink(e: EventJson) {
  const [kind, network, ip] = e.aggregate.split('/');
  return kind === 'lease' && network && ip ? <a href={leaseHref(network, ip)}>{e.aggregate}</a> : e.aggregate;
}

export function EventsPage({ initial, onUnauthorized }: { initial: Partial<Filter>; onUnauthorized: () => void }) {
  const [draft, setDraft] = useState<Filter>({ type: '', aggregate: '', network: '', mac: '', ...initial });
  const [filter, setFilter] = useState<Filter>(draft);
  const query = queryOf(filter);
  const recent = useJson<{ events: EventJson[] }>(`events/recent?limit=200${query ? `&${query}` : ''}`, onUnauthorized);
  const [events, setEvents] = useState<EventJson[]>([]);
  useEffect(() => setEvents(recent.data?.events ?? []), [recent.data]);
  const live = useLive(query, () => {}, (event) => setEvents((list) => [...list, event].slice(-KEEP)));
  const shown = [...events].reverse();
  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Events</h1>
        <LiveDot live={live} />
      </div>
      <form class="filters" onSubmit={(e) => { e.preventDefault(); setFilter(draft); }}>
        {FIELDS.map((k) => (
          <label>
            {k} <input name={k} value={draft[k]} onInput={(e) => setDraft({ ...draft, [k]: (e.target as HTMLInputElement).value })} placeholder={k === 'type' ? 'LeaseBound,PortCreated' : k === 'aggregate' ? 'lease/<network>' : ''} />
          </label>
        ))}
        <button type="submit">Filter</button>
      </form>
      <Failure error={recent.error} />
      {filter.network.trim() !== '' && <TimeTravel network={filter.network.trim()} onUnauthorized={onUnauthorized} />}
      <div class="table-wrap">
        <table class="events">
          <thead><tr><th>#</th><th>When</th><th>Type</th><th>Aggregate</th><th>Network</th></tr></thead>
          <tbody>
            {shown.map((e) => (
              <tr key={e.seq} data-type={e.type}>
                <td>{e.seq}</td>
                <td>{time(e.at)}</td>
                <td><strong>{e.type}</strong></td>
                <td class="mono">{aggregateLink(e)}</td>
                <td class="mono">{e.network_id ? <a href={networkHref(e.network_id)}>{e.network_id}</a> : '-'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
