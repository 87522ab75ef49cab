/*
 * README checks shared by the services' docs tests: the configuration table and the error-code table in a
 * README are compared with what the code renders, cell by cell.
 */

/** Markdown tables compared cell by cell: the formatter pads cells and separator rows. */
export function normalizeTables(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      line.startsWith('|') ? line.replace(/\s*\|\s*/g, '|').replace(/\|:?-+:?(?=\|)/g, '|-') : line,
    )
    .join('\n')
}

/**
 * The section between `<!-- config:start -->` and `<!-- config:end -->` (empty when missing), tables
 * normalized: compare it with `normalizeTables(renderConfigTable(schema))`.
 */
export function configSection(readme: string): string {
  return normalizeTables(/<!-- config:start -->\n([\s\S]*?)\n<!-- config:end -->/.exec(readme)?.[1] ?? '')
}
