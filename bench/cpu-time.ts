import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/*
 * CPU time of a process and all its descendants, read from Linux's /proc, so the benchmark can say
 * where a run's CPU went (DynamoDB Local's JVM, the simulator behind its tsx launcher). Elsewhere
 * than Linux it answers undefined and the figures are left out.
 */

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

interface ProcStat {
  ppid: number;
  ticks: number;
}

function readStat(pid: string): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields follow the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // Fields from the state on: ppid is the 2nd, utime the 12th, stime the 13th.
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined; // the process ended meanwhile
  }
}

/** CPU milliseconds used so far by `pid` and its live descendants; undefined without /proc. */
function processTreeCpuMs(pid: number): number | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const stats = new Map<number, ProcStat>();
  for (const name of pids) {
    const stat = readStat(name);
    if (stat) stats.set(Number(name), stat);
  }
  if (!stats.has(pid)) return undefined;
  const children = new Map<number, number[]>();
  for (const [child, { ppid }] of stats) children.set(ppid, [...(children.get(ppid) ?? []), child]);
  let ticks = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.pop()!;
    ticks += stats.get(next)?.ticks ?? 0;
    pending.push(...(children.get(next) ?? []));
  }
  return (ticks / clockTicks()) * 1000;
}

/**
 * Starts measuring CPU time: of each named process tree, and of this process. The returned
 * function gives the milliseconds used since (null for a tree /proc could not show).
 */
export function startCpuMeter<Name extends string>(treePids: Record<Name, number>): () => Record<Name, number | null> & { self: number } {
  const names = Object.keys(treePids) as Name[];
  const before = new Map(names.map((name) => [name, processTreeCpuMs(treePids[name])]));
  const self = process.cpuUsage();
  return () => {
    const trees = names.map((name) => {
      const start = before.get(name);
      const now = processTreeCpuMs(treePids[name]);
      return [name, start === undefined || now === undefined ? null : now - start] as const;
    });
    const { user, system } = process.cpuUsage(self);
    return { ...(Object.fromEntries(trees) as Record<Name, number | null>), self: (user + system) / 1000 };
  };
}
