/**
 * A plain-text table as the CLI prints lists (`faasd image ls`, `faasd net ls`): columns padded to their
 * widest cell, two spaces apart, no trailing blanks, one line per row, ending in a newline.
 */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
