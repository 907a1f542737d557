#!/usr/bin/env node
/**
 * Writes BENCHMARKS.md and benchmarks.svg from the merged JSON that bench/run-all.mjs saves
 * (`{ run, e2e, baselines }`), without measuring anything again:
 *
 *   node bench/report/render.mjs <merged.json> [--out DIR=docs]
 *
 * Also the library entry point of bench/run-all.mjs: writeReport(merged, outDir) → { report, mdPath, svgPath }.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildReport } from './model.mjs';
import { renderMarkdown } from './markdown.mjs';
import { renderSvg } from './svg.mjs';

export const MD_FILE = 'BENCHMARKS.md';
export const SVG_FILE = 'benchmarks.svg';

export function writeReport(merged, outDir) {
  const report = buildReport(merged);
  mkdirSync(outDir, { recursive: true });
  const mdPath = path.join(outDir, MD_FILE);
  const svgPath = path.join(outDir, SVG_FILE);
  writeFileSync(svgPath, renderSvg(report));
  writeFileSync(mdPath, renderMarkdown(report, { svgFile: SVG_FILE }));
  return { report, mdPath, svgPath };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' } } });
  if (positionals.length !== 1) {
    console.error('usage: node bench/report/render.mjs <merged.json> [--out DIR=docs]');
    process.exit(64);
  }
  const out = values.out ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs');
  const { mdPath, svgPath } = writeReport(JSON.parse(readFileSync(positionals[0], 'utf8')), out);
  console.log(`wrote ${mdPath} and ${svgPath}`);
}
