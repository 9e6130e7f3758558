// The run report's page (cli/report/page.ts frames it).
import { reportPage } from './page';
import { deploymentsHtml, evaluationHtml, notesHtml, trainingHtml } from './result-sections';
import { artifactsHtml, headerHtml, pipelineHtml } from './run-sections';
import { REPORT_CSS } from './style';
import type { ReportData } from './types';

export async function renderReport(data: ReportData): Promise<string> {
  const title = `${data.run.pipeline ?? data.run.runId} · ${data.run.runId} · kiln report`;
  const sections = [
    headerHtml(data),
    pipelineHtml(data),
    await trainingHtml(data),
    await evaluationHtml(data),
    deploymentsHtml(data),
    notesHtml(data),
    artifactsHtml(data),
  ];
  return reportPage(title, REPORT_CSS, sections, data.generatedAt, 'kiln report');
}
