import { execa } from 'execa';

export type Table = 'filter' | 'nat';

/**
 * Splits one line of `iptables -S` into the words iptables was given: a double-quoted word keeps its
 * spaces, and `\"` inside it is a quote (portmap's and bridge's comments hold quoted names).
 */
export function ruleWords(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === ' ') {
      i++;
      continue;
    }
    let word = '';
    if (line[i] === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length) i++;
        word += line[i];
        i++;
      }
      i++; // closing quote
    } else {
      while (i < line.length && line[i] !== ' ') word += line[i++];
    }
    words.push(word);
  }
  return words;
}

/** Runs iptables (waiting for the xtables lock); true when it succeeded. */
export async function iptables(table: Table, args: string[]): Promise<boolean> {
  const res = await execa('iptables', ['-w', '-t', table, ...args], { reject: false });
  return res.exitCode === 0;
}

/** The rules of a chain as argv words (`-A CHAIN ...`); empty when the chain does not exist. */
export async function chainRules(table: Table, chain: string): Promise<string[][]> {
  const res = await execa('iptables', ['-w', '-t', table, '-S', chain], { reject: false });
  if (res.exitCode !== 0) return [];
  return res.stdout
    .split('\n')
    .filter((l) => l.startsWith('-A '))
    .map(ruleWords);
}

/** Deletes a rule as `chainRules` gave it. */
export function deleteRule(table: Table, words: string[]): Promise<boolean> {
  return iptables(table, ['-D', ...words.slice(1)]);
}

/** Flushes and deletes a chain of our own or a plugin's per-container chain; gone already is fine. */
export async function dropChain(table: Table, chain: string): Promise<void> {
  await iptables(table, ['-F', chain]);
  await iptables(table, ['-X', chain]);
}

/** The value after `--comment` in a rule, if any. */
export function commentOf(words: string[]): string | undefined {
  const at = words.indexOf('--comment');
  return at >= 0 ? words[at + 1] : undefined;
}

/** The chain or target a rule jumps to. */
export function targetOf(words: string[]): string | undefined {
  const at = words.lastIndexOf('-j');
  return at >= 0 ? words[at + 1] : undefined;
}
