import { execFileSync } from 'node:child_process';
import { expect } from 'chai';

const moduleUrl = new URL('../../dist/core/pipeline/young-generation.js', import.meta.url).href;

/**
 * In a fresh node (V8's heap sizes are per process): the young generation's size before and
 * after allocating objects that live a while, as a stream's chunks in flight do.
 */
function youngGenerationGrowth(stop: boolean): { before: number; after: number } {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { stopYoungGenerationGrowth } from ${JSON.stringify(moduleUrl)};
    const newSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;
    if (${String(stop)}) stopYoungGenerationGrowth();
    const before = newSpace();
    const inFlight = new Array(20000);
    for (let i = 0; i < 1500000; i++) inFlight[i % inFlight.length] = { i, text: 'entry ' + i };
    process.stdout.write(JSON.stringify({ before, after: newSpace() }));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { before: number; after: number };
}

describe('the young generation while data streams (src/core/pipeline/young-generation.ts)', () => {
  it('grows many times over without the stop: what the stop is for', () => {
    const { before, after } = youngGenerationGrowth(false);
    expect(after).to.be.at.least(8 * before);
  });

  it('stays within twice its size once stopped, on the Node.js running the tests', () => {
    const { before, after } = youngGenerationGrowth(true);
    expect(after).to.be.at.most(2 * before);
  });
});
