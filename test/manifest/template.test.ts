import { describe, expect, it } from "vitest";
import {
  compileTemplate,
  isTemplateError,
  renderTemplate,
  slug,
  type Template,
} from "../../src/manifest/template.js";

function compiled(text: string): Template {
  const t = compileTemplate(text);
  if (isTemplateError(t)) throw new Error(t.message);
  return t;
}

describe("templates", () => {
  it("`| slug` makes a value safe for a file name", () => {
    const t = compiled("{{ sku | slug }}/{{job}}.{{ext}}");
    const vars: Record<string, string> = { sku: "SKU 12/Red Édition", job: "j", ext: "png" };
    expect(renderTemplate(t, (n) => vars[n])).toBe("sku-12-red-edition/j.png");
    expect(t.variables).toEqual(["sku", "job", "ext"]);
    expect(slug("../../etc/passwd")).toBe("etc-passwd");
    expect(slug("  --Ärger & Co.--  ")).toBe("arger-co");
    expect(slug("a.b_c-d")).toBe("a.b_c-d");
  });

  it("hears of each value that comes out empty, after its filters", () => {
    const empty: string[] = [];
    const vars: Record<string, string> = { a: "", b: "///", c: "x" };
    const out = renderTemplate(
      compiled("{{a}}{{ b | slug }}{{c}}"),
      (n) => vars[n],
      (n) => empty.push(n),
    );
    expect([out, empty]).toEqual(["x", ["a", "b"]]);
  });

  it("refuses the fal credentials, and unknown filters with a hint", () => {
    for (const name of ["FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET"])
      expect(compileTemplate(`x {{env.${name}}}`)).toEqual({
        offset: 2,
        message: `\`{{env.${name}}}\`: a template may not read the fal key (FAL_KEY, FAL_KEY_ID, FAL_KEY_SECRET); it would be written into prompts, reports and sidecars`,
      });
    expect(isTemplateError(compileTemplate("{{env.FAL_KEYS}}"))).toBe(false);
    expect(compileTemplate("{{ sku | slg }}")).toEqual({
      offset: 0,
      message: "`{{ sku | slg }}`: unknown filter `slg`, did you mean `slug`?",
    });
  });
});
