/** A network's binding history: each NetworkScheduled and NetworkUnscheduled, why, and the scheduler's ranked candidates. */
import type { EventJson } from '../../server/shapes.js';
import { time } from '../format.js';
import { Section } from '../widgets.js';

interface Candidate {
  agentId?: string;
  availabilityZone?: string;
  load?: number;
  score?: number;
}
interface BindingData {
  agentId?: string;
  reason?: string;
  strategy?: string;
  inputs?: { cause?: string; candidates?: Candidate[]; candidateCount?: number; wanted?: number; bound?: string[]; replaces?: string; movedTo?: string };
}

function Candidates({ inputs }: { inputs: NonNullable<BindingData['inputs']> }) {
  if (!inputs.candidates || inputs.candidates.length === 0) return null;
  return (
    <details>
      <summary>ranked candidates ({inputs.candidates.length} shown of {inputs.candidateCount ?? inputs.candidates.length} eligible; wanted {inputs.wanted ?? '?'})</summary>
      <ol>
        {inputs.candidates.map((c) => (
          <li>
            <span class="mono">{c.agentId}</span> AZ {c.availabilityZone || '-'}, {c.load ?? '?'} networks{c.score !== undefined ? `, score ${c.score}` : ''}
          </li>
        ))}
      </ol>
    </details>
  );
}

export function BindingHistory({ events }: { events: readonly EventJson[] }) {
  return (
    <Section title={`Binding history (${events.length})`}>
      {events.length === 0 ? (
        <p class="quiet">Never bound.</p>
      ) : (
        <ol class="timeline">
          {[...events].reverse().map((e) => {
            const d = (e.data ?? {}) as BindingData;
            const bound = e.type === 'NetworkScheduled';
            return (
              <li class={`event ${bound ? 'binding' : 'port'}`} data-type={e.type}>
                <div class="when">{time(e.at)} <span class="quiet">#{e.seq}</span></div>
                <div class="what">
                  <strong>{bound ? 'bound to' : 'unbound from'}</strong> <span class="mono">{d.agentId}</span>: {d.reason}
                  {d.inputs?.cause && d.inputs.cause !== d.reason ? ` (${d.inputs.cause})` : ''}
                  {d.strategy ? `, strategy ${d.strategy}` : ''}
                  {d.inputs?.replaces ? `, replacing ${d.inputs.replaces}` : ''}
                  {d.inputs?.movedTo ? `, moved to ${d.inputs.movedTo}` : ''}
                </div>
                {d.inputs && <Candidates inputs={d.inputs} />}
              </li>
            );
          })}
        </ol>
      )}
    </Section>
  );
}
