// Loaded into a process under test with NODE_OPTIONS="--import <this file>": on exit, appends
// "<pid> <peak resident set in KiB>" to $VYA_TEST_PEAK_RSS_FILE (the kernel's own high-water mark).
import { appendFileSync } from 'node:fs';

const file = process.env.VYA_TEST_PEAK_RSS_FILE;
if (file) process.on('exit', () => appendFileSync(file, `${process.pid} ${process.resourceUsage().maxRSS}\n`));
