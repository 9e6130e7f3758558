// Entry of the training worker thread. Threads do not inherit the parent's tsx loader (neither under
// `node --import tsx` nor under vitest), so register it here, then load the TypeScript entry named in workerData.
import { workerData } from 'node:worker_threads';

import { register as registerCjs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

register();
registerCjs();
await import(workerData.entry);
