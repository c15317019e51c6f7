import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { estimatePlan, planGoal } from '../../client';
import { loadModelSettings } from '../../config';
import { formatCredits } from '../../domain/credits';
import { EXIT } from '../../infra/errors';
import { criticalPath, planMermaid, planTable } from '../format';
import { checkGoalInput, parsePositiveNumber } from '../inputs';
import {
  clientFor,
  connectionOptions,
  goalInputFrom,
  goalOptions,
  out,
  type ConnectionFlags,
  type GoalFlags,
} from '../options';

/** plan: the dry run that CI gates on. */
export function registerPlanCommand(program: Command): void {
  connectionOptions(
    goalOptions(
      program
        .command('plan')
        .description('dry run: write and validate a plan, print it with its DAG, critical path and projected credits')
        .argument('[goal]', 'what the run should achieve'),
    ),
  )
    .option(
      '--max-credits <credits>',
      `exit ${EXIT.budgetGate} when the projected credits exceed this`,
      parsePositiveNumber('--max-credits'),
    )
    .option('--out <file>', 'write the plan to a file that `run --plan` reads')
    .option('--json', 'print the plan and estimate as JSON')
    .action(
      async (
        goal: string | undefined,
        flags: GoalFlags & ConnectionFlags & { maxCredits?: number; out?: string; json?: boolean },
      ) => {
        const input = checkGoalInput(goalInputFrom(goal, flags));
        const { client, target } = await clientFor(flags);
        const result = await planGoal(client, input, { namespace: target.namespace, taskQueue: flags.taskQueue });
        const estimate = estimatePlan(result.plan, loadModelSettings(), {
          planningMillicredits: result.spentMillicredits,
          maxReviewRounds: input.maxReviewRounds,
          reviewPanelSize: input.reviewPanelSize,
        });
        const path = criticalPath(result.plan);
        if (flags.out) writeFileSync(flags.out, `${JSON.stringify(result.plan, null, 2)}\n`);
        if (flags.json) {
          out(JSON.stringify({ plan: result.plan, criticalPath: path, estimate, source: result.source }, null, 2));
        } else {
          out(planTable(result.plan));
          out();
          out('```mermaid');
          out(planMermaid(result.plan));
          out('```');
          out();
          out(`Critical path (effort ${path.effort}): ${path.path.join(' -> ')}`);
          out(`Planning spent: ${formatCredits(result.spentMillicredits)} credits`);
          out(
            `Projected: ${formatCredits(estimate.projectedMillicredits)} credits (every task passing its first review)`,
          );
          out(
            `Worst case: ${formatCredits(estimate.worstCaseMillicredits)} credits (every task using ${input.maxReviewRounds} rounds)`,
          );
          if (flags.out) out(`Plan written to ${flags.out}; run it with: planwright run --plan ${flags.out}`);
        }
        if (flags.maxCredits !== undefined && estimate.projectedMillicredits > Math.round(flags.maxCredits * 1000)) {
          console.error(
            `planwright: projected ${formatCredits(estimate.projectedMillicredits)} credits exceed --max-credits ${flags.maxCredits}`,
          );
          process.exitCode = EXIT.budgetGate;
        }
      },
    );
}
