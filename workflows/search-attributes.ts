import { defineSearchAttributeKey } from '@temporalio/common';

// Registered as Keyword by the embedded dev server and by `kiln setup`; `kiln list` queries them.
export const KilnPipeline = defineSearchAttributeKey('KilnPipeline', 'KEYWORD');
export const KilnPlanHash = defineSearchAttributeKey('KilnPlanHash', 'KEYWORD');
export const KilnStatus = defineSearchAttributeKey('KilnStatus', 'KEYWORD');
/** The steps running now, comma-separated; the failed step once the run has failed. */
export const KilnStep = defineSearchAttributeKey('KilnStep', 'KEYWORD');
export const KilnResumedFrom = defineSearchAttributeKey('KilnResumedFrom', 'KEYWORD');
export const KilnModel = defineSearchAttributeKey('KilnModel', 'KEYWORD');
/** A sweep's id, on the sweep and on each of its runs (`kiln list --sweep`, `kiln compare SWEEP`). */
export const KilnSweep = defineSearchAttributeKey('KilnSweep', 'KEYWORD');
/** A sweep run's swept params, `name=value` separated by spaces. */
export const KilnParams = defineSearchAttributeKey('KilnParams', 'KEYWORD');

/** Every attribute kiln sets: registered by the embedded server and `registerSearchAttributes`. */
export const KILN_SEARCH_ATTRIBUTE_KEYS = [KilnPipeline, KilnPlanHash, KilnStatus, KilnStep, KilnResumedFrom, KilnModel, KilnSweep, KilnParams] as const;
