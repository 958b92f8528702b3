/**
 * CPU time and resident memory of processes, read from Linux's /proc: what a process costs does
 * not depend on how busy the rest of the machine is, unlike wall-clock throughput.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** utime+stime and cutime+cstime (children waited for) of one /proc/<pid>/stat line, in clock ticks. */
export function parseStatTicks(stat: string): { self: number; children: number } {
  // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime, stime, cutime, cstime are fields 14–17.
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  if ([utime, stime, cutime, cstime].some((n) => !Number.isFinite(n)))
    throw new Error(`not a /proc stat line: ${stat}`);
  return { self: utime + stime, children: cutime + cstime };
}

/** VmRSS of one /proc/<pid>/status text, in kB (0 for a kernel thread or a zombie, which have none). */
export function parseVmRssKb(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) : 0;
}

let ticksPerSecond: number | null = null;
function clockTicksPerSecond(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU milliseconds a process and its exited children have used; null once it is gone. */
export function cpuMs(pid: number): number | null {
  try {
    const { self, children } = parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return ((self + children) * 1000) / clockTicksPerSecond();
  } catch {
    return null;
  }
}

/** Resident memory of a process in MB; 0 once it is gone. */
export function rssMb(pid: number): number {
  try {
    return parseVmRssKb(readFileSync(`/proc/${pid}/status`, 'utf8')) / 1024;
  } catch {
    return 0;
  }
}

/** Component name → the pids that make it up (two workers are one component). */
export type ProcessGroups = Record<string, readonly number[]>;

/** CPU milliseconds so far of every pid of every group. */
export type CpuSnapshot = Record<string, Map<number, number>>;

export function cpuSnapshot(groups: ProcessGroups): CpuSnapshot {
  const snapshot: CpuSnapshot = {};
  for (const [name, pids] of Object.entries(groups)) {
    snapshot[name] = new Map();
    for (const pid of pids) {
      const ms = cpuMs(pid);
      if (ms !== null) snapshot[name].set(pid, ms);
    }
  }
  return snapshot;
}

/**
 * CPU milliseconds each group used between two snapshots. A pid that appeared meanwhile counts
 * from zero; one that exited meanwhile is lost (the bench's processes live through a phase).
 */
export function cpuBetween(start: CpuSnapshot, end: CpuSnapshot): Record<string, number> {
  const spent: Record<string, number> = {};
  for (const [name, pids] of Object.entries(end)) {
    spent[name] = 0;
    for (const [pid, ms] of pids) spent[name] += ms - (start[name]?.get(pid) ?? 0);
  }
  return spent;
}

/** Samples the summed RSS of each group every `intervalMs` and keeps each one's peak, in MB. */
export function sampleRssPeaks(groups: ProcessGroups, intervalMs = 500): { stop(): Record<string, number> } {
  const peaks: Record<string, number> = {};
  const sample = () => {
    for (const [name, pids] of Object.entries(groups)) {
      const total = pids.reduce((sum, pid) => sum + rssMb(pid), 0);
      peaks[name] = Math.max(peaks[name] ?? 0, total);
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return Object.fromEntries(Object.entries(peaks).map(([name, mb]) => [name, Math.round(mb)]));
    },
  };
}
