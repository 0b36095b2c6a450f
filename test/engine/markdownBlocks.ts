/**
 * The fenced code blocks of a Markdown file, each with the headings it sits under, so tests can run the shell
 * lines a README shows exactly as written.
 */
import fs from "node:fs";

export interface CodeBlock {
  file: string;
  /** The `## ` heading the block sits under ("" before the first one). */
  section: string;
  /** The `### ` heading inside that section, or "". */
  subsection: string;
  /** The fence's language tag ("sh", "ts", ...), or "". */
  lang: string;
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** Languages whose blocks are shell lines for a user to paste. */
export const SHELL_LANGS = new Set(["sh", "bash", "shell", "console", "zsh"]);

export function readCodeBlocks(file: string): CodeBlock[] {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const blocks: CodeBlock[] = [];
  let section = "";
  let subsection = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = /^(\s*)(```+|~~~+)\s*([\w-]*)/.exec(line);
    if (fence) {
      const body: string[] = [];
      let j = i + 1;
      while (j < lines.length && !lines[j].trimStart().startsWith(fence[2])) body.push(lines[j++]);
      if (j === lines.length) throw new Error(`${file}:${i + 1}: unclosed code fence`);
      blocks.push({ file, section, subsection, lang: fence[3], text: body.join("\n"), line: i + 1 });
      i = j;
      continue;
    }
    const heading = /^(#{2,3})\s+(.*\S)\s*$/.exec(line);
    if (heading?.[1] === "##") [section, subsection] = [heading[2], ""];
    else if (heading?.[1] === "###") subsection = heading[2];
  }
  return blocks;
}

/** The shell blocks of a file. */
export function shellBlocks(file: string): CodeBlock[] {
  return readCodeBlocks(file).filter((b) => SHELL_LANGS.has(b.lang));
}

/** The one block of `lang` under the heading `title` (a section or subsection); throws unless exactly one. */
export function blockUnder(file: string, title: string, lang: string | Set<string>): CodeBlock {
  const langs = typeof lang === "string" ? new Set([lang]) : lang;
  const found = readCodeBlocks(file).filter((b) => langs.has(b.lang) && (b.subsection === title || (b.section === title && !b.subsection)));
  if (found.length !== 1) throw new Error(`${file}: expected one ${[...langs].join("/")} block under "${title}", found ${found.length}`);
  return found[0];
}
