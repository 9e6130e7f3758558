// The report's stylesheet, inlined into the page: system fonts only, so the file needs nothing from the network.
export const REPORT_CSS = `
:root { --ink: #212529; --muted: #6c757d; --line: #dee2e6; --soft: #f8f9fa; --accent: #1c7ed6; }
* { box-sizing: border-box; }
body { margin: 0; background: #f1f3f5; color: var(--ink); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 24px 48px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
h1 { font-size: 26px; margin: 2px 0 4px; display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
h2 { font-size: 18px; margin: 0 0 14px; }
h3 { font-size: 15px; margin: 18px 0 10px; }
h3 .mono { color: var(--muted); font-weight: 400; margin-left: 6px; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 11px; color: var(--muted); font-weight: 600; }
.desc { color: #495057; margin: 0 0 14px; }
section, header { background: white; border: 1px solid var(--line); border-radius: 10px; padding: 20px 22px; margin-bottom: 18px; }
.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 10px 24px; margin: 0; }
.meta div { min-width: 0; }
.meta dt { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.pill { display: inline-block; padding: 1px 10px; border-radius: 999px; font-size: 12px; font-weight: 600; border: 1px solid transparent; white-space: nowrap; }
h1 .pill { font-size: 13px; }
.st-succeeded, .st-completed, .st-passed { background: #ebfbee; color: #2b8a3e; border-color: #b2f2bb; }
.st-failed, .st-terminated { background: #fff5f5; color: #c92a2a; border-color: #ffc9c9; }
.st-running { background: #e7f5ff; color: #1864ab; border-color: #a5d8ff; }
.st-retrying, .st-continued_as_new { background: #fff9db; color: #e67700; border-color: #ffec99; }
.st-timed-out, .st-timed_out { background: #fff4e6; color: #d9480f; border-color: #ffd8a8; }
.st-cancelled, .st-canceled, .st-scheduled, .st-pending, .st-unknown { background: #f1f3f5; color: #495057; border-color: #dee2e6; }
.pill.cached { background: #e3fafc; color: #0b7285; border-color: #99e9f2; }
.pipeline { display: grid; grid-template-columns: auto 1fr; gap: 24px; align-items: start; }
.pipeline.wide { grid-template-columns: 1fr; }
.dag-wrap { overflow-x: auto; }
svg.dag { display: block; max-width: 100%; height: auto; }
.dag-edge { fill: none; stroke: #adb5bd; stroke-width: 1.6; }
.dag-id { font-size: 14px; font-weight: 650; fill: #212529; }
.dag-type { font-size: 11.5px; fill: #6c757d; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
.dag-facts { font-size: 12px; font-weight: 500; }
.dag-badge { font-size: 10.5px; font-weight: 600; fill: white; }
.legend { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 10px; }
.summary { display: grid; grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); gap: 10px; align-content: start; }
.card { background: var(--soft); border: 1px solid #e9ecef; border-radius: 8px; padding: 10px 12px; }
.card .k { font-size: 11px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(125px, 1fr)); gap: 10px; margin-bottom: 14px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th { text-align: left; font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; border-bottom: 1px solid var(--line); padding: 6px 8px; }
td { border-bottom: 1px solid #f1f3f5; padding: 7px 8px; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.current td { background: #f4fce3; }
.table-wrap { overflow-x: auto; }
.sub { color: var(--muted); font-size: 12px; }
.outputs { list-style: none; margin: 0; padding: 0; }
.outputs li { margin-bottom: 2px; }
.outputs code { white-space: nowrap; }
td.cache { min-width: 150px; }
.swatch { display: inline-flex; align-items: center; gap: 6px; font-size: 12px; color: #495057; margin-right: 12px; }
.swatch i { width: 14px; height: 14px; border-radius: 4px; border: 2px solid; display: inline-block; }
.outputs .name { font-weight: 600; margin-right: 6px; }
.error { color: #c92a2a; white-space: pre-wrap; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 14px; }
figure.chart { margin: 0; border: 1px solid #e9ecef; border-radius: 8px; padding: 6px; background: white; overflow-x: auto; }
figure.chart svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
.params { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 14px; }
.params code { background: var(--soft); border: 1px solid #e9ecef; border-radius: 6px; padding: 2px 8px; }
.notes li { color: #e67700; }
details summary { cursor: pointer; font-weight: 600; }
footer { color: var(--muted); font-size: 12px; text-align: center; }
@media (max-width: 900px) { .pipeline { grid-template-columns: 1fr; } .charts { grid-template-columns: 1fr; } }
@media print { body { background: white; } section, header { break-inside: avoid; border: none; } }
`;
