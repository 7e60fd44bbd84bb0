// Runs the CLI in this process (argv after the script) and, when it is done, writes what the
// process cost to the file named by BENCH_MEASURE_FILE: wall time, peak RSS, and the bytes it
// read (/proc/self/io: `rchar` every byte read through read(2), `read_bytes` those that reached
// the disk rather than the page cache).
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { Writable } from "node:stream";

// The built CLI itself (dist/), which finds its package.json beside it.
const { main } = (await import(
  new URL("../../dist/cli/main.js", import.meta.url).href
)) as typeof import("../src/cli/main.js");

// As the bin does: the CLI's process runs with its heap growth setting.
(
  (await import(
    new URL("../../dist/cli/heap-growth.js", import.meta.url).href
  )) as typeof import("../src/cli/heap-growth.js")
).limitHeapGrowth();

const started = performance.now();
// BENCH_MEM_TRACE=<file>: a line a second of where the memory is (RSS, JS heap, buffers), to
// see what grows with the run.
const trace = process.env.BENCH_MEM_TRACE;
const tracer = trace
  ? setInterval(() => {
      const m = process.memoryUsage();
      const mb = (b: number) => Math.round(b / 1e6);
      appendFileSync(
        trace,
        `${Math.round(performance.now() - started)} ms rss ${mb(m.rss)} heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} external ${mb(m.external)} buffers ${mb(m.arrayBuffers)}\n`,
      );
    }, 1000)
  : undefined;
tracer?.unref();
const sink = () =>
  Object.assign(
    new Writable({
      write(_chunk, _encoding, done) {
        done();
      },
    }),
    { isTTY: false },
  );
let stdout = "";
const out = Object.assign(
  new Writable({
    write(chunk, _encoding, done) {
      stdout += String(chunk);
      done();
    },
  }),
  { isTTY: false },
);
const code = await main({ argv: process.argv.slice(2), env: process.env, stdout: out, stderr: sink() });
const io = Object.fromEntries(
  readFileSync("/proc/self/io", "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const [k, v] = l.split(":");
      return [k?.trim(), Number(v)];
    }),
);
const file = process.env.BENCH_MEASURE_FILE;
if (file)
  writeFileSync(
    file,
    JSON.stringify({
      code,
      ms: performance.now() - started,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      cpuS: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1e6,
      rchar: io.rchar,
      readBytes: io.read_bytes,
      stdout,
    }),
  );
process.exit(code);
