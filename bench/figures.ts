import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

/*
 * The figures of `npm run bench`, kept in one list in bench/results.json and one table in
 * bench/results.md. Every target is an upper bound (a ratio, a time, a count); a figure that is only
 * reported has none. Each benchmark script saves its own group; the other groups' figures stay.
 */

const RESULTS_JSON = join(__dirname, 'results.json');
const RESULTS_MD = join(__dirname, 'results.md');

export type Group = 'backfill' | 'webhooks' | 'inbox app' | 'catch-up' | 'functions';
const GROUP_ORDER: Group[] = ['backfill', 'webhooks', 'functions', 'inbox app', 'catch-up'];

export interface Figure {
  group: Group;
  name: string;
  value: number;
  unit: string;
  /** The largest value that meets the target; null when the figure is only reported. */
  target: number | null;
  met: boolean | null;
  /** What the value was measured against, for the reader of results.md. */
  detail?: string;
}

export const round = (value: number, digits = 2) => Number(value.toFixed(digits));

export function figure(group: Group, name: string, value: number, unit: string, target: number | null, detail?: string): Figure {
  const rounded = round(value, Math.abs(value) >= 100 ? 0 : 2);
  return { group, name, value: rounded, unit, target, met: target === null ? null : value <= target, ...(detail ? { detail } : {}) };
}

interface Results {
  date: string;
  machine: { cpus: number; cpuModel: string; node: string; platform: string };
  figures: Figure[];
  details: Partial<Record<Group, unknown>>;
  notes: Partial<Record<Group, string[]>>;
}

function load(): Results | undefined {
  if (!existsSync(RESULTS_JSON)) return undefined;
  const parsed = JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) as Partial<Results>;
  return Array.isArray(parsed.figures) ? (parsed as Results) : undefined;
}

/**
 * Replaces one or more groups' figures, details and notes in results.json and rewrites results.md
 * from it. `fresh` drops every other group first (the first script of a full run does).
 */
export function saveResults(
  groups: Group[],
  part: { figures: Figure[]; details: Partial<Record<Group, unknown>>; notes: Partial<Record<Group, string[]>> },
  options: { fresh?: boolean } = {},
): void {
  const previous = options.fresh ? undefined : load();
  const kept = (previous?.figures ?? []).filter((f) => !groups.includes(f.group));
  const figures = [...kept, ...part.figures].sort((a, b) => GROUP_ORDER.indexOf(a.group) - GROUP_ORDER.indexOf(b.group));
  const results: Results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform },
    figures,
    details: { ...previous?.details, ...part.details },
    notes: { ...previous?.notes, ...part.notes },
  };
  writeFileSync(RESULTS_JSON, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(RESULTS_MD, markdown(results));
  console.log(markdown(results));
}

const verdict = (f: Figure) => (f.met === null ? 'reported' : f.met ? 'met' : 'not met');
const unitText = (unit: string) => (unit === '×' ? '×' : ` ${unit}`);

export function markdown(results: Results): string {
  const lines = [
    '# Benchmark results',
    '',
    `${results.date}, ${results.machine.cpus} CPU (${results.machine.cpuModel}), Node ${results.machine.node}. Written by \`npm run bench\`; what each figure measures: bench/README.md.`,
    '',
    '| group | figure | value | target | |',
    '|---|---|---|---|---|',
    ...results.figures.map(
      (f) =>
        `| ${f.group} | ${f.name} | ${f.value}${unitText(f.unit)}${f.detail ? ` (${f.detail})` : ''} | ${f.target === null ? '' : `≤ ${f.target}${unitText(f.unit)}`} | ${verdict(f)} |`,
    ),
  ];
  for (const group of GROUP_ORDER) {
    const notes = results.notes[group];
    if (!notes?.length) continue;
    lines.push('', `## ${group}`, '', ...notes.map((note) => `- ${note}`));
  }
  return `${lines.join('\n')}\n`;
}
