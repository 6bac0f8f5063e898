/**
 * The HTML report: one self-contained page (tables, charts, the JSON of the run) that
 * opens from disk with no server, because Chart.js's UMD build is inlined into it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BenchReport } from '../run.ts';
import { reportCharts } from './charts.ts';
import { reportTables, type ReportTable } from './tables.ts';

export function renderHtml(report: BenchReport): string {
  const env = report.environment;
  const charts = reportCharts(report);
  const title = `BigMap benchmarks, ${env.date.slice(0, 10)} (${report.options.preset})`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(title)}</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #222; }
  table { border-collapse: collapse; margin: 0.5rem 0; font-variant-numeric: tabular-nums; }
  th, td { border: 1px solid #ddd; padding: 0.2rem 0.5rem; text-align: right; }
  th { background: #f4f4f4; }
  td:first-child, th:first-child { text-align: left; }
  .note { color: #555; margin: 0.1rem 0; font-size: 13px; }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 1.5rem; }
  figure { margin: 0; }
  figcaption { color: #555; font-size: 13px; }
  details pre { max-height: 30rem; overflow: auto; background: #f8f8f8; padding: 0.5rem; }
</style>
</head>
<body>
<h1>${escape(title)}</h1>
<p>${escape(`${env.cpu}, ${env.cores} cores, ${env.memoryGiB} GiB; Node ${env.node}; commit ${env.commit}; seed ${report.seed}; ${env.date}; ran ${Math.round(report.durationSeconds)} s.`)}</p>
<p>${escape(`Preset ${report.options.preset}; suites ${report.options.suites.join(', ')}; every option is in the JSON at the end.`)}</p>
<h2>Charts</h2>
<div class="charts">
${charts.map((c) => `<figure><h3>${escape(c.title)}</h3><canvas id="${c.id}"></canvas><figcaption>${escape(c.caption)}</figcaption></figure>`).join('\n')}
</div>
${reportTables(report, { all: true }).map(tableHtml).join('\n')}
<details><summary>The run as JSON</summary><pre>${escape(JSON.stringify(report, null, 2))}</pre></details>
<script>${inlineScript(chartJsUmd())}</script>
<script>
const charts = ${inlineScript(JSON.stringify(Object.fromEntries(charts.map((c) => [c.id, c.config]))))};
for (const [id, config] of Object.entries(charts)) new Chart(document.getElementById(id), config);
</script>
</body>
</html>
`;
}

function tableHtml(table: ReportTable): string {
  const cells = (tag: 'th' | 'td', row: string[]) => row.map((c) => `<${tag}>${escape(c)}</${tag}>`).join('');
  return `<h2>${escape(table.title)}</h2>
<table><thead><tr>${cells('th', table.head)}</tr></thead><tbody>
${table.rows.map((r) => `<tr>${cells('td', r)}</tr>`).join('\n')}
</tbody></table>
${table.notes.map((n) => `<p class="note">${escape(n)}</p>`).join('\n')}`;
}

/** Chart.js's UMD build; its path is not in the package's exports, so it is found next to the main file. */
function chartJsUmd(): string {
  const main = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(join(dirname(main), 'chart.umd.js'), 'utf8');
}

/** Text that is safe inside a <script> element: no `</script` can end it early. */
function inlineScript(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
