import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { cruise, type IConfiguration } from 'dependency-cruiser';

/** The one-way import rule (docs/architecture.md), read from the code by dependency-cruiser. */
const rules = createRequire(import.meta.url)('../.dependency-cruiser.cjs') as IConfiguration;

describe('import layering', () => {
  it('has no upward import and no cycle', async () => {
    const result = await cruise(['src', 'commands'], { ...rules.options, validate: true, ruleSet: { forbidden: rules.forbidden } });
    const output = result.output as { summary: { violations: { from: string; to: string; rule: { name: string } }[]; totalCruised: number } };
    // The tree was really read: every production module, not an empty match.
    expect(output.summary.totalCruised).toBeGreaterThan(40);
    expect(output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  });
});
