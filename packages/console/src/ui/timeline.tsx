/** A `why` chain: the rule and answering agent of a lease, and events as a timeline with their causes (the lease and port pages). */
import type { EventJson, LeaseExplanation } from '../server/shapes.js';
import { agentHref, time } from './format.js';
import { Section } from './widgets.js';

/** The few data fields worth a line of their own; the rest is in the details. */
const KEY_FIELDS = ['mac', 'clientId', 'hostname', 'expiresAt', 'source', 'agentId', 'reason', 'name', 'fixedIps'];

function summary(event: EventJson): string {
  const data = (event.data ?? {}) as Record<string, unknown>;
  return KEY_FIELDS.filter((k) => data[k] !== undefined && data[k] !== null)
    .map((k) => `${k} ${k === 'expiresAt' && typeof data[k] === 'number' ? time(data[k]) : typeof data[k] === 'object' ? JSON.stringify(data[k]) : String(data[k])}`)
    .join(' · ');
}

/** The allocator's rule and the answering agent, as `leasehold why lease` derives them. */
export function Why({ why, ip }: { why: LeaseExplanation; ip: string }) {
  return (
    <Section title={`Why ${ip}`}>
      <dl class="why">
        <dt>rule</dt>
        <dd data-rule={why.rule.source}>
          <strong>{why.rule.source}</strong>: {why.rule.text}
        </dd>
        <dt>answered by</dt>
        <dd data-agent={why.agent.id ?? ''}>
          {why.agent.id && <><a class="mono" href={agentHref(why.agent.id)}>{why.agent.id}</a>{' · '}</>}
          {why.agent.text}
        </dd>
      </dl>
      <p class="quiet">Derived from the agent's view of the journal before event #{why.seq}, as <code>leasehold why lease {ip}</code> does.</p>
    </Section>
  );
}

/** Events oldest first, each with its time, aggregate, key fields, its cause where the cause is on the page, and its data. */
export function Timeline({ events }: { events: readonly EventJson[] }) {
  const ids = new Map(events.map((e) => [e.id, e]));
  return (
    <Section title={`Timeline: ${events.length} events`}>
      {events.length === 0 ? (
        <p class="quiet">No events (never leased, or compacted).</p>
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
  );
}
