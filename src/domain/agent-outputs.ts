import { z } from 'zod';

/** What every implementer returns. Artifacts hold the work itself; the summary travels to dependents. */
export const ImplementerOutput = z.object({
  summary: z.string().describe('Two or three sentences on what was produced, for dependent tasks and reports'),
  artifacts: z
    .array(
      z.object({
        name: z.string().describe('File path or artifact name, e.g. src/parser.ts or report.md'),
        kind: z.string().describe('code, test, doc, data, patch or note'),
        content: z.string().describe('The full content of the artifact'),
      }),
    )
    .describe('Everything the task produced'),
  notes: z.string().describe('Assumptions made and anything the reviewer should know'),
});
export type ImplementerOutput = z.infer<typeof ImplementerOutput>;

export const CriterionJudgement = z.object({
  criterion: z.string().describe('The acceptance criterion, verbatim'),
  met: z.boolean().describe('Whether the output satisfies it'),
  reason: z.string().describe('Evidence from the output for the judgement'),
});
export type CriterionJudgement = z.infer<typeof CriterionJudgement>;

export const ReviewVerdict = z.object({
  verdict: z.enum(['PASS', 'FAIL']).describe('PASS only when every criterion is met'),
  criteria: z.array(CriterionJudgement).describe('One judgement per acceptance criterion, in order'),
  fixesRequired: z.array(z.string()).describe('Concrete changes the implementer must make; empty on PASS'),
  summary: z.string().describe('One sentence on the overall judgement'),
});
export type ReviewVerdict = z.infer<typeof ReviewVerdict>;
