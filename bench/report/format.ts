/** Number and unit formatting shared by the terminal table and the HTML report. */

/** A value size as the suites name them (decimal units: 1 KB = 1,000 B). */
export function formatSize(bytes: number): string {
  for (const [unit, scale] of [['GB', 1e9], ['MB', 1e6], ['KB', 1e3]] as const) {
    if (bytes >= scale) return `${trim(bytes / scale)} ${unit}`;
  }
  return `${bytes} B`;
}

/** Three significant digits, with thousands separators above 1,000. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return Number(n.toPrecision(3)).toString();
}

/** Large counts (instructions, cycles) as 1.23K, 4.5M, 6.7B, 8.9T. */
export function formatCount(n: number): string {
  for (const [unit, scale] of [['T', 1e12], ['B', 1e9], ['M', 1e6], ['K', 1e3]] as const) {
    if (Math.abs(n) >= scale) return `${trim(n / scale)}${unit}`;
  }
  return formatNumber(n);
}

export function formatRatio(ratio: number | undefined): string {
  return ratio === undefined || !Number.isFinite(ratio) ? '' : `×${formatNumber(ratio)}`;
}

export function formatMs(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : formatNumber(ms);
}

function trim(n: number): string {
  return Number(n.toPrecision(3)).toString();
}
