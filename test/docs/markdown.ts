import { readFileSync } from "node:fs";

/** A fenced code block of a Markdown file: its language, the line it starts on, its text. */
export interface CodeBlock {
  readonly lang: string;
  readonly line: number;
  readonly text: string;
}

/** The fenced code blocks of a Markdown file. */
export function codeBlocks(path: string): CodeBlock[] {
  const lines = readFileSync(path, "utf8").split("\n");
  const blocks: CodeBlock[] = [];
  let open: { lang: string; line: number; body: string[] } | undefined;
  lines.forEach((line, i) => {
    const fence = /^```(\S*)/.exec(line);
    if (!fence) {
      open?.body.push(line);
      return;
    }
    if (open) {
      blocks.push({ lang: open.lang, line: open.line, text: open.body.join("\n") });
      open = undefined;
    } else open = { lang: fence[1] ?? "", line: i + 1, body: [] };
  });
  return blocks;
}

/** The commands of a shell block: one a line, a trailing `  # comment` dropped. */
export function commandsOf(block: CodeBlock): string[] {
  return block.text
    .split("\n")
    .map((l) => l.replace(/\s{2,}#.*$/, "").trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** The link targets of a Markdown file (`[text](target)`), with their line numbers. */
export function linksOf(path: string): Array<{ target: string; line: number }> {
  const out: Array<{ target: string; line: number }> = [];
  let inCode = false;
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (line.startsWith("```")) inCode = !inCode;
      if (inCode) return;
      for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) out.push({ target: m[1] ?? "", line: i + 1 });
    });
  return out;
}
