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

  it("refuses credentials and secret-looking names, and unknown filters with a hint", () => {
    for (const name of [
      "FAL_KEY",
      "FAL_KEY_ID",
      "FAL_KEY_SECRET",
      "FAL_KEYS",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "AWS_PROFILE",
      "GITHUB_TOKEN",
      "OPENAI_API_KEY",
      "DB_PASSWORD",
      "SEEDREAM_VAR_API_KEY",
    ])
      expect(compileTemplate(`x {{env.${name}}}`)).toEqual({
        offset: 2,
        message: `\`{{env.${name}}}\`: a template may not read ${name}: it is or looks like a credential (FAL_*, AWS_*, or a name with KEY, SECRET, TOKEN, PASSWORD, AUTH…), and would be written into prompts, reports and sidecars`,
      });
    for (const name of ["BRAND", "SEEDREAM_VAR_SEASON", "HOME"])
      expect(isTemplateError(compileTemplate(`{{env.${name}}}`))).toBe(false);
    expect(compileTemplate("{{ sku | slg }}")).toEqual({
      offset: 0,
      message: "`{{ sku | slg }}`: unknown filter `slg`, did you mean `slug`?",
    });
  });
});
