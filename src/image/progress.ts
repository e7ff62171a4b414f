/** Pull and pack progress; the terminal one redraws a line, the others say nothing. */
export interface Progress {
  layer(digest: string, done: number, total: number): void;
  note(message: string): void;
  done(): void;
}

export const silentProgress: Progress = { layer() {}, note() {}, done() {} };

function mb(n: number): string {
  return `${(n / 1048576).toFixed(1)} MB`;
}

export class TerminalProgress implements Progress {
  private readonly layers = new Map<string, { done: number; total: number }>();
  private lastDraw = 0;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  layer(digest: string, done: number, total: number): void {
    this.layers.set(digest, { done, total });
    const now = Date.now();
    if (now - this.lastDraw < 100 && done < total) return;
    this.lastDraw = now;
    let sum = 0;
    let all = 0;
    let complete = 0;
    for (const l of this.layers.values()) {
      sum += l.done;
      all += l.total;
      if (l.done >= l.total) complete++;
    }
    this.out.write(`\r\x1b[Kblobs ${complete}/${this.layers.size}  ${mb(sum)} / ${mb(all)}`);
  }

  note(message: string): void {
    this.out.write(`\r\x1b[K${message}\n`);
  }

  done(): void {
    if (this.layers.size > 0) this.out.write('\n');
  }
}

export function progressFor(stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY ? new TerminalProgress(stream) : silentProgress;
}
