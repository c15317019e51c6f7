import type { ReviewVerdict } from './agent-outputs';

/**
 * The panel's verdict: PASS when a strict majority passed. On FAIL, the failing reviewers' fixes are merged (without
 * duplicates) so the next implementer round sees every objection.
 */
export function majorityVerdict(verdicts: readonly ReviewVerdict[]): ReviewVerdict {
  const first = verdicts[0];
  if (!first) throw new Error('majorityVerdict needs at least one verdict');
  if (verdicts.length === 1) return first;
  const passes = verdicts.filter((v) => v.verdict === 'PASS');
  if (passes.length * 2 > verdicts.length) return passes[0]!;
  const fails = verdicts.filter((v) => v.verdict === 'FAIL');
  return {
    verdict: 'FAIL',
    criteria: fails[0]!.criteria,
    fixesRequired: [...new Set(fails.flatMap((v) => v.fixesRequired))],
    summary: `${fails.length} of ${verdicts.length} reviewers failed the output: ${fails.map((v) => v.summary).join(' / ')}`,
  };
}
