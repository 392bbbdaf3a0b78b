import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../shared/audit.js';
import { loadBaselineFile } from '../../shared/baseline/index.js';
import { loadInventory } from '../../shared/snapshot/index.js';

/** A full collection on demand (process-wide, hence the isolated project). */
function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** A macrotask later: a WeakRef read in this job keeps its target alive until the job ends. */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('runAudit', () => {
  it('holds neither the inventory nor the baseline once it has returned, so the report is written in their memory', async () => {
    const gc = collectGarbage();
    let inventoryRef: WeakRef<object> | undefined;
    let baselineRef: WeakRef<object> | undefined;
    const audit = async () => {
      const inventory = await loadInventory('test/fixtures/snapshot.json');
      const baseline = await loadBaselineFile('test/fixtures/baseline.yaml');
      inventoryRef = new WeakRef(inventory);
      baselineRef = new WeakRef(baseline);
      return runAudit({ inventory, baseline });
    };
    const result = await audit();
    await nextTask();
    gc();
    await nextTask();
    gc();
    expect(result.report.findings.length).toBeGreaterThan(0);
    expect(inventoryRef?.deref()).toBeUndefined();
    expect(baselineRef?.deref()).toBeUndefined();
  });

  it('is seen to hold an inventory that something still references', async () => {
    const gc = collectGarbage();
    const inventory = await loadInventory('test/fixtures/snapshot.json');
    const inventoryRef = new WeakRef(inventory);
    const result = runAudit({ inventory, baseline: await loadBaselineFile('test/fixtures/baseline.yaml') });
    await nextTask();
    gc();
    expect(result.findings.length).toBeGreaterThan(0);
    expect(inventoryRef.deref()).toBe(inventory);
  });
});
