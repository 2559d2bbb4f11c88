import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who holds a lock, precisely enough to tell on the same machine whether that process still
 * runs: the kernel's boot id, the PID namespace, the uid, and the process's start time (in
 * clock ticks since boot, so a PID reused by a later process does not pass for the holder).
 */
export interface HolderProcess {
  boot_id: string;
  pid_ns: string;
  uid: number;
  start_ticks: string;
}

/** What a lock says of its holder: its host and pid, and with newer vya, HolderProcess. */
export interface LockHolder {
  host: string;
  pid: number;
  process?: HolderProcess;
}

let ours: HolderProcess | null | undefined;

/** This process, or undefined where the kernel does not tell (no /proc: not Linux). */
export function thisHolderProcess(): HolderProcess | undefined {
  if (ours === undefined) ours = readThisProcess() ?? null;
  return ours ?? undefined;
}

/**
 * Whether the holder has certainly exited: it ran on this kernel (same host name and boot),
 * in this PID namespace and as this user, and no process with its pid and start time is
 * left. Anything else (another machine, a container with its own PIDs, another user whose
 * processes /proc may hide, a lock from a vya that did not record the process) is not known
 * to be gone: that lock waits for its TTL, as before.
 *
 * restic takes a lock whose PID is gone on the same host name as stale; two containers with
 * one host name but their own PID namespaces would then break each other's live locks.
 */
export function holderIsGone(holder: LockHolder): boolean {
  const mine = thisHolderProcess();
  const theirs = holder.process;
  if (!mine || !theirs || holder.host !== hostname()) return false;
  if (theirs.boot_id !== mine.boot_id || theirs.pid_ns !== mine.pid_ns || theirs.uid !== mine.uid) return false;
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return false;
  const now = processStat(holder.pid);
  // A zombie has exited: only its entry in the process table waits for its parent.
  return now === undefined || now.startTicks !== theirs.start_ticks || now.state === 'Z' || now.state === 'X';
}

function readThisProcess(): HolderProcess | undefined {
  try {
    const startTicks = processStat(process.pid)?.startTicks;
    if (startTicks === undefined || typeof process.getuid !== 'function') return undefined;
    return {
      boot_id: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
      pid_ns: readlinkSync('/proc/self/ns/pid'),
      uid: process.getuid(),
      start_ticks: startTicks,
    };
  } catch {
    return undefined;
  }
}

/** Fields 3 (state) and 22 (start time) of /proc/<pid>/stat; undefined when no such process is visible. */
export function processStat(pid: number): { state: string; startTicks: string } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces and ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields.length > 19 ? { state: fields[0], startTicks: fields[19] } : undefined;
}
