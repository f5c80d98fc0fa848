// CPU time spent by processes, read from /proc (Linux only: check `cpuAccounting` first).
// Time is read as CPU, not wall clock, so it says what each tier costs per operation even when
// the machine's other load moves the throughput figures.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";

export const cpuAccounting = existsSync("/proc/self/stat");

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcessTimes {
  name: string;
  /** Own user + system time of all its threads, ms. */
  own: number;
  /** Time of children it has waited for, ms (PostgreSQL's postmaster reaps its backends). */
  reaped: number;
}

function readTimes(pid: number | "self"): ProcessTimes | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    const name = stat.slice(stat.indexOf("(") + 1, close);
    // Fields after the name, from field 3 (state) on; utime, stime, cutime, cstime are 14..17.
    const fields = stat.slice(close + 2).split(" ");
    const ms = (n: number) => (Number(fields[n - 3]) * 1000) / TICKS_PER_SECOND;
    return { name, own: ms(14) + ms(15), reaped: ms(16) + ms(17) };
  } catch {
    return null; // the process has exited
  }
}

/** CPU ms one process has used so far, all its threads. */
export function processCpuMs(pid: number | "self"): number {
  return readTimes(pid)?.own ?? 0;
}

/** CPU ms used by this process's children that have exited (and been waited for). */
export function exitedChildrenCpuMs(): number {
  return readTimes("self")?.reaped ?? 0;
}

/**
 * CPU ms used so far by one PostgreSQL server: its postmaster, every live child of it (backends,
 * background workers) and the children it has already reaped, so connections that close between
 * two readings still count. Other servers on the machine are not counted. `postmasterPid` is the
 * first line of the server's `postmaster.pid` (see `postmasterPidOf`).
 */
export function postgresServerCpuMs(postmasterPid: number): number {
  const postmaster = readTimes(postmasterPid);
  if (!postmaster) return 0;
  let total = postmaster.own + postmaster.reaped;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === postmasterPid) continue;
    if (parentPid(Number(entry)) === postmasterPid) total += readTimes(Number(entry))?.own ?? 0;
  }
  return total;
}

/** The postmaster's pid of the server whose data directory this is (from its `postmaster.pid`). */
export function postmasterPidOf(dataDirectory: string): number {
  const pid = Number(readFileSync(`${dataDirectory}/postmaster.pid`, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no postmaster pid in ${dataDirectory}/postmaster.pid`);
  return pid;
}

function parentPid(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null;
  }
}
