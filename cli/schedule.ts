import type { Command } from 'commander';

import { collectSet } from './options';
import { backfillSchedule, deleteSchedule, pauseSchedule, triggerSchedule, unpauseSchedule } from './schedule-control';
import { createSchedule } from './schedule-create';
import { describeSchedule, listSchedules } from './schedule-describe';
import { OVERLAP_POLICIES } from './schedule-spec';

const OVERLAP_HELP = `what to do when a run is still going: ${OVERLAP_POLICIES.join(', ')}`;

/** `kiln schedule create|list|describe|pause|unpause|trigger|backfill|delete`. */
export function registerScheduleCommands(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('run a pipeline on a cron or an interval as a Temporal Schedule (create, list, describe, pause, trigger, backfill, delete)');

  schedule
    .command('create')
    .description("compile a pipeline and schedule it (timing from --cron/--every, else the pipeline's `schedule:` block)")
    .argument('<file>', 'pipeline YAML file')
    .option('--id <id>', 'schedule id (default: the pipeline name)')
    .option('--cron <expr>', 'cron expression, 5 fields in UTC ("0 3 * * *") or @hourly, @daily, @weekly, @monthly, @yearly')
    .option('--every <duration>', 'interval: 30s, 5m, 12h, 2d')
    .option('--overlap <policy>', OVERLAP_HELP)
    .option('--catchup-window <duration>', 'after an outage, start missed runs at most this late (default: 1 year)')
    .option('--pause-on-failure', 'pause the schedule when a run fails')
    .option('--set <name=value>', 'override a param (repeatable); type-checked against its default', collectSet)
    .option('--paused', 'create it paused')
    .option('--note <text>', 'note shown with the schedule state')
    .addHelpText('after', '\nExit status: 0 when created, 1 when Temporal refused, 2 when the pipeline or the timing is invalid.')
    .action(createSchedule);

  schedule.command('list').description('list schedules').option('--json', 'machine-readable output').action(listSchedules);

  schedule
    .command('describe')
    .description('show timing, policies, state, next runs and recent runs with their status')
    .argument('<id>', 'schedule id')
    .option('--json', 'machine-readable output')
    .action(describeSchedule);

  schedule
    .command('pause')
    .description('stop starting runs (running ones continue)')
    .argument('<id>', 'schedule id')
    .option('--note <text>', 'why, shown by describe')
    .action(pauseSchedule);

  schedule
    .command('unpause')
    .description('start runs again at the next scheduled time')
    .argument('<id>', 'schedule id')
    .option('--note <text>', 'shown by describe')
    .action(unpauseSchedule);

  schedule
    .command('trigger')
    .description('start a run now (also while paused)')
    .argument('<id>', 'schedule id')
    .option('--overlap <policy>', `${OVERLAP_HELP} (default: the schedule's)`)
    .action(triggerSchedule);

  schedule
    .command('backfill')
    .description('start the runs the schedule would have started between two times')
    .argument('<id>', 'schedule id')
    .requiredOption('--from <time>', 'start: ISO 8601 (2025-01-31T03:00:00Z), now, or now-DURATION (now-2h)')
    .requiredOption('--to <time>', 'end, same forms')
    .option('--overlap <policy>', `${OVERLAP_HELP} (default: the schedule's)`)
    .action(backfillSchedule);

  schedule
    .command('delete')
    .description('delete a schedule (the runs it started are kept)')
    .argument('<id>', 'schedule id')
    .action(deleteSchedule);
}
