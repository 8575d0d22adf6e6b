/** Pieces the pages share. */
import type { ComponentChildren } from 'preact';
import type { PoolUse } from '../server/shapes.js';
import { percent } from './format.js';

export function PoolBar({ use }: { use: PoolUse }) {
  const p = percent(use.used, use.size);
  const level = p >= 90 ? 'full' : p >= 70 ? 'high' : 'ok';
  return (
    <div class="pool" title={`${use.cidr}: ${use.used} of ${use.size} addresses in use`}>
      <span class="pool-label">{use.cidr}</span>
      <span class="bar" role="meter" aria-valuemin={0} aria-valuemax={use.size} aria-valuenow={use.used} aria-label={`pool of ${use.cidr}`}>
        <span class={`fill ${level}`} style={{ width: `${p}%` }} />
      </span>
      <span class="pool-num">{use.size === 0 ? 'no pool' : `${use.used}/${use.size} (${p}%)`}</span>
    </div>
  );
}

export function Badge({ ok, yes, no }: { ok: boolean; yes: string; no: string }) {
  return <span class={`badge ${ok ? 'good' : 'bad'}`}>{ok ? yes : no}</span>;
}

export function Section({ title, children, extra }: { title: string; children: ComponentChildren; extra?: ComponentChildren }) {
  return (
    <section>
      <div class="section-head">
        <h2>{title}</h2>
        {extra}
      </div>
      {children}
    </section>
  );
}

export function Failure({ error }: { error: Error | undefined }) {
  return error ? <p class="error" role="alert">{error.message}</p> : null;
}

export function LiveDot({ live }: { live: boolean }) {
  return <span class={`live ${live ? 'on' : ''}`} aria-live="polite">{live ? '● live' : '○ connecting'}</span>;
}
