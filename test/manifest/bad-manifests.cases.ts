import { execFileSync } from "node:child_process";
import { copyFile, truncate, writeFile } from "node:fs/promises";
import { writePng } from "../helpers/images.js";

/** A file of a case: text, or a function that writes it. */
export type CaseFile = string | ((path: string) => Promise<void>);

export interface BadCase {
  readonly name: string;
  /** Files to write; the first is the manifest. */
  readonly files: Record<string, CaseFile>;
  /** Every line the reader prints, `<dir>` standing for the case's folder. */
  readonly expected: readonly string[];
  readonly model?: string;
}

const png =
  (w = 64, h = 48) =>
  (path: string) =>
    writePng(path, w, h);
/** A FIFO: opening it for reading waits for a writer unless told not to. */
const fifo = async (path: string) => {
  execFileSync("mkfifo", [path]);
};
/** A file of `size` bytes that takes no room (a hole). */
const sparse = (size: number) => async (path: string) => {
  await writeFile(path, "");
  await truncate(path, size);
};
const head = "name: bad\nmodel: seedream-v4.5\n";
const ok = "images:\n  a: ./a.png\nprompts:\n  p: hello\n";
const url = (i: number) => `https://img.example/${i}.png`;

export const BAD_CASES: readonly BadCase[] = [
  {
    name: "broken YAML: an unclosed flow sequence",
    files: { "m.yaml": "name: [bad\nmodel: seedream-v4.5\n" },
    expected: ["<dir>/m.yaml:2:1: YAML: a list opened with `[` is not closed with `]`"],
  },
  {
    name: "broken YAML: a quoted value never closed, reported where its quote opens",
    files: {
      "m.yaml": `${head}images:\n  a: "./a.png\nprompts:\n  p: hello\nsizes: { s: square_hd }\n`,
    },
    expected: ["<dir>/m.yaml:4:6: YAML: a quoted value opens here and is never closed"],
  },
  {
    name: "broken YAML: a single-quoted value never closed, with quotes doubled before it",
    files: { "m.yaml": `${head}prompts:\n  p: 'it''s fine'\n  q: 'not closed\n` },
    expected: ["<dir>/m.yaml:5:6: YAML: a quoted value opens here and is never closed"],
  },
  {
    name: "broken YAML: a tab in the indentation",
    files: { "m.yaml": `${head}prompts:\n\tp: hi\n` },
    expected: ["<dir>/m.yaml:4:1: YAML: a tab in the indentation: indent with spaces"],
  },
  {
    name: "broken YAML: a duplicate key",
    files: { "m.yaml": `${head}name: again\n${ok}`, "a.png": png() },
    expected: ["<dir>/m.yaml:3:1: YAML: `name` is set twice: each key may appear once in a mapping"],
  },
  { name: "an empty file", files: { "m.yaml": "" }, expected: ["<dir>/m.yaml:1:1: the manifest is empty"] },
  {
    name: "a list, not a mapping",
    files: { "m.yaml": "- name: bad\n" },
    expected: ["<dir>/m.yaml:1:1: a manifest is a mapping of keys (name, model, prompts, \u2026)"],
  },
  {
    name: "a BOM and CRLF line ends still locate the error",
    files: {
      "m.yaml": `\ufeffname: bad\r\nmodel: seedream-v4.5\r\nimages:\r\n  a: ./a.png\r\nprompts:\r\n  p: hello\r\nsizes:\r\n  big: auto_3K\r\n`,
      "a.png": png(),
    },
    expected: [
      "<dir>/m.yaml:8:8: sizes.big: `auto_3K` is a seedream-v5-lite size; seedream-v4.5 has no `auto_3K`: use one of square_hd, square, portrait_4_3, portrait_16_9, landscape_4_3, landscape_16_9, auto_2K, auto_4K, or WIDTHxHEIGHT",
    ],
  },
  {
    name: "an unknown key, with a hint",
    files: { "m.yaml": `${head}imgaes: {}\n${ok}`, "a.png": png() },
    expected: ["<dir>/m.yaml:3:1: imgaes: unknown key `imgaes`, did you mean `images`?"],
  },
  {
    name: "an unknown key in a job, with a hint",
    files: { "m.yaml": `${head}${ok}jobs:\n  - prompt: p\n    sizez: [square]\n`, "a.png": png() },
    expected: ["<dir>/m.yaml:9:5: jobs[0].sizez: unknown key `sizez`, did you mean `sizes`?"],
  },
  {
    name: "a wrong type: a number for a prompt",
    files: { "m.yaml": `${head}images: { a: ./a.png }\nprompts:\n  p: 42\n`, "a.png": png() },
    expected: ["<dir>/m.yaml:5:6: prompts.p: expected text, got `42`"],
  },
  {
    name: "a wrong type: concurrency",
    files: { "m.yaml": `${head}${ok}concurrency: fast\n`, "a.png": png() },
    expected: ["<dir>/m.yaml:7:14: concurrency: expected auto or a whole number from 1 to 200"],
  },
  {
    name: "an invalid pipeline name",
    files: { "m.yaml": `name: my pipeline\nmodel: seedream-v4.5\n${ok}`, "a.png": png() },
    expected: [
      "<dir>/m.yaml:1:7: name: must start with a letter or digit and hold only letters, digits, '.', '_' and '-'",
    ],
  },
  {
    name: "an unknown model that starts a valid one: that one is meant, every name listed",
    files: { "m.yaml": `name: bad\nmodel: seedream-v5\n${ok}`, "a.png": png() },
    expected: [
      "<dir>/m.yaml:2:8: model: unknown model `seedream-v5`, did you mean `seedream-v5-lite`? models: seedream-v4.5, fal-ai/bytedance/seedream/v4.5/edit, seedream-v5-lite, bytedance/seedream/v5/lite/edit, fal-ai/bytedance/seedream/v5/lite/edit",
    ],
  },
  {
    name: "an unknown model, with a hint",
    files: { "m.yaml": `name: bad\nmodel: seedream-v4\n${ok}`, "a.png": png() },
    expected: [
      "<dir>/m.yaml:2:8: model: unknown model `seedream-v4`, did you mean `seedream-v4.5`? models: seedream-v4.5, fal-ai/bytedance/seedream/v4.5/edit, seedream-v5-lite, bytedance/seedream/v5/lite/edit, fal-ai/bytedance/seedream/v5/lite/edit",
    ],
  },
  {
    name: "v4.5 has no auto_3K",
    files: { "m.yaml": `${head}${ok}sizes:\n  big: auto_3K\n`, "a.png": png() },
    expected: [
      "<dir>/m.yaml:8:8: sizes.big: `auto_3K` is a seedream-v5-lite size; seedream-v4.5 has no `auto_3K`: use one of square_hd, square, portrait_4_3, portrait_16_9, landscape_4_3, landscape_16_9, auto_2K, auto_4K, or WIDTHxHEIGHT",
    ],
  },
  {
    name: "a seed on v5 lite, whose current schema has none (#23)",
    files: { "m.yaml": `name: bad\nmodel: seedream-v5-lite\ndefaults:\n  seed: 7\n${ok}`, "a.png": png() },
    expected: [
      "<dir>/m.yaml:4:3: defaults.seed: `seed` is not an input of seedream-v5-lite (bytedance/seedream/v5/lite/edit)",
    ],
  },
  {
    name: "seeds on v5 lite, whose current schema has no seed (#23)",
    files: {
      "m.yaml": `name: bad\nmodel: seedream-v5-lite\n${ok}jobs:\n  - prompt: p\n    seeds: [1, 2]\n`,
      "a.png": png(),
    },
    expected: [
      "<dir>/m.yaml:9:12: jobs[0].seeds: `seeds` sets the input `seed`, which is not an input of seedream-v5-lite (bytedance/seedream/v5/lite/edit)",
    ],
  },
  {
    name: "a v4.5 custom size below its range",
    files: { "m.yaml": `${head}${ok}sizes:\n  small: 1280x720\n`, "a.png": png() },
    expected: [
      "<dir>/m.yaml:8:10: sizes.small: width and height must be between 1920 and 4096, or total pixels between 3686400 and 16777216; got 1280x720 (model seedream-v4.5)",
    ],
  },
  {
    name: "a size that is no enum and no WxH",
    files: { "m.yaml": `${head}${ok}sizes:\n  huge: enormous\n`, "a.png": png() },
    expected: [
      "<dir>/m.yaml:8:9: sizes.huge: `enormous` is not an image_size of seedream-v4.5; use one of square_hd, square, portrait_4_3, portrait_16_9, landscape_4_3, landscape_16_9, auto_2K, auto_4K, or WIDTHxHEIGHT",
    ],
  },
  {
    name: "a size object with a stray key",
    files: { "m.yaml": `${head}${ok}sizes:\n  s: { width: 2048, height: 2048, depth: 3 }\n`, "a.png": png() },
    expected: ["<dir>/m.yaml:8:35: sizes.s.depth: unknown key `depth`"],
  },
  {
    name: "enhance_prompt_mode is in neither current schema",
    files: { "m.yaml": `${head}defaults:\n  enhance_prompt_mode: fast\n${ok}`, "a.png": png() },
    expected: [
      "<dir>/m.yaml:4:3: defaults.enhance_prompt_mode: `enhance_prompt_mode` is not an input of seedream-v4.5 (fal-ai/bytedance/seedream/v4.5/edit)",
    ],
  },
  {
    name: "num_images out of range",
    files: { "m.yaml": `${head}defaults:\n  num_images: 9\n${ok}`, "a.png": png() },
    expected: [
      "<dir>/m.yaml:4:15: defaults.num_images: ensure this value is less than or equal to 6 (model seedream-v4.5)",
    ],
  },
  {
    name: "v4.5 inputs + outputs over 15",
    files: {
      "m.yaml": `${head}defaults: { max_images: 6 }\nimages:\n  a: [${[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(url).join(", ")}]\nprompts: { p: hi }\n`,
    },
    expected: [
      "<dir>/m.yaml:3:25: defaults.max_images: the total number of images (image inputs + image outputs) must not exceed 15; got 16 (model seedream-v4.5)",
    ],
  },
  {
    name: "more than 10 input images",
    files: {
      "m.yaml": `${head}images:\n  a: [${[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map(url).join(", ")}]\nprompts: { p: hi }\n`,
    },
    expected: [
      "<dir>/m.yaml:4:3: images: 11 input images; seedream-v4.5 takes at most 10 (fal would silently drop the first 1)",
    ],
  },
  {
    name: "a missing local file",
    files: { "m.yaml": `${head}images:\n  a: [./a.png, ./gone.png]\nprompts: { p: hi }\n`, "a.png": png() },
    expected: ["<dir>/m.yaml:4:16: images.a[1]: file not found: <dir>/gone.png"],
  },
  {
    name: "a file that is not an image",
    files: {
      "m.yaml": `${head}images:\n  a: ./notes.png\nprompts: { p: hi }\n`,
      "notes.png": "just some text\n",
    },
    expected: [
      "<dir>/m.yaml:4:6: images.a: <dir>/notes.png is not an image: Input buffer contains unsupported image format",
    ],
  },
  {
    name: "an unsupported URL scheme",
    files: { "m.yaml": `${head}images:\n  a: ftp://host/a.png\nprompts: { p: hi }\n` },
    expected: [
      "<dir>/m.yaml:4:6: images.a: unsupported URL scheme `ftp:`; use a local path, http(s) or data:",
    ],
  },
  {
    name: "a template variable the rows lack, with a hint",
    files: {
      "m.yaml": `${head}images: { studio: ./a.png }\nprompts:\n  p: Show the {{nmae}}\nrows: ./rows.csv\njobs:\n  - id: "{{sku}}"\n    prompt: p\n`,
      "rows.csv": "sku,name\nA1,Shoe\n",
      "a.png": png(),
    },
    expected: [
      "<dir>/m.yaml:5:6: prompts.p: `{{nmae}}` is not a column of <dir>/rows.csv, did you mean `name`?",
    ],
  },
  {
    name: "template syntax that is not a variable",
    files: {
      "m.yaml": `${head}images: { a: ./a.png }\nprompts:\n  p: "Show {{ name | upper }}"\n`,
      "a.png": png(),
    },
    expected: ["<dir>/m.yaml:5:6: prompts.p: `{{ name | upper }}`: unknown filter `upper`; filters: slug"],
  },
  {
    name: "an environment variable that is not set",
    files: {
      "m.yaml": `${head}env: [BRAND_NAME]\nimages: { a: ./a.png }\nprompts:\n  p: "For {{env.BRAND_NAME}}"\n`,
      "a.png": png(),
    },
    expected: ["<dir>/m.yaml:6:6: prompts.p: environment variable BRAND_NAME is not set"],
  },
  {
    name: "duplicate job ids after expansion",
    files: {
      "m.yaml": `${head}images: { a: ./a.png }\nprompts: { p: "Show {{name}}" }\nrows:\n  - { name: Shoe }\n  - { name: Boot }\njobs:\n  - id: hero\n    prompt: p\n`,
      "a.png": png(),
    },
    expected: ["<dir>/m.yaml:9:9: jobs[0].id: duplicate job id `hero-auto_2K` (row 2); row 1 makes it too"],
  },
  {
    name: "an output path that leaves the output folder",
    files: { "m.yaml": `${head}${ok}output:\n  path: "../{{job}}-{{n}}.{{ext}}"\n`, "a.png": png() },
    expected: [
      "<dir>/m.yaml:8:9: output.path: `../p-auto_2K-1.png` leaves the output folder (job `p-auto_2K`)",
    ],
  },
  {
    name: "an absolute output path",
    files: { "m.yaml": `${head}${ok}output:\n  path: "/srv/img/{{job}}-{{n}}.{{ext}}"\n`, "a.png": png() },
    expected: [
      "<dir>/m.yaml:8:9: output.path: `/srv/img/p-auto_2K-1.png` is absolute; output paths stay under the output folder (job `p-auto_2K`)",
    ],
  },
  {
    name: "an output path two jobs share",
    files: {
      "m.yaml": `${head}${ok}sizes: { s: square_hd, w: landscape_16_9 }\noutput:\n  path: "{{prompt}}-{{n}}.{{ext}}"\n`,
      "a.png": png(),
    },
    expected: [
      "<dir>/m.yaml:9:9: output.path: jobs `p-s` and `p-w` would both write `p-1.png`; add {{job}} to the path",
    ],
  },
  {
    name: "an output path every row shares: one line, with the format's extension",
    files: {
      "m.yaml": `${head}${ok}sizes: { s: square_hd, w: landscape_16_9, t: portrait_16_9 }\nrows: ./rows.csv\njobs: [{ id: "{{sku}}", prompt: p }]\noutput:\n  path: "{{prompt}}-{{n}}.{{ext}}"\n  format: webp\n`,
      "a.png": png(),
      "rows.csv": `sku\n${Array.from({ length: 16 }, (_, i) => `S${i + 1}`).join("\n")}\n`,
    },
    expected: [
      "<dir>/m.yaml:11:9: output.path: jobs `S1-s` and `S1-w` would both write `p-1.webp` (47 jobs write a path an earlier job writes); add {{job}} to the path",
    ],
  },
  {
    name: "an output path without {{n}} for several images",
    files: {
      "m.yaml": `${head}defaults: { num_images: 2 }\n${ok}output:\n  path: "{{job}}.{{ext}}"\n`,
      "a.png": png(),
    },
    expected: ["<dir>/m.yaml:9:9: output.path: must contain {{n}}: job `p-auto_2K` can return 2 images"],
  },
  {
    name: "an unknown prompt name in a job, with a hint",
    files: { "m.yaml": `${head}${ok}jobs:\n  - prompt: q\n  - prompt: pp\n`, "a.png": png() },
    expected: [
      "<dir>/m.yaml:8:13: jobs[0].prompt: unknown prompt `q`, did you mean `p`?",
      "<dir>/m.yaml:9:13: jobs[1].prompt: unknown prompt `pp`, did you mean `p`?",
    ],
  },
  {
    name: "an unknown size name in a job",
    files: {
      "m.yaml": `${head}${ok}sizes: { square: square_hd }\njobs:\n  - prompt: p\n    sizes: [sqaure]\n`,
      "a.png": png(),
    },
    expected: ["<dir>/m.yaml:10:13: jobs[0].sizes[0]: unknown size `sqaure`, did you mean `square`?"],
  },
  {
    name: "a job with both prompt and prompt_text",
    files: { "m.yaml": `${head}${ok}jobs:\n  - prompt: p\n    prompt_text: also\n`, "a.png": png() },
    expected: [
      "<dir>/m.yaml:8:5: jobs[0]: a job needs exactly one of `prompt` (a name in prompts) and `prompt_text`",
    ],
  },
  {
    name: "a rows file that does not exist",
    files: {
      "m.yaml": `${head}${ok}rows: ./products.csv\njobs:\n  - { id: "{{sku}}", prompt: p }\n`,
      "a.png": png(),
    },
    expected: ["<dir>/m.yaml:7:7: rows: file not found: <dir>/products.csv"],
  },
  {
    name: "a rows CSV with broken quoting",
    files: {
      "m.yaml": `${head}${ok}rows: ./rows.csv\njobs:\n  - { id: "{{sku}}", prompt: p }\n`,
      "rows.csv": 'sku,name\nA1,"Shoe\nA2,Boot\n',
      "a.png": png(),
    },
    expected: ["<dir>/rows.csv:2:2: name: CSV: a quoted field opens here and is never closed"],
  },
  {
    name: "a rows CSV with a short and a long record",
    files: {
      "m.yaml": `${head}${ok}rows: ./rows.csv\njobs:\n  - { id: "{{sku}}", prompt: p }\n`,
      "rows.csv": "sku,name,status\nA1,Shoe\nA2,Boot,active,extra\nA3,Hat,active\n",
      "a.png": png(),
    },
    expected: [
      "<dir>/rows.csv:2:3: status: CSV: wrong number of fields: columns length is 3, got 2",
      "<dir>/rows.csv:3:1: CSV: wrong number of fields: columns length is 3, got 4",
    ],
  },
  {
    name: "a `when` on a column the rows lack",
    files: {
      "m.yaml": `${head}${ok}rows: ./rows.csv\njobs:\n  - { id: "{{sku}}", prompt: p, when: { stauts: active } }\n`,
      "rows.csv": "sku,status\nA1,active\n",
      "a.png": png(),
    },
    expected: [
      "<dir>/m.yaml:9:39: jobs[0].when.stauts: `stauts` is not a column of <dir>/rows.csv, did you mean `status`?",
    ],
  },
  {
    name: "an empty image cell in one row, and a bad scheme in another",
    files: {
      "m.yaml": `${head}images: { studio: ./a.png }\nprompts: { p: hi }\nrows: ./rows.csv\njobs:\n  - { id: "{{sku}}", prompt: p, images: [studio, "{{image}}"] }\n`,
      "rows.csv": "sku,image\nA1,./a.png\nA2,\nA3,s3://bucket/x.png\n",
      "a.png": png(),
    },
    expected: [
      "<dir>/rows.csv:3:2: image: empty image reference (used by jobs[0].images[1])",
      "<dir>/rows.csv:4:2: image: unsupported URL scheme `s3:`; use a local path, http(s) or data:",
    ],
  },
  {
    name: "`prompt` set in defaults",
    files: { "m.yaml": `${head}defaults:\n  prompt: hi\n${ok}`, "a.png": png() },
    expected: [
      "<dir>/m.yaml:4:3: defaults.prompt: `prompt` is set through prompts / prompt / prompt_text, not here",
    ],
  },
  {
    name: "rows without jobs",
    files: { "m.yaml": `${head}${ok}rows:\n  - { sku: A1 }\n`, "a.png": png() },
    expected: ["<dir>/m.yaml:7:1: rows: `rows` needs `jobs` with an `id` template that tells rows apart"],
  },
  {
    name: "seeds and an input seed together",
    files: {
      "m.yaml": `${head}${ok}jobs:\n  - prompt: p\n    seeds: [1, 2]\n    input: { seed: 5 }\n`,
      "a.png": png(),
    },
    expected: ["<dir>/m.yaml:9:12: jobs[0].seeds: `seeds` and an input `seed` exclude each other"],
  },
  {
    name: "a price for an unknown model",
    files: { "m.yaml": `${head}${ok}prices:\n  seedream-v6: 0.1\n`, "a.png": png() },
    expected: [
      "<dir>/m.yaml:8:3: prices.seedream-v6: unknown model `seedream-v6`, did you mean `seedream-v4.5`? models: seedream-v4.5, fal-ai/bytedance/seedream/v4.5/edit, seedream-v5-lite, bytedance/seedream/v5/lite/edit, fal-ai/bytedance/seedream/v5/lite/edit",
    ],
  },
  {
    name: "standalone CSV: an unknown column, with a hint",
    files: { "jobs.csv": "id,prompt,image_urls,num_imgaes\nj1,hi,https://img.example/1.png,2\n" },
    model: "seedream-v4.5",
    expected: ["<dir>/jobs.csv:1:4: num_imgaes: unknown column `num_imgaes`, did you mean `num_images`?"],
  },
  {
    name: "standalone CSV: bad cells are each located",
    files: {
      "jobs.csv":
        "id,prompt,image_urls,image_size,num_images,model\nj1,hi,https://img.example/1.png,square_hd,two,seedream-v4.5\nj2,,https://img.example/1.png,auto_3K,1,seedream-v4.5\nj3,hi,https://img.example/1.png,square,1,seedream-v9\n",
    },
    expected: [
      "<dir>/jobs.csv:2:5: num_images: expected a whole number, got `two`",
      "<dir>/jobs.csv:3:2: prompt: empty prompt",
      "<dir>/jobs.csv:3:4: image_size: `auto_3K` is a seedream-v5-lite size; seedream-v4.5 has no `auto_3K`: use one of square_hd, square, portrait_4_3, portrait_16_9, landscape_4_3, landscape_16_9, auto_2K, auto_4K, or WIDTHxHEIGHT",
      "<dir>/jobs.csv:4:6: model: unknown model `seedream-v9`, did you mean `seedream-v4.5`? models: seedream-v4.5, fal-ai/bytedance/seedream/v4.5/edit, seedream-v5-lite, bytedance/seedream/v5/lite/edit, fal-ai/bytedance/seedream/v5/lite/edit",
    ],
  },
  {
    name: "standalone CSV: no model anywhere",
    files: { "jobs.csv": "prompt,image_urls\nhi,https://img.example/1.png\n" },
    expected: ["<dir>/jobs.csv:1:1: no model: pass --model or add a `model` column"],
  },
  {
    name: "several mistakes reported at once, in file order",
    files: {
      "m.yaml": `name: bad\nmodel: seedream-v4.5\ndefaults:\n  num_images: 0\n  enhance_prompt_mode: fast\nimages:\n  a: [./missing.png]\nprompts:\n  p: hello\nsizes:\n  big: auto_3K\n`,
    },
    expected: [
      "<dir>/m.yaml:4:15: defaults.num_images: ensure this value is greater than or equal to 1 (model seedream-v4.5)",
      "<dir>/m.yaml:5:3: defaults.enhance_prompt_mode: `enhance_prompt_mode` is not an input of seedream-v4.5 (fal-ai/bytedance/seedream/v4.5/edit)",
      "<dir>/m.yaml:7:7: images.a[0]: file not found: <dir>/missing.png",
      "<dir>/m.yaml:11:8: sizes.big: `auto_3K` is a seedream-v5-lite size; seedream-v4.5 has no `auto_3K`: use one of square_hd, square, portrait_4_3, portrait_16_9, landscape_4_3, landscape_16_9, auto_2K, auto_4K, or WIDTHxHEIGHT",
    ],
  },
  {
    name: "the fal key in a template (#13)",
    files: {
      "m.yaml": `${head}images: { a: ./a.png }\nprompts:\n  p: "Signed {{ env.FAL_KEY }}"\noutput:\n  path: "{{env.FAL_KEY_SECRET}}/{{job}}-{{n}}.{{ext}}"\n`,
      "a.png": png(),
    },
    expected: [
      "<dir>/m.yaml:5:6: prompts.p: `{{ env.FAL_KEY }}`: a template may not read FAL_KEY: it is or looks like a credential (FAL_*, AWS_*, or a name with KEY, SECRET, TOKEN, PASSWORD, AUTH…), and would be written into prompts, reports and sidecars",
      "<dir>/m.yaml:7:9: output.path: `{{env.FAL_KEY_SECRET}}`: a template may not read FAL_KEY_SECRET: it is or looks like a credential (FAL_*, AWS_*, or a name with KEY, SECRET, TOKEN, PASSWORD, AUTH…), and would be written into prompts, reports and sidecars",
    ],
  },
  {
    name: "the fal key id in a standalone CSV prompt",
    files: { "jobs.csv": "id,prompt,image_urls\nj1,Key {{env.FAL_KEY_ID}},https://img.example/1.png\n" },
    model: "seedream-v4.5",
    expected: [
      "<dir>/jobs.csv:2:2: prompt: `{{env.FAL_KEY_ID}}`: a template may not read FAL_KEY_ID: it is or looks like a credential (FAL_*, AWS_*, or a name with KEY, SECRET, TOKEN, PASSWORD, AUTH…), and would be written into prompts, reports and sidecars",
    ],
  },
  {
    name: "other credentials, even listed under env (#24)",
    files: {
      "m.yaml": `${head}env: [BRAND, GITHUB_TOKEN]\nimages: { a: ./a.png }\nprompts:\n  p: "{{env.AWS_SECRET_ACCESS_KEY}} {{env.GITHUB_TOKEN}} {{env.BRAND}}"\n`,
      "a.png": png(),
    },
    expected: [
      "<dir>/m.yaml:3:14: env[1]: a template may not read GITHUB_TOKEN: it is or looks like a credential (FAL_*, AWS_*, or a name with KEY, SECRET, TOKEN, PASSWORD, AUTH…), and would be written into prompts, reports and sidecars",
      "<dir>/m.yaml:6:6: prompts.p: `{{env.AWS_SECRET_ACCESS_KEY}}`: a template may not read AWS_SECRET_ACCESS_KEY: it is or looks like a credential (FAL_*, AWS_*, or a name with KEY, SECRET, TOKEN, PASSWORD, AUTH…), and would be written into prompts, reports and sidecars",
    ],
  },
  {
    name: "an environment variable the manifest does not list (#24)",
    files: {
      "m.yaml": `${head}images: { a: ./a.png }\nprompts:\n  p: "For {{env.HOME}} {{env.SEEDREAM_VAR_BRAND}}"\n`,
      "a.png": png(),
    },
    expected: [
      "<dir>/m.yaml:5:6: prompts.p: `{{env.HOME}}`: HOME is not listed under `env:`: a template reads only the variables the manifest lists there (add `env: [HOME]`) or those named SEEDREAM_VAR_*",
      "<dir>/m.yaml:5:6: prompts.p: environment variable SEEDREAM_VAR_BRAND is not set",
    ],
  },
  {
    name: "a standalone CSV reads only SEEDREAM_VAR_* (#24)",
    files: { "jobs.csv": "id,prompt,image_urls\nj1,For {{env.USER}},https://img.example/1.png\n" },
    model: "seedream-v4.5",
    expected: [
      "<dir>/jobs.csv:2:2: prompt: `{{env.USER}}`: a standalone CSV reads only environment variables named SEEDREAM_VAR_*, not USER (or use a YAML manifest, which lists the ones it reads under `env:`)",
    ],
  },
  {
    name: "braces that are not a variable",
    files: {
      "m.yaml": `${head}images: { a: ./a.png }\nprompts:\n  p: "Show {{ two words }}"\n`,
      "a.png": png(),
    },
    expected: [
      "<dir>/m.yaml:5:6: prompts.p: `{{ two words }}` is not a variable: use {{name}}, {{name | slug}} or {{env.NAME}}",
    ],
  },
  {
    name: "an unclosed CSV quote is reported where it opens, not at the end of the file",
    files: {
      "m.yaml": `${head}${ok}rows: ./rows.csv\njobs:\n  - { id: "{{sku}}", prompt: p }\n`,
      "rows.csv":
        'sku,name,status\nA1,Shoe,active\nA2,Boot,active\nA3,"Hat,active\nA4,Cap,active\nA5,Sock,active\n',
      "a.png": png(),
    },
    expected: ["<dir>/rows.csv:4:2: name: CSV: a quoted field opens here and is never closed"],
  },
  {
    name: "defaults are checked against the model even when every job overrides them",
    files: {
      "m.yaml": `name: bad\nmodel: seedream-v5-lite\ndefaults:\n  image_size: auto_8K\n  num_images: 99\nimages: { a: ./a.png }\nprompts: { p: hi }\njobs:\n  - prompt: p\n    sizes: [auto_2K]\n    input: { num_images: 1 }\n`,
      "a.png": png(),
    },
    expected: [
      "<dir>/m.yaml:4:15: defaults.image_size: `auto_8K` is not an image_size of seedream-v5-lite, did you mean `auto_2K`?; use one of square_hd, square, portrait_4_3, portrait_16_9, landscape_4_3, landscape_16_9, auto_2K, auto_3K, auto_4K, or WIDTHxHEIGHT",
      "<dir>/m.yaml:5:15: defaults.num_images: ensure this value is less than or equal to 6 (model seedream-v5-lite)",
    ],
  },
  {
    name: "a semicolon CSV read with the wrong delimiter: one error for one cause",
    files: {
      "m.yaml": `${head}${ok}rows: { file: ./rows.csv, delimiter: "," }\njobs:\n  - { id: "{{sku}}", prompt: p }\n`,
      "rows.csv": 'sku;name\nA1;"Shoe, red"\nA2;"Boot, blue"\nA3;"Hat, green"\nA4;"Cap, black"\n',
      "a.png": png(),
    },
    expected: [
      '<dir>/rows.csv:1:1: CSV: the header is separated by ";" (semicolon), but `rows.delimiter` says "," (comma): leave it out to use the file\'s',
    ],
  },
  {
    name: "several records with the same stray quote: one line, naming the others",
    files: {
      "m.yaml": `${head}${ok}rows: ./rows.csv\njobs:\n  - { id: "{{sku}}", prompt: p }\n`,
      "rows.csv": 'sku,name\nA1,"Shoe" red\nA2,"Boot" blue\nA3,Hat\nA4,"Cap" black\n',
      "a.png": png(),
    },
    expected: [
      '<dir>/rows.csv:2:2: name: CSV: text after a closing quote; double a quote inside a quoted field (""), or check the field separator ("," (comma)) (and 2 more lines like it: 3, 5)',
    ],
  },
  {
    name: "rows as an object with a misspelt key",
    files: {
      "m.yaml": `${head}${ok}rows: { file: ./rows.csv, delimter: ";" }\njobs:\n  - { id: "{{sku}}", prompt: p }\n`,
      "rows.csv": "sku\nA1\n",
      "a.png": png(),
    },
    expected: ["<dir>/m.yaml:7:27: rows.delimter: unknown key `delimter`, did you mean `delimiter`?"],
  },
  {
    name: "an unquoted template followed by text",
    files: { "m.yaml": `${head}images: { a: ./a.png }\nprompts:\n  p: {{name}} on white\n`, "a.png": png() },
    expected: [
      '<dir>/m.yaml:5:15: YAML: a value that starts with `{{` must be in quotes, e.g. "{{name}} on white"',
    ],
  },
  {
    name: "an unquoted template alone (YAML reads a mapping); a number out of range; an empty list",
    files: {
      "m.yaml": `${head}images: { a: ./a.png }\nprompts:\n  p: {{name}}\njobs:\n  - prompt: p\n    seeds: []\nconcurrency: 0\nmax_cost_usd: -1\n`,
      "a.png": png(),
    },
    expected: [
      '<dir>/m.yaml:5:6: prompts.p: expected text, got a mapping: a value that starts with `{{` must be in quotes, e.g. "{{name}} …"',
      "<dir>/m.yaml:8:12: jobs[0].seeds: needs at least 1 item",
      "<dir>/m.yaml:9:14: concurrency: must be at least 1, got `0`",
      "<dir>/m.yaml:10:15: max_cost_usd: must be more than 0, got `-1`",
    ],
  },
  {
    name: "an unknown on_invalid_row",
    files: { "m.yaml": `${head}${ok}on_invalid_row: sometimes\n`, "a.png": png() },
    expected: ["<dir>/m.yaml:7:17: on_invalid_row: expected fail or skip, got `sometimes`"],
  },
  {
    name: "a template column missing from the CSV lists the columns there are",
    files: {
      "m.yaml": `${head}images: { a: ./a.png }\nprompts: { p: "Show {{title}}" }\nrows: ./rows.csv\njobs:\n  - { id: "{{sku}}", prompt: p }\n`,
      "rows.csv": "sku,name,image_path\nA1,Shoe,./a.png\n",
      "a.png": png(),
    },
    expected: [
      "<dir>/m.yaml:4:15: prompts.p: `{{title}}` is not a column of <dir>/rows.csv; columns: sku, name, image_path",
    ],
  },
  {
    name: "standalone CSV: a misspelt required column is one error, with a hint",
    files: { "jobs.csv": "id,promt,image_urls\nj1,hi,https://img.example/1.png\n" },
    model: "seedream-v4.5",
    expected: [
      "<dir>/jobs.csv:1:2: promt: unknown column `promt`, did you mean `prompt`? (`prompt` is required)",
    ],
  },
  {
    name: "standalone CSV: a required column missing names the header",
    files: { "jobs.csv": "id,prompt\nj1,hi\n" },
    model: "seedream-v4.5",
    expected: ["<dir>/jobs.csv:1:1: missing column `image_urls`; the header has `id`, `prompt`"],
  },
  {
    name: "YAML: a list item without its dash",
    files: {
      "m.yaml": `${head}${ok}jobs:\n  - prompt: p\n  - prompt: p\n    sizes: [square]\n   prompt: p\n`,
    },
    expected: [
      "<dir>/m.yaml:11:1: YAML: this line is inside a list but has no `- ` in front; add `- `, or indent it under the item above",
    ],
  },
  {
    name: "YAML: a key indented apart from its siblings",
    files: { "m.yaml": `${head}images:\n  a: ./a.png\n   b: ./b.png\nprompts: { p: hi }\n` },
    expected: [
      "<dir>/m.yaml:4:6: YAML: this value holds `: ` (a colon and a space), perhaps on a next line indented deeper than the keys: quote the value, or line up the keys of one mapping",
    ],
  },
  {
    name: "YAML: a value with a colon in it",
    files: { "m.yaml": `${head}images: { a: ./a.png }\nprompts:\n  p: Note: keep the logo\n` },
    expected: [
      "<dir>/m.yaml:5:6: YAML: this value holds `: ` (a colon and a space), perhaps on a next line indented deeper than the keys: quote the value, or line up the keys of one mapping",
    ],
  },
  {
    name: "YAML: an alias with no anchor",
    files: { "m.yaml": `${head}images: { a: ./a.png }\nprompts:\n  p: *intro\n` },
    expected: ["<dir>/m.yaml:5:6: YAML: `*intro` refers to an anchor `&intro` that is not set above it"],
  },
  {
    name: "a missing image under rows.base is looked for there",
    files: {
      "m.yaml": `${head}images: { a: ./a.png }\nprompts: { p: hi }\nrows: { file: ./data/rows.csv, base: ./photos }\njobs:\n  - { id: "{{sku}}", prompt: p, images: [a, "{{image}}"] }\n`,
      "data/rows.csv": "sku,image\nA1,A1.png\n",
      "a.png": png(),
    },
    expected: ["<dir>/data/rows.csv:2:2: image: file not found: <dir>/photos/A1.png"],
  },
  {
    name: "row images that are devices or a FIFO, refused before a byte is read (#24)",
    files: {
      "m.yaml": `${head}${ok}rows: ./rows.csv\njobs:\n  - { id: "{{sku}}", prompt: p, images: [a, "{{image}}"] }\n`,
      "rows.csv": "sku,image\nA1,/dev/zero\nA2,/dev/urandom\nA3,pipe.png\n",
      "a.png": png(),
      "pipe.png": fifo,
    },
    expected: [
      "<dir>/rows.csv:2:2: image: /dev/zero is not a regular file (a device, FIFO or socket)",
      "<dir>/rows.csv:3:2: image: /dev/urandom is not a regular file (a device, FIFO or socket)",
      "<dir>/rows.csv:4:2: image: <dir>/pipe.png is not a regular file (a device, FIFO or socket)",
    ],
  },
  {
    name: "an image over the size cap, refused without reading it (#24)",
    files: { "m.yaml": `${head}${ok}`, "a.png": sparse(50 * 1024 * 1024 + 1) },
    expected: ["<dir>/m.yaml:4:6: images.a: <dir>/a.png is over the 50 MiB limit"],
  },
  {
    name: "a rows file over the size cap (#24)",
    files: {
      "m.yaml": `${head}${ok}rows: ./rows.csv\njobs:\n  - { id: "{{sku}}", prompt: p }\n`,
      "rows.csv": sparse(128 * 1024 * 1024 + 1),
      "a.png": png(),
    },
    expected: ["<dir>/m.yaml:7:7: rows: <dir>/rows.csv is over the 128 MiB limit"],
  },
  {
    name: "a CSV cell over the record cap stops the file with one error (#24)",
    files: {
      "m.yaml": `${head}${ok}rows: ./rows.csv\njobs:\n  - { id: "{{sku}}", prompt: p }\n`,
      "rows.csv": `sku,name\nA1,Shoe\nA2,"${"x".repeat(1024 * 1024 + 1)}"\nA3,Hat\n`,
      "a.png": png(),
    },
    expected: [
      "<dir>/rows.csv:3:1: CSV: a record is over 1048576 characters (is a quote left open, or a cell pasted by mistake?)",
    ],
  },
  {
    name: "a CSV header of too many columns is one error (#24)",
    files: { "jobs.csv": `id,prompt,image_urls${",x".repeat(1000)}\nj1,hi,https://img.example/1.png\n` },
    model: "seedream-v4.5",
    expected: [
      "<dir>/jobs.csv:1:1: CSV: the header has 1003 columns; at most 1000 are read (check the field separator)",
    ],
  },
  {
    name: "output names over 255 bytes are refused before anything is paid (#24)",
    files: {
      "m.yaml": `${head}${ok}rows: [{ sku: "${"é".repeat(130)}" }, { sku: "${"é".repeat(110)}" }]\njobs:\n  - { id: "{{sku | slug}}", prompt: p }\noutput:\n  path: "{{sku}}/{{sku}}-{{n}}.{{ext}}"\n`,
      "a.png": png(),
    },
    expected: [
      `<dir>/m.yaml:11:9: output.path: \`${"é".repeat(40)}…\` is a folder name of 260 bytes; at most 255 (systems refuse longer) (job \`${"e".repeat(130)}-auto_2K\`)`,
      `<dir>/m.yaml:11:9: output.path: \`${"é".repeat(40)}…\` is a file name of 226 bytes; at most 200 (systems allow 255, and the sidecar's and temporary names are longer) (job \`${"e".repeat(110)}-auto_2K\`)`,
    ],
  },
];

export { copyFile, writeFile };
