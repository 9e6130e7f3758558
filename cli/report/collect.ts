// Gathers everything a run report shows: the run's steps from Temporal, its plan, and the artifacts its steps
// wrote (metrics logs, evaluation reports, deployed versions). A missing artifact becomes a note on the page.
import fs from 'node:fs/promises';
import path from 'node:path';

import type { Client } from '@temporalio/client';

import type { Json } from '../../contract/json';
import { readMetrics } from '../../nlp/bert/metrics-log';
import type { ArtifactStore } from '../../store/artifacts';
import { homeStores } from '../../store/home-stores';
import { kilnHome } from '../../store/paths';
import type { ModelRegistry } from '../../store/registry';
import { isArtifactRef, type ArtifactRef } from '../../store/types';
import { readRunInput, readRunState, type StepState } from '../run-state';
import { evaluationView } from './evaluation';
import type { DeploymentView, EvaluationView, MetricsRow, ReportData, TrainingLog } from './types';

export interface CollectOptions {
  store?: ArtifactStore;
  registry?: ModelRegistry;
  uiUrl?: string;
  now?: Date;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Outputs of `step` that are artifacts of `kind` or are named `name`. */
function artifacts(step: StepState, kind: string, name: string): ArtifactRef[] {
  return Object.entries(step.outputs ?? {}).flatMap(([key, value]) =>
    isArtifactRef(value) && (value.kind === kind || key === name) ? [value] : [],
  );
}

/** A metrics artifact is a JSONL file, or a directory holding metrics.jsonl. */
async function metricsFile(store: ArtifactStore, ref: ArtifactRef): Promise<string> {
  await store.assertIntact(ref); // with a shared store, fetched to this machine first
  const target = store.pathOf(ref);
  const stat = await fs.stat(target);
  return stat.isDirectory() ? path.join(target, 'metrics.jsonl') : target;
}

async function trainingLogs(store: ArtifactStore, steps: StepState[], notes: string[]): Promise<TrainingLog[]> {
  const logs: TrainingLog[] = [];
  for (const step of steps) {
    for (const ref of artifacts(step, 'metrics', 'metrics')) {
      try {
        const rows = readMetrics<MetricsRow>(await metricsFile(store, ref));
        const backend = artifacts(step, 'model', 'model')[0]?.meta?.backend;
        if (rows.length > 0) logs.push({ step: step.id, type: step.type, digest: ref.digest, rows, ...(typeof backend === 'string' ? { backend } : {}) });
        else notes.push(`step ${step.id}: its metrics ${ref.digest} have no lines`);
      } catch (error) {
        notes.push(`step ${step.id}: cannot read metrics ${ref.digest} (${message(error)})`);
      }
    }
  }
  return logs;
}

async function evaluations(store: ArtifactStore, steps: StepState[], notes: string[]): Promise<EvaluationView[]> {
  const views: EvaluationView[] = [];
  for (const step of steps) {
    for (const ref of artifacts(step, 'report', 'report')) {
      try {
        await store.assertIntact(ref);
        const target = store.pathOf(ref);
        const file = (await fs.stat(target)).isDirectory() ? path.join(target, 'report.json') : target;
        const view = evaluationView(step.id, JSON.parse(await fs.readFile(file, 'utf8')), ref.digest);
        if (view) views.push(view);
        else notes.push(`step ${step.id}: report ${ref.digest} is not a JSON object`);
      } catch (error) {
        notes.push(`step ${step.id}: cannot read report ${ref.digest} (${message(error)})`);
      }
    }
  }
  return views;
}

interface VersionOutput {
  name: string;
  version: number;
  alias?: string;
  digest?: string;
}

/** model/deploy's `version` output: inline JSON, or an artifact holding it. */
async function versionOutput(store: ArtifactStore, value: Json | undefined): Promise<VersionOutput | undefined> {
  const json: unknown = isArtifactRef(value) ? await store.readJson(value) : value;
  if (typeof json !== 'object' || json === null) return undefined;
  const v = json as Partial<VersionOutput>;
  if (typeof v.name !== 'string' || typeof v.version !== 'number') return undefined;
  return { name: v.name, version: v.version, alias: typeof v.alias === 'string' ? v.alias : undefined, digest: typeof v.digest === 'string' ? v.digest : undefined };
}

async function deployments(store: ArtifactStore, registry: ModelRegistry, steps: StepState[], notes: string[]): Promise<DeploymentView[]> {
  const views: DeploymentView[] = [];
  for (const step of steps) {
    if (!step.outputs || !('version' in step.outputs)) continue;
    const deployed = await versionOutput(store, step.outputs.version).catch(() => undefined);
    if (!deployed) {
      notes.push(`step ${step.id}: its version output is not {name, version}`);
      continue;
    }
    try {
      const [versions, aliases] = await Promise.all([registry.versions(deployed.name), registry.aliases(deployed.name)]);
      views.push({ step: step.id, ...deployed, versions, aliases });
    } catch (error) {
      views.push({ step: step.id, ...deployed, versions: [], aliases: {}, problem: message(error) });
    }
  }
  return views;
}

/** Each artifact output's object in the shared store, by its kiln uri (null when the store lacks it). */
async function locations(store: ArtifactStore, steps: StepState[]): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const step of steps) {
    for (const value of Object.values(step.outputs ?? {})) if (isArtifactRef(value)) out[value.uri] = (await store.locate(value)) ?? null;
  }
  return out;
}

/** Reads the run and its artifacts; throws only when the run itself cannot be read. */
export async function collectReport(client: Client, runId: string, options: CollectOptions = {}): Promise<ReportData> {
  const stores = homeStores(kilnHome());
  const store = options.store ?? stores.store;
  const registry = options.registry ?? homeStores(kilnHome()).registry;
  const run = await readRunState(client, runId);
  const notes: string[] = [];
  const plan = await readRunInput(client, runId).then(
    (input) => input.plan,
    (error: unknown) => {
      notes.push(`no plan in the run's history (${message(error)}): the DAG shows no edges`);
      return undefined;
    },
  );
  return {
    generatedAt: (options.now ?? new Date()).toISOString(),
    run,
    ...(plan ? { plan } : {}),
    ...(options.uiUrl ? { uiUrl: options.uiUrl } : {}),
    training: await trainingLogs(store, run.steps, notes),
    evaluations: await evaluations(store, run.steps, notes),
    deployments: await deployments(store, registry, run.steps, notes),
    notes,
    ...(stores.objects && !options.store ? { store: { uri: stores.objects.uri, locations: await locations(store, run.steps) } } : {}),
  };
}
