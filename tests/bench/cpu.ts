// CPU time spent by processes, read from /proc (Linux only; elsewhere every reading is null).
// Time is read as CPU, not wall clock, so it says what each tier costs per operation even when
// the machine's other load moves the throughput figures.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcessTimes {
  name: string;
  /** Own user + system time, ms. */
  own: number;
  /** Time of children it has waited for, ms (PostgreSQL's postmaster reaps its backends). */
  reaped: number;
}

function readTimes(pid: number | "self"): ProcessTimes | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    const name = stat.slice(stat.indexOf("(") + 1, close);
    // Fields after the name, from field 3 (state) on: utime..cstime are 14..17.
    const fields = stat.slice(close + 2).split(" ");
    const at = (n: number) => Number(fields[n - 3]);
    const ms = (ticks: number) => (ticks * 1000) / TICKS_PER_SECOND;
    return { name, own: ms(at(14) + at(15)), reaped: ms(at(16) + at(17)) };
  } catch {
    return null;
  }
}

export const cpuAccounting = existsSync("/proc/self/stat");

/** CPU ms used so far by one process, all its threads; with `reaped`, its exited children's too. */
export function processCpuMs(pid: number | "self", options: { reaped?: boolean } = {}): number | null {
  const times = readTimes(pid);
  return times ? times.own + (options.reaped ? times.reaped : 0) : null;
}

/**
 * CPU ms used so far by the PostgreSQL servers on this machine: every live `postgres` process
 * plus the backends a postmaster has already reaped, so connections that close between two
 * readings still count.
 */
export function postgresCpuMs(): number | null {
  if (!cpuAccounting) return null;
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const times = readTimes(Number(entry));
    if (times?.name === "postgres") total += times.own + times.reaped;
  }
  return total;
}
