import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import type { Report } from "../../src/report/index.js";
import { readDecisions } from "../../src/review/decision-store.js";
import { CHROMIUM, ensureChromium } from "../helpers/chromium.js";
import { runReviewManifest, writeReviewManifest } from "../helpers/review-run.js";
import { startCli, until } from "../helpers/run-cli.js";
import { useTempDirs } from "../helpers/temp-dir.js";

const KEY = "sk-review-browser";
const ART = "output/test-artifacts";
const tempDir = useTempDirs();
const missing = ensureChromium();
if (missing) console.warn(`review browser test skipped: ${missing}`);

/** Each tile's job id and badge, in grid order. */
const tiles = (page: Page) =>
  page.$$eval(".tile", (els) =>
    els.map((e) => `${e.querySelector(".id")?.textContent}:${e.querySelector(".badge")?.textContent}`),
  );

/** Waits until tile `i` shows `text` in its badge. */
const badge = (page: Page, i: number, text: string) =>
  page
    .locator(".tile")
    .nth(i)
    .locator(".badge", { hasText: new RegExp(`^${text}$`) })
    .waitFor();

const launchBrowser = () =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });

describe.skipIf(missing !== undefined)(
  "the review app in headless Chromium, over a real run",
  { timeout: 180_000 },
  () => {
    let emulator: Emulator;
    beforeAll(async () => {
      emulator = await startEmulator({ apiKeys: [KEY], inferenceMs: 10 });
    });
    afterAll(async () => {
      await emulator.close();
    });

    it("shows inputs beside results; approve by key, reject by click with a note; decisions survive a reload; the next run makes only the rejected image again, with a new seed", async () => {
      const dir = await tempDir();
      await writeReviewManifest(dir, ["A1", "B2", "C3", "D4"]);
      const first = await runReviewManifest(dir, emulator.url, KEY);
      expect(first.code, first.stderr).toBe(0);
      const review = startCli(["review", first.out]);
      let url = "";
      review.child.stdout?.on("data", (d: Buffer) => {
        url ||= /review app: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(d.toString())?.[1] ?? "";
      });
      await until(() => url !== "", "the review URL");
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      });
      try {
        await mkdir(ART, { recursive: true });
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        await page.goto(url);
        await page.waitForSelector(".tile");
        expect(await tiles(page)).toEqual([
          "A1-square:pending",
          "B2-square:pending",
          "C3-square:pending",
          "D4-square:pending",
        ]);
        // Each result beside both its inputs (product and studio), every picture decoded: once
        // each has loaded or failed (a tile is drawn before its pictures arrive), none is broken.
        await page.waitForFunction(
          () => {
            type Doc = { querySelectorAll(s: string): ArrayLike<{ complete: boolean }> };
            const doc = (globalThis as unknown as { document: Doc }).document;
            return Array.from(doc.querySelectorAll(".tile img")).every((i) => i.complete);
          },
          undefined,
          { timeout: 15_000 },
        );
        const perTile = await page.$$eval(".tile", (els) =>
          els.map((e) => ({
            inputs: [...e.querySelectorAll(".before img")].map(
              (i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0,
            ),
            result: [...e.querySelectorAll(".after img")].map(
              (i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0,
            ),
          })),
        );
        for (const t of perTile) expect(t).toEqual({ inputs: [true, true], result: [true] });

        // Approve the focused (first) tile by key.
        await page.keyboard.press("a");
        await badge(page, 0, "approved");
        // Reject the second by click, with a note, in the large view.
        await page.click(".tile[data-i='1'] .pair");
        await page.waitForSelector("dialog[open]");
        expect(await page.$$eval("#d-inputs img", (els) => els.length)).toBe(2);
        await page.fill("#d-note", "the sole is missing");
        await page.click("#d-reject");
        await badge(page, 1, "rejected");
        await page.screenshot({ path: `${ART}/review-dialog.png` });
        await page.keyboard.press("Escape");
        await page.screenshot({ path: `${ART}/review-grid.png` });

        // Decisions come back after a reload, with the note.
        await page.reload();
        await page.waitForSelector(".tile");
        expect(await tiles(page)).toEqual([
          "A1-square:approved",
          "B2-square:rejected",
          "C3-square:pending",
          "D4-square:pending",
        ]);
        expect(await page.$eval(".tile[data-i='1'] .note", (e) => e.textContent)).toBe(
          "“the sole is missing”",
        );
        // The decision filter.
        await page.selectOption("#f-review", "rejected");
        await page.locator(".tile").nth(1).waitFor({ state: "detached" });
        expect(await tiles(page)).toEqual(["B2-square:rejected"]);
        await page.screenshot({ path: `${ART}/review-filtered.png` });
      } finally {
        await browser.close();
        review.child.kill("SIGTERM");
      }
      expect((await review.done).code).toBe(0);
      const saved = [...(await readDecisions(first.out)).values()].map(
        (d) => `${d.job}:${d.state}:${d.note ?? ""}`,
      );
      expect(saved).toEqual(["A1-square:approved:", "B2-square:rejected:the sole is missing"]);

      // The next run makes exactly the rejected image again, with a new seed, and nothing else.
      const before = JSON.parse(await readFile(join(first.out, "report.json"), "utf8")) as Report;
      const old = (id: string) => before.jobs.find((j) => j.id === id);
      const rejectedBytes = await readFile(join(first.out, "B2-square-1.png"));
      const submitsBefore = emulator.requests.filter((q) => q.op === "submit").length;
      const second = await runReviewManifest(dir, emulator.url, KEY);
      expect(second.code, second.stderr).toBe(0);
      const submits = emulator.requests.filter((q) => q.op === "submit").slice(submitsBefore);
      const after = JSON.parse(await readFile(join(first.out, "report.json"), "utf8")) as Report;
      const b2 = after.jobs.find((j) => j.id === "B2-square");
      expect(submits.map((q) => q.requestId)).toEqual([b2?.request_id]);
      expect(after.jobs.map((j) => `${j.id}:${j.status}`)).toEqual([
        "A1-square:skipped",
        "B2-square:succeeded",
        "C3-square:skipped",
        "D4-square:skipped",
      ]);
      const seed = after.review?.regenerated[0]?.seed;
      expect(after.review).toEqual({
        approved: 1,
        rejected: 0,
        pending: 3,
        lapsed: [],
        regenerated: [{ job: "B2-square", n: 1, seed }],
      });
      expect(b2?.input.seed).toBe(seed);
      expect(seed).toBeGreaterThan(0);
      expect(old("B2-square")?.input.seed).toBeUndefined();
      expect(b2?.outputs[0]?.sha256).not.toBe(old("B2-square")?.outputs[0]?.sha256);
      expect(b2?.outputs[0]?.review).toEqual({
        state: "pending",
        lapsed: "regenerated",
        regenerated_seed: seed,
      });
      expect(after.jobs[0]?.outputs[0]).toEqual({
        ...old("A1-square")?.outputs[0],
        review: expect.objectContaining({ state: "approved" }),
      });
      // The rejected file is kept under the state folder.
      const kept = await readdir(join(first.out, ".state", "review", "rejected"));
      expect(kept).toHaveLength(1);
      expect(
        (await readFile(join(first.out, ".state", "review", "rejected", kept[0] ?? ""))).equals(
          rejectedBytes,
        ),
      ).toBe(true);
      // The gallery (opened from disk) shows the decided images' review (the undecided show none).
      const gallery = await launchBrowser();
      try {
        const page = await gallery.newPage({ viewport: { width: 1400, height: 900 } });
        await page.goto(`file://${join(first.out, "index.html")}`);
        await page.locator(".variant .review").first().waitFor();
        expect(await page.$$eval(".variant .review", (els) => els.map((e) => e.textContent))).toEqual([
          "approved",
          "pending: regenerated",
        ]);
        await page.screenshot({ path: `${ART}/review-gallery.png` });
      } finally {
        await gallery.close();
      }
    });
  },
);
