/** A small time-series chart (SVG, no library: one polyline) and the overview's DHCP and DNS rates. */
import { useEffect } from 'preact/hooks';
import type { RateSeries } from '../server/shapes.js';
import { useJson } from './hooks.js';
import { Section } from './widgets.js';

const W = 300;
const H = 48;

function Sparkline({ title, unit, points }: { title: string; unit: string; points: RateSeries['dhcp'] }) {
  if (points === null) return <div class="chart"><strong>{title}</strong> <span class="quiet">not served by this process</span></div>;
  const now = points.at(-1)?.per_second ?? 0;
  const max = Math.max(1, ...points.map((p) => p.per_second));
  const first = points[0]?.at ?? 0;
  const span = Math.max(1, (points.at(-1)?.at ?? 1) - first);
  const line = points.map((p) => `${(((p.at - first) / span) * W).toFixed(1)},${(H - 2 - (p.per_second / max) * (H - 4)).toFixed(1)}`).join(' ');
  const summary = `${title}: ${now.toFixed(1)} ${unit} now, at most ${max.toFixed(1)} over the last ${Math.round(span / 60_000)} min`;
  return (
    <div class="chart">
      <strong>{title}</strong> <span>{now.toFixed(1)} {unit}</span>{' '}
      <span class="quiet">{points.length > 1 ? `(max ${max.toFixed(1)})` : '(collecting: a point every 10 s)'}</span>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={summary}>
        <title>{summary}</title>
        {points.length > 1 && <polyline points={line} />}
      </svg>
    </div>
  );
}

export function Rates({ onUnauthorized }: { onUnauthorized: () => void }) {
  const { data, reload } = useJson<RateSeries>('rates', onUnauthorized);
  useEffect(() => {
    const timer = setInterval(reload, data?.interval_ms ?? 10_000);
    return () => clearInterval(timer);
  }, [data?.interval_ms]);
  if (!data) return null;
  return (
    <Section title="Rates (last hour)">
      <div class="charts">
        <Sparkline title="DHCP" unit="packets/s" points={data.dhcp} />
        <Sparkline title="DNS" unit="queries/s" points={data.dns} />
      </div>
    </Section>
  );
}
