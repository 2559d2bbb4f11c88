import type { JobConfig } from './types.js';

/** The sinks a job writes to, in the order the config names them: `sinks:`, else `sink:`. */
export function jobSinks(job: Pick<JobConfig, 'sink' | 'sinks'>): string[] {
  return job.sinks && job.sinks.length > 0 ? job.sinks : [job.sink];
}
