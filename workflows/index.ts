// The workflow bundle's entry: every workflow type the worker registers.
export { pipelineWorkflow } from './pipeline';
export { sweepWorkflow } from './sweep';
