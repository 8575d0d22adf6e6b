/** How a replay prints: a readable walk through the states, or JSON lines. Pure. */
import { isoTime, jsonSafe } from '../events/render.js';
import { replayer } from './aggregate.js';
import { diff, renderChange } from './diff.js';
import type { CheckResult } from './check.js';
import { historyJson, historyLine, snapshotName } from './history-start.js';
import type { Origin, ReplayReport } from './run.js';

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

/** Where the aggregate's replay starts, when history starts after event 1: lines under the history line. Pure. */
export function originLines(name: string, origin: Origin, firstRetained: number): string[] {
  switch (origin.kind) {
    case 'whole':
      return [];
    case 'partial':
      return [`  ${name}: stepped from its initial state over the retained events alone; its events before event ${firstRetained}, if any, are missing`];
    case 'retained':
      return [`  ${name}: its retained events alone reach the state snapshot ${snapshotName(origin.snapshot)} holds for it: all are stepped from its initial state`];
    case 'snapshot': {
      const folded = origin.folded.length > 0 ? `; ${plural(origin.folded.length, 'retained event')} up to event ${origin.snapshot.seq} ${origin.folded.length === 1 ? 'is' : 'are'} already in it: ${origin.folded.map((e) => `${e.seq} ${e.event.type}`).join(', ')}` : '';
      const unknown = origin.unknown.length > 0 ? [`  (the API read model does not keep its ${origin.unknown.join(', ')}: unknown until an event sets them)`] : [];
      return [`  ${name}: its history began before event ${firstRetained}: the replay starts from its state in snapshot ${snapshotName(origin.snapshot)}${folded}`, ...unknown];
    }
  }
}

/** The readable report. */
export function renderReport(report: ReplayReport, options: ReportOptions = {}): string[] {
  const shown = report.steps.filter((s) => options.to === undefined || s.seq <= options.to);
  const lines = [`replay ${report.ref.name} (${report.ref.subject}) from ${report.source}: ${plural(report.steps.length, 'event')}`];
  const history = historyLine(report.history);
  if (history) lines.push(history, ...originLines(report.ref.name, report.origin, report.history.firstRetained));
  let prev = report.initial;
  if (report.origin.kind === 'snapshot') {
    lines.push(`  initial (snapshot ${snapshotName(report.origin.snapshot)}): ${prev.value}`);
    for (const change of diff(replayer(report.ref).state.context, prev.context, 'context')) lines.push(`    ${renderChange(change)}`);
  } else lines.push(`  initial: ${prev.value}`);
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
  lines.push(`state after seq ${last?.seq ?? report.initialSeq}: ${prev.value}${options.to !== undefined && shown.length < report.steps.length ? ` (--to ${options.to}; ${report.steps.length - shown.length} later events not shown)` : ''}`);
  lines.push(...checkLine('snapshot', report.snapshot, 'snapshot'));
  lines.push(...checkLine('live projection', report.live, 'live'));
  lines.push(`replayed ${plural(report.steps.length, 'event')} of ${report.ref.name} in ${report.ms.toFixed(0)} ms`);
  return lines;
}

/** The origin as JSON: its kind, the snapshot, what is already in it and the state it starts from. Pure. */
function originJson(report: ReplayReport): unknown {
  const o = report.origin;
  switch (o.kind) {
    case 'whole':
      return { kind: o.kind };
    case 'partial':
      return { kind: o.kind, problem: o.problem };
    case 'retained':
      return { kind: o.kind, snapshot: snapshotName(o.snapshot) };
    case 'snapshot':
      return {
        kind: o.kind,
        snapshot: snapshotName(o.snapshot),
        folded: o.folded.map((e) => ({ seq: e.seq, type: e.event.type })),
        unknown: o.unknown,
        initial: { seq: report.initialSeq, value: report.initial.value, context: report.initial.context },
      };
  }
}

/**
 * JSON lines: first `{history, origin}` (where the source's history starts
 * and where this replay starts), then one per step `{seq, at, type, value,
 * changes, refused?}`, then the checks, then a summary.
 */
export function renderReportJson(report: ReplayReport, options: ReportOptions = {}): string[] {
  const out: string[] = [JSON.stringify(jsonSafe({ history: historyJson(report.history), origin: originJson(report) }))];
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
  out.push(JSON.stringify({ summary: { aggregate: report.ref.name, origin: report.origin.kind, events: report.steps.length, bad: report.bad.length, ms: Math.round(report.ms) } }));
  return out;
}
