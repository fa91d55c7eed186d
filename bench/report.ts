// The benchmark's output: one row per measurement, written as a Markdown table and as JSON (bench/results/), with
// the machine, Node version, date and command. BENCHMARKS.md keeps its prose and gets the table between markers.
import { cpus, platform, arch, totalmem } from "node:os";
import { existsSync, readFileSync, renameSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Figure } from "./stats.js";

export interface Row {
  /** Stable id, e.g. "unseal-x25519-vs-rsa". */
  id: string;
  measurement: string;
  result?: Figure;
  reference?: { what: string; figure: Figure };
  /** A ratio taken run by run, e.g. "ours ÷ RSA-4096". */
  ratio?: { what: string; figure: Figure };
  target: string;
  /** undefined: not measured (then `note` says why), unless `informational`. */
  met?: boolean;
  /** A figure reported alongside a target row (e.g. p50 next to p99): no target of its own. */
  informational?: boolean;
  note?: string;
}

export interface Report {
  date: string;
  command: string;
  node: string;
  cpu: { model: string; cores: number; mhz: number };
  platform: string;
  memoryGB: number;
  options: Record<string, unknown>;
  rows: Row[];
}

export function newReport(command: string, options: Record<string, unknown>): Report {
  const list = cpus();
  return {
    date: new Date().toISOString(),
    command,
    node: process.version,
    cpu: { model: list[0]?.model.trim() ?? "unknown", cores: list.length, mhz: list[0]?.speed ?? 0 },
    platform: `${platform()} ${arch()}`,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    options,
    rows: [],
  };
}

/** A row for a measurement that could not be taken; the table says why instead of leaving a gap. */
export function notMeasured(id: string, measurement: string, target: string, why: string): Row {
  return { id, measurement, target, note: `not measured: ${why}` };
}

function number(value: number, unit: string): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit === "×" ? `${text}×` : `${text} ${unit}`;
}

export function formatFigure(f: Figure | undefined): string {
  if (f === undefined) return "–";
  if (f.samples.length === 1) return `${number(f.median, f.unit)} (1 run)`;
  return `${number(f.median, f.unit)} (${number(f.min, f.unit)} – ${number(f.max, f.unit)})`;
}

function status(row: Row): string {
  if (row.informational === true) return "(reported)";
  if (row.met === true) return "met";
  if (row.met === false) return "**MISSED**";
  return row.note ?? "not measured";
}

export function markdownTable(report: Report): string {
  const lines = [
    `Machine: ${report.cpu.cores} × ${report.cpu.model}${report.cpu.mhz > 0 ? ` (${report.cpu.mhz} MHz)` : ""}, ${report.memoryGB} GB, ${report.platform}; ` +
      `Node ${report.node}; ${report.date}.`,
    "",
    `Command: \`${report.command}\``,
    "",
    "Each figure: median over runs (min – max). Ratios are taken run by run, reference and subject measured side by side.",
    "",
    "| Measurement | Result | Reference | Ratio | Target | Status |",
    "|---|---|---|---|---|---|",
  ];
  for (const row of report.rows) {
    const reference = row.reference ? `${row.reference.what}: ${formatFigure(row.reference.figure)}` : "–";
    const ratio = row.ratio ? `${row.ratio.what}: ${formatFigure(row.ratio.figure)}` : "–";
    lines.push(`| ${row.measurement} | ${formatFigure(row.result)} | ${reference} | ${ratio} | ${row.target} | ${status(row)} |`);
  }
  const notes = report.rows.filter((r) => r.note !== undefined && r.met !== undefined);
  if (notes.length > 0) {
    lines.push("", ...notes.map((r) => `- ${r.measurement}: ${r.note}`));
  }
  return lines.join("\n") + "\n";
}

/** Writes `name` in `dir` through a temporary file in the same folder, so no half-written file is ever left. */
function writeAtomic(dir: string, name: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
  return path;
}

export function writeResults(report: Report, dir: string): { markdown: string; json: string } {
  const table = markdownTable(report);
  return {
    markdown: writeAtomic(dir, "latest.md", `# kubectl-seal benchmark results\n\n${table}`),
    json: writeAtomic(dir, "latest.json", JSON.stringify(report, null, 2) + "\n"),
  };
}

const BEGIN = "<!-- bench:begin (written by npm run bench) -->";
const END = "<!-- bench:end -->";

/** Replaces the generated part of BENCHMARKS.md (between the markers), keeping the prose around it. */
export function updateBenchmarksMd(path: string, report: Report): void {
  const generated = `${BEGIN}\n${markdownTable(report)}${END}`;
  const current = existsSync(path) ? readFileSync(path, "utf8") : `# Benchmarks\n\n${BEGIN}\n${END}\n`;
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const next = start >= 0 && end > start ? current.slice(0, start) + generated + current.slice(end + END.length) : `${current}\n${generated}\n`;
  const dir = join(path, "..");
  writeAtomic(dir, path.slice(dir.length + 1), next);
}
