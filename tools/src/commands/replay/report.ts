/** How a replay prints: a readable walk through the states, or JSON lines. Pure. */
import { isoTime, jsonSafe } from '../events/render.js';
import { diff, renderChange } from './diff.js';
import type { CheckResult } from './check.js';
import type { ReplayReport } from './run.js';

/** "1 event", "2 events". Pure. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export interface ReportOptions {
  /** Show steps up to this sequence only (the checks still cover every event). */
  readonly to?: number;
}

function checkLine(label: string, check: CheckResult & { asked?: string }, other: string): string[] {
  const what = check.asked ? `${label} (${check.asked})` : label;
  switch (check.kind) {
    case 'skipped':
      return [`${what}: not checked: ${check.reason}`];
    case 'agree':
      return [`${what}: agrees with the replay at seq ${check.at}${check.note ? ` (${check.note})` : ''}`];
    case 'diverged': {
      const since = check.lastAgreed === null ? 'it matches no replayed state' : check.lastAgreed === 0 ? 'it matches the state before any event' : `it matches the replay after seq ${check.lastAgreed}`;
      return [
        `${what}: DIVERGES at seq ${check.seq}: compared at seq ${check.at}, ${since}${check.note ? `; ${check.note}` : ''}`,
        ...check.changes.map((c) => `    ${renderChange(c, ['replay', other])}`),
      ];
    }
  }
}

/** The readable report. */
export function renderReport(report: ReplayReport, options: ReportOptions = {}): string[] {
  const shown = report.steps.filter((s) => options.to === undefined || s.seq <= options.to);
  const lines = [`replay ${report.ref.name} (${report.ref.subject}) from ${report.source}: ${plural(report.steps.length, 'event')}`];
  let prev = report.initial;
  lines.push(`  initial: ${prev.value}`);
  for (const step of shown) {
    if (step.before) {
      lines.push(`  (clock, ${step.before.reason}): ${prev.value} → ${step.before.value}`);
      prev = step.before;
    }
    const move = prev.value === step.value ? step.value : `${prev.value} → ${step.value}`;
    lines.push(`seq ${step.seq} ${isoTime(step.event.at)} ${step.event.type}: ${move}${step.refused ? `  [${step.refused}]` : ''}`);
    for (const change of diff(prev.context, step.context, 'context')) lines.push(`    ${renderChange(change)}`);
    prev = step;
  }
  for (const b of report.bad) lines.push(`seq ${b.seq}: undecodable, skipped: ${b.error}`);
  const last = shown.at(-1);
  lines.push(`state after seq ${last?.seq ?? 0}: ${prev.value}${options.to !== undefined && shown.length < report.steps.length ? ` (--to ${options.to}; ${report.steps.length - shown.length} later events not shown)` : ''}`);
  lines.push(...checkLine('snapshot', report.snapshot, 'snapshot'));
  lines.push(...checkLine('live projection', report.live, 'live'));
  lines.push(`replayed ${plural(report.steps.length, 'event')} of ${report.ref.name} in ${report.ms.toFixed(0)} ms`);
  return lines;
}

/** JSON lines: one per step `{seq, at, type, value, changes, refused?}`, then the checks, then a summary. */
export function renderReportJson(report: ReplayReport, options: ReportOptions = {}): string[] {
  const out: string[] = [];
  let prev = report.initial;
  for (const step of report.steps) {
    if (options.to !== undefined && step.seq > options.to) break;
    const base = step.before ?? prev;
    out.push(
      JSON.stringify(
        jsonSafe({
          seq: step.seq,
          at: step.event.at,
          type: step.event.type,
          value: step.value,
          ...(step.before ? { clock: { value: step.before.value, reason: step.before.reason } } : {}),
          changes: diff(base.context, step.context, 'context'),
          ...(step.refused ? { refused: step.refused } : {}),
        }),
      ),
    );
    prev = step;
  }
  out.push(JSON.stringify(jsonSafe({ check: 'snapshot', ...report.snapshot })));
  out.push(JSON.stringify(jsonSafe({ check: 'live', ...report.live })));
  out.push(JSON.stringify({ summary: { aggregate: report.ref.name, events: report.steps.length, bad: report.bad.length, ms: Math.round(report.ms) } }));
  return out;
}
