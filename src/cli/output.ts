// Terminal output shared by the commands: error lines, aligned tables for people (scripts use -o json), progress.

/** An error as one line: its message with any line breaks folded, never a stack. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, " ").trim();
}

/** Columns separated by two spaces, every column padded to its widest cell; empty cells shown as "-". */
export function renderTable(headers: string[], rows: string[][]): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => (cell === "" ? "-" : cell)))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? "").length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** A one-line progress counter on stderr, redrawn in place; a no-op when stderr is not a terminal. */
export function progressLine(label: string): { update(done: number, total?: number): void; done(): void } {
  if (!process.stderr.isTTY) return { update: () => {}, done: () => {} };
  // Quick runs draw nothing: the line appears only once the work has taken a noticeable time.
  const start = Date.now();
  let last = 0;
  let drawn = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - start < 300 || (done !== total && now - last < 100)) return;
      last = now;
      drawn = true;
      process.stderr.write(`\r${label}: ${done}${total === undefined ? "" : `/${total}`}`);
    },
    done() {
      if (drawn) process.stderr.write("\r\x1b[K");
    },
  };
}

/** Exit status of a command that failed on bad input or an error (0 is success; 1 is left for "found something"). */
export const EXIT_FAILURE = 2;

/** The one stderr line every command prints for a failure: `kubectl-seal: error: <what>: <what to do>`. */
export function errorMessage(error: unknown): string {
  return `kubectl-seal: error: ${errorLine(error)}`;
}
