import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { readDecisions } from "../../src/review/decision-store.js";
import { CHROMIUM, ensureChromium } from "../helpers/chromium.js";
import { runReviewManifest, writeReviewManifest } from "../helpers/review-run.js";
import { runCli, startCli, until } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const KEY = "sk-review-keys";
/** Screenshots to look at (not kept in git): the test prints where. */
const SHOTS = join(tmpdir(), "seedream-review-screens");
const tempDir = useTempDirs();
const missing = ensureChromium();
if (missing) console.warn(`review keyboard test skipped: ${missing}`);

// Catalogue-like SKUs and product names: long enough to be cut by a careless layout.
const ROWS = [
  { sku: "TRL-100234-BLK-W38", name: "Trail Runner GTX Women's, black" },
  { sku: "TRL-100235-BLU-W39", name: "Trail Runner GTX Women's, blue" },
  { sku: "CTY-200871-WHT-M42", name: "City Sneaker Leather Men's, white" },
  { sku: "CTY-200872-GRY-M43", name: "City Sneaker Leather Men's, grey" },
  { sku: "HKG-310550-BRN-U40", name: "Hiking Boot Mid Waterproof, brown" },
  { sku: "SND-420019-TAN-W37", name: "Summer Sandal Cork Footbed, tan" },
];
const JOBS = ROWS.map((r) => `${r.sku}-square`);

/** Each tile as `job:badge`, in grid order. */
const tiles = (page: Page) =>
  page.$$eval(".tile", (els) =>
    els.map((e) => `${e.querySelector(".id")?.textContent}:${e.querySelector(".badge")?.textContent}`),
  );

/** Waits until the app has finished what the last key started. */
const settled = (page: Page) => page.waitForSelector("body[data-busy='0']", { state: "attached" });

/** Presses a key and waits for the app to settle. */
async function press(page: Page, key: string): Promise<void> {
  await page.keyboard.press(key);
  await settled(page);
}

/** Where the keyboard is: the id of the focused element. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document;
    return doc.activeElement?.id ?? "";
  });

/** The job id of the focused tile, and what the large view shows (or "" when closed). */
const where = async (page: Page) => ({
  tile: await page.$eval(".tile.focus .id", (e) => e.textContent),
  view: (await page.$("dialog[open]")) ? await page.$eval("#d-title", (e) => e.textContent) : "",
});

/**
 * Every tile's job id and product name, each with whether it shows whole (not cut by its box)
 * and its font size: what a reviewer can read.
 */
const labels = (page: Page) =>
  page.$$eval(".tile .id, .tile .title", (els) =>
    els.map((e) => {
      const box = e as unknown as {
        scrollWidth: number;
        clientWidth: number;
        scrollHeight: number;
        clientHeight: number;
        textContent: string;
      };
      const size = Number.parseFloat(
        (globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }).getComputedStyle(e)
          .fontSize,
      );
      return {
        text: box.textContent,
        whole: box.scrollWidth <= box.clientWidth && box.scrollHeight <= box.clientHeight + 1,
        size,
      };
    }),
  );

describe.skipIf(missing !== undefined)(
  "the review app's keyboard flow in headless Chromium",
  { timeout: 180_000 },
  () => {
    let emulator: Emulator;
    beforeAll(async () => {
      emulator = await startEmulator({ apiKeys: [KEY], inferenceMs: 10 });
    });
    afterAll(async () => {
      await emulator.close();
    });

    it("decides by key in the large view and the grid; a note survives Esc; focus moves to the next pending image; u undoes; names are readable at 1280×720 and 1920×1080", async () => {
      const dir = await tempDir();
      await writeReviewManifest(dir, ROWS);
      const run = await runReviewManifest(dir, emulator.url, KEY);
      expect(run.code, run.stderr).toBe(0);
      const review = startCli(["review", run.out]);
      let url = "";
      review.child.stdout?.on("data", (d: Buffer) => {
        url ||= /review app: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(d.toString())?.[1] ?? "";
      });
      await until(() => url !== "", "the review URL");
      await mkdir(SHOTS, { recursive: true });
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
        await page.goto(url);
        await page.waitForSelector(".tile");
        await settled(page);
        expect(await tiles(page)).toEqual(JOBS.map((j) => `${j}:pending`));
        // At 1280×720 every job id and product name shows whole, at a readable size.
        const small = await labels(page);
        expect(small.map((l) => l.text)).toEqual(ROWS.flatMap((r) => [`${r.sku}-square`, r.name]));
        for (const l of small) expect(l, l.text).toMatchObject({ whole: true, size: expect.any(Number) });
        for (const l of small) expect(l.size, l.text).toBeGreaterThanOrEqual(13);
        await page.screenshot({ path: join(SHOTS, "grid-1280x720.png") });

        // Enter enlarges; the keyboard is on the view, not in the note box.
        await press(page, "Enter");
        await page.waitForSelector("dialog[open]");
        expect(await focused(page)).toBe("d-panel");
        expect(await where(page)).toEqual({ tile: JOBS[0], view: `${JOBS[0]} · ${ROWS[0]?.name}` });
        await page.screenshot({ path: join(SHOTS, "view-1280x720.png") });
        // `a` approves and shows the next pending image; so does Enter.
        await press(page, "a");
        expect(await where(page)).toEqual({ tile: JOBS[1], view: `${JOBS[1]} · ${ROWS[1]?.name}` });
        expect(await page.inputValue("#d-note")).toBe("");
        await press(page, "Enter");
        expect((await where(page)).tile).toBe(JOBS[2]);
        expect(await focused(page)).toBe("d-panel");
        // Arrows move between images, not a text cursor.
        await press(page, "ArrowRight");
        expect((await where(page)).tile).toBe(JOBS[3]);
        await press(page, "ArrowLeft");
        expect((await where(page)).tile).toBe(JOBS[2]);

        // A note typed, then Esc: the view stays open with the note, and `r` saves it.
        await press(page, "n");
        expect(await focused(page)).toBe("d-note");
        await page.keyboard.type("the logo is blurred");
        await press(page, "Escape");
        expect(await page.$("dialog[open]")).not.toBeNull();
        expect(await focused(page)).toBe("d-panel");
        expect(await page.inputValue("#d-note")).toBe("the logo is blurred");
        await press(page, "r");
        expect((await where(page)).tile).toBe(JOBS[3]);
        expect(await page.$eval(".tile[data-i='2'] .note", (e) => e.textContent)).toBe(
          "“the logo is blurred”",
        );

        // u undoes the last decision, putting back what it replaced (an approval), not clearing it.
        await press(page, "ArrowLeft");
        await press(page, "ArrowLeft");
        expect((await where(page)).tile).toBe(JOBS[1]);
        await press(page, "r");
        expect((await tiles(page))[1]).toBe(`${JOBS[1]}:rejected`);
        await press(page, "u");
        expect((await tiles(page))[1]).toBe(`${JOBS[1]}:approved`);
        expect((await where(page)).tile).toBe(JOBS[1]);

        // Esc closes the view; in the grid, `r` asks for a note and Enter saves the rejection.
        await press(page, "Escape");
        expect(await page.$("dialog[open]")).toBeNull();
        await press(page, "ArrowRight");
        await press(page, "ArrowRight");
        expect((await where(page)).tile).toBe(JOBS[3]);
        await press(page, "r");
        expect(await focused(page)).toBe("d-note");
        await page.keyboard.type("wrong colour");
        await press(page, "Enter");
        // The view moves on to the next pending image; Esc back to the grid, `a` approves there.
        expect(await where(page)).toEqual({ tile: JOBS[4], view: `${JOBS[4]} · ${ROWS[4]?.name}` });
        await press(page, "Escape");
        expect(await page.$("dialog[open]")).toBeNull();
        await press(page, "a");
        expect((await where(page)).tile).toBe(JOBS[5]);
        expect(await tiles(page)).toEqual([
          `${JOBS[0]}:approved`,
          `${JOBS[1]}:approved`,
          `${JOBS[2]}:rejected`,
          `${JOBS[3]}:rejected`,
          `${JOBS[4]}:approved`,
          `${JOBS[5]}:pending`,
        ]);
        await page.screenshot({ path: join(SHOTS, "grid-decided-1280x720.png") });

        await page.setViewportSize({ width: 1920, height: 1080 });
        for (const l of await labels(page)) expect(l.whole, l.text).toBe(true);
        await page.screenshot({ path: join(SHOTS, "grid-1920x1080.png") });
        await press(page, "Enter");
        await page.screenshot({ path: join(SHOTS, "view-1920x1080.png") });
        console.info(`review screenshots: ${SHOTS}`);
      } finally {
        await browser.close();
        review.child.kill("SIGTERM");
      }
      expect((await review.done).code).toBe(0);
      const saved = [...(await readDecisions(run.out)).values()]
        .map((d) => `${d.job}:${d.state}:${d.note ?? ""}`)
        .sort();
      expect(saved).toEqual(
        [
          `${JOBS[0]}:approved:`,
          `${JOBS[1]}:approved:`,
          `${JOBS[2]}:rejected:the logo is blurred`,
          `${JOBS[3]}:rejected:wrong colour`,
          `${JOBS[4]}:approved:`,
        ].sort(),
      );

      // The gallery, rebuilt by `report`, has the review app's words and decision filter, and
      // shows each product with its inputs, readable at 1280×720.
      const report = await runCli(["report", run.out]);
      expect(report.code, report.stderr).toBe(0);
      const gallery = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      });
      try {
        const page = await gallery.newPage({ viewport: { width: 1280, height: 720 } });
        await page.goto(`file://${join(run.out, "index.html")}`);
        await page.waitForSelector('body[data-busy="0"]');
        expect(await page.$$eval(".group h2", (els) => els.map((e) => e.textContent))).toEqual(
          ROWS.map((r) => `${r.name} — hero`),
        );
        expect(await page.$$eval(".group .inputs img", (els) => els.length)).toBe(2 * ROWS.length);
        const ids = await page.$$eval(".variant code", (els) =>
          els.map((e) => {
            const b = e as unknown as { scrollWidth: number; clientWidth: number; textContent: string };
            return { text: b.textContent, whole: b.scrollWidth <= b.clientWidth };
          }),
        );
        expect(ids).toEqual(JOBS.map((text) => ({ text, whole: true })));
        await page.screenshot({ path: join(SHOTS, "gallery-1280x720.png") });
        await page.selectOption("#review", "rejected");
        await page.waitForSelector('body[data-busy="0"]');
        await page.waitForFunction(
          () =>
            (globalThis as unknown as { location: { hash: string } }).location.hash === "#review=rejected",
        );
        await page.waitForSelector('body[data-busy="0"]');
        expect(await page.$$eval(".variant code", (els) => els.map((e) => e.textContent))).toEqual([
          JOBS[2],
          JOBS[3],
        ]);
        expect(await page.$$eval("#review option", (els) => els.map((e) => e.textContent))).toEqual([
          "every decision",
          "approved",
          "rejected",
          "pending",
        ]);
      } finally {
        await gallery.close();
      }
    });
  },
);
