import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { estimatePlan, planGoal, planLocally } from '../../client';
import { ConfigError, loadModelSettings, type ModelSettings } from '../../config';
import type { PreparePlanResult } from '../../domain/activity-contracts';
import { formatCredits } from '../../domain/credits';
import { planFileJsonSchema } from '../../domain/plan-file';
import { constraintList } from '../../domain/prompts';
import type { GoalInput } from '../../domain/run';
import { EXIT, UserError } from '../../infra/errors';
import { criticalPath, planMermaid, planTable } from '../format';
import { checkGoalInput, checkPlanFitsPolicy, parsePositiveNumber } from '../inputs';
import {
  clientFor,
  connectionOptions,
  goalInputFrom,
  goalOptions,
  out,
  type ConnectionFlags,
  type GoalFlags,
} from '../options';
import { policyOptions, workspaceInputFrom, type WorkspaceFlags } from '../workspace-flags';

/**
 * plan: the dry run that CI gates on. A plan file is checked and costed here, with no server, worker or model call;
 * only a goal needs the workers, whose planner writes the plan. Both print the same.
 */
export function registerPlanCommand(program: Command): void {
  connectionOptions(
    policyOptions(
      goalOptions(
        program
          .command('plan')
          .description(
            'dry run: write and validate a plan, print it with its DAG, critical path and projected credits ' +
              '(with --plan: locally, no server or worker needed)',
          )
          .argument('[goal]', 'what the run should achieve'),
      ),
    ),
  )
    .option('--schema', 'print the plan file format as JSON Schema (for editors) and exit')
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
        flags: GoalFlags &
          ConnectionFlags &
          WorkspaceFlags & { maxCredits?: number; out?: string; json?: boolean; schema?: boolean },
      ) => {
        if (flags.schema) {
          out(JSON.stringify(planFileJsonSchema(), null, 2));
          return;
        }
        const input = checkGoalInput(goalInputFrom(goal, flags));
        // With --command/--verify/--allow, a plan file is checked against the policy they give, as `run` would.
        const policy = workspaceInputFrom(flags)?.policy;
        if (policy) checkPlanFitsPolicy(input.plan, policy);
        const settings = modelSettings();
        // A plan file never reaches for the server: CI can gate on it without Temporal credentials or a worker.
        const result = input.plan ? planLocally(input.plan, settings) : await planOnWorkers(input, flags);
        const estimate = estimatePlan(result.plan, settings, {
          planningMillicredits: result.spentMillicredits,
          maxReviewRounds: input.maxReviewRounds,
          reviewPanelSize: input.reviewPanelSize,
          constraints: constraintList(input.constraints),
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

/** The planner writes the plan for the goal, on the workers of the task queue. */
async function planOnWorkers(input: GoalInput, flags: ConnectionFlags): Promise<PreparePlanResult> {
  const { client, target } = await clientFor(flags);
  return planGoal(client, input, { namespace: target.namespace, taskQueue: flags.taskQueue });
}

/** The configuration the estimate prices calls with; a bad file is the user's to fix (exit 2), found before planning. */
function modelSettings(): ModelSettings {
  try {
    return loadModelSettings();
  } catch (err) {
    if (err instanceof ConfigError) throw new UserError(err.message);
    throw err;
  }
}
