// A JSON value: what plans, step inputs and outputs, cache entries and run state are made of. Shared by the
// compiler, the workflow (which may import only types and data-free modules) and the activities.
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
